"""Recognise what a database holds before anything is changed.

The answer comes from the ``django_migrations`` rows and the table names
only: nothing is written.
"""

import re
from dataclasses import dataclass, field

# The applications of Modoboa 1.10 that this project reimplements under the
# same labels, and the last migration 1.10.0 had in each (1.10.7 added
# core 0016 and transport 0002).
UPSTREAM_HEADS = {
    "core": 15,
    "lib": 6,
    "admin": 13,
    "limits": 6,
    "relaydomains": 9,
    "transport": 1,
}
UPSTREAM_110_LAST = {"core": 16, "transport": 2}

# Rows of 1.10's history are kept, under this prefix, once taken over.
KEPT_PREFIX = "modoboa-1.10."
# A row of this application tells that the schema still has to be brought
# to a fresh install's shape (set by the history step, cleared at the end).
MARKER_APP = "modoboa-takeover"
MARKER_NAME = "schema-pending"

# Tables that tell which product a database belongs to.
MODOBOA_TABLES = {"core_user", "admin_domain", "admin_mailbox", "admin_alias"}
MODOBOA_2_TABLES = {
    "core_extensionupdatehistory",
    "admin_alarm",
    "core_userfidokey",
    "oauth2_provider_application",
}
POSTFIXADMIN_TABLES = {"domain", "mailbox", "alias", "admin", "domain_admins"}

# Kinds of database.
EMPTY = "empty"
CURRENT = "current"
PENDING = "pending"
MODOBOA_110 = "modoboa-1.10"
REFUSED = "refused"


@dataclass
class Finding:
    """What a database is, and the reason when it is refused."""

    kind: str
    version: str = ""
    message: str = ""
    upstream_rows: list = field(default_factory=list)

    @property
    def refused(self):
        return self.kind == REFUSED


def _number(name):
    match = re.match(r"(\d+)_", name)
    return int(match.group(1)) if match else None


def our_migrations():
    """Return the set of ``(app, name)`` of this project's migrations for
    the applications 1.10 also had.
    """
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True, load=False)
    loader.load_disk()
    return {key for key in loader.disk_migrations if key[0] in UPSTREAM_HEADS}


def inspect(connection):
    """Return the ``Finding`` for the database of ``connection``."""
    tables = set(connection.introspection.table_names())
    if "django_migrations" not in tables:
        return _without_history(tables)
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        rows = [(app, name) for app, name in cursor.fetchall()]
    if (MARKER_APP, MARKER_NAME) in rows:
        return Finding(
            PENDING, message="The schema of a taken-over 1.10 database is being aligned."
        )
    ours = our_migrations()
    upstream = sorted(row for row in rows if row[0] in UPSTREAM_HEADS and row not in ours)
    if not upstream:
        if any(row[0] == "core" for row in rows):
            return Finding(CURRENT)
        return _without_history(tables)
    if any(row in ours and row[1] != "0001_initial" for row in rows):
        return Finding(
            REFUSED,
            message=(
                "The migration history mixes Modoboa 1.10's migrations with "
                "this release's: it was edited by hand. Restore the 1.10 "
                "database from its backup and run migrate again."
            ),
        )
    heads = {}
    # Every row of these applications is upstream's here (the names they
    # share with this project's, such as transport.0001_initial, included).
    for app, name in rows:
        if app not in UPSTREAM_HEADS:
            continue
        number = _number(name)
        if number is not None:
            heads[app] = max(heads.get(app, 0), number)
    newer = [
        "%s.%04d" % (app, number)
        for app, number in sorted(heads.items())
        if number > UPSTREAM_110_LAST.get(app, UPSTREAM_HEADS[app])
    ]
    if newer or tables & MODOBOA_2_TABLES:
        return Finding(
            REFUSED,
            message=(
                "This is a database of Modoboa 1.11 or later (2.x): its "
                "migrations go beyond 1.10's (%s). Only Modoboa 1.10.x "
                "databases can be taken over; nothing was changed."
                % ", ".join(newer or sorted(tables & MODOBOA_2_TABLES))
            ),
        )
    older = [
        "%s (at %04d, 1.10 has %04d)" % (app, heads.get(app, 0), head)
        for app, head in sorted(UPSTREAM_HEADS.items())
        if heads.get(app, 0) < head
    ]
    if older:
        return Finding(
            REFUSED,
            message=(
                "This is a database of a Modoboa older than 1.10: %s. "
                "Upgrade it to 1.10 with Modoboa 1.10 itself first; nothing "
                "was changed." % ", ".join(older)
            ),
        )
    if all(heads.get(app) == number for app, number in UPSTREAM_110_LAST.items()):
        version = "1.10.7"
    elif any(heads.get(app) == number for app, number in UPSTREAM_110_LAST.items()):
        version = "1.10.x"
    else:
        version = "1.10.0 to 1.10.6"
    return Finding(MODOBOA_110, version=version, upstream_rows=upstream)


def _without_history(tables):
    if tables & MODOBOA_TABLES:
        return Finding(
            REFUSED,
            message=(
                "The database has Modoboa's tables (%s) but no Modoboa "
                "migration history: its origin is unknown, so it is not "
                "taken over; nothing was changed." % ", ".join(sorted(tables & MODOBOA_TABLES))
            ),
        )
    if POSTFIXADMIN_TABLES <= tables:
        return Finding(
            REFUSED,
            message=(
                "This is a PostfixAdmin database: Modoboa does not run on it. "
                "Create a new database for Modoboa and import this one with "
                "'manage.py migrate_from_postfixadmin'; nothing was changed."
            ),
        )
    return Finding(EMPTY)
