"""SQL helpers over Amavis' octet columns."""

import re

from django.db.models import CharField, F, Func
from django.db.models.lookups import IContains, IEndsWith, IExact, IStartsWith


class OctetsAsText(Func):
    """An octets column (addresses) as text, for LIKE patterns.

    Invalid UTF-8 never raises: PostgreSQL escapes it, MySQL replaces it.
    """

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="CAST(%(expressions)s AS TEXT)", **extra_context
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="encode(%(expressions)s, 'escape')", **extra_context
        )

    def as_mysql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="CONVERT(%(expressions)s USING utf8mb4)",
            **extra_context,
        )


def reversed_domain(name):
    """``example.com`` as Amavis stores it in ``maddr.domain``: ``com.example``."""
    return ".".join(reversed(name.lower().strip(".").split(".")))


class Caseless:
    """A case-insensitive lookup that holds on Amavis' schemas too.

    Django's ``i*`` lookups rely on the column's collation on MySQL and
    MariaDB, and Amavis' ``README.sql-mysql`` declares ``msgs.subject`` and
    ``msgs.from_addr`` ``utf8mb4_bin`` (``maddr.email`` ``varbinary``): the
    comparison is made in ``utf8mb4_general_ci`` explicitly there (the
    collation of a database created ``CHARACTER SET utf8mb4`` as the
    installation does, so the same results and cost on Modoboa's tables). SQLite's
    ``LIKE`` folds ASCII letters only: a text with other letters
    (``équipe``) goes through Django's Python ``REGEXP`` instead. PostgreSQL
    keeps Django's ``UPPER(column::text) LIKE UPPER(...)``, the expression
    of the trigram indexes (:mod:`.schema`).
    """

    prepare_rhs = False
    regex = "%s"

    def __init__(self, lhs, rhs):
        if isinstance(lhs, str):
            lhs = F(lhs)
        super().__init__(lhs, rhs)

    def as_mysql(self, compiler, connection):
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        # The collation is set on the pattern, a constant: a utf8mb4 column
        # is compared as it is (converting each row costs 30% more CPU on a
        # scan), one in another character set (utf8mb3 in older Amavis
        # scripts, latin1) is converted to the pattern's.
        rhs_sql = "CONVERT(%s USING utf8mb4) COLLATE utf8mb4_general_ci" % rhs_sql
        return (
            "%s %s" % (lhs_sql, self.get_rhs_op(connection, rhs_sql)),
            (*lhs_params, *rhs_params),
        )

    def as_sqlite(self, compiler, connection):
        if str(self.rhs).isascii():
            return self.as_sql(compiler, connection)
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        pattern = "(?i)" + self.regex % re.escape(str(self.rhs))
        return "%s REGEXP %%s" % lhs_sql, (*lhs_params, pattern)


class CaselessContains(Caseless, IContains):
    """``lhs`` contains ``rhs``, whatever the case."""


class CaselessExact(Caseless, IExact):
    """``lhs`` is ``rhs``, whatever the case."""

    regex = r"\A%s\Z"


class CaselessStartsWith(Caseless, IStartsWith):
    """``lhs`` starts with ``rhs``, whatever the case."""

    regex = r"\A%s"


class CaselessEndsWith(Caseless, IEndsWith):
    """``lhs`` ends with ``rhs``, whatever the case."""

    regex = r"%s\Z"


def octets_text(text, connection):
    """``text`` as :class:`OctetsAsText` shows it on ``connection``."""
    if connection.vendor == "postgresql":
        return bytea_escaped(text)
    return text


def bytea_escaped(text):
    """``text`` as PostgreSQL's ``encode(bytea, 'escape')`` writes its UTF-8
    octets, so a search finds non-ASCII addresses in :class:`OctetsAsText`.
    """
    result = []
    for octet in text.encode("utf-8"):
        if octet == 0x5C:
            result.append("\\\\")
        elif octet >= 0x80 or octet == 0:
            result.append("\\%03o" % octet)
        else:
            result.append(chr(octet))
    return "".join(result)


def address_contains(search, connection):
    """A condition over ``maddr`` (annotated with ``email_text``, an
    :class:`OctetsAsText`) for addresses containing ``search``.
    """
    return CaselessContains("email_text", octets_text(search, connection))
