"""SQL helpers over Amavis' octet columns."""

from django.db.models import CharField, Func


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
