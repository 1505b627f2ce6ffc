"""System checks of the Amavis connection (``manage.py check --deploy``)."""

from django.conf import settings
from django.core import checks
from django.db import connections

from .dbrouter import amavis_alias

SUPPORTED = ("postgresql", "mysql", "sqlite")


def database_encoding(connection):
    """The character set the server stores Amavis' text in, upper case."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_encoding")
        elif connection.vendor == "mysql":
            cursor.execute("SELECT @@character_set_database")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA encoding")
        else:
            return None
        return cursor.fetchone()[0].upper().replace("-", "")


def expected_encoding():
    return getattr(settings, "AMAVIS_DEFAULT_DATABASE_ENCODING", "UTF8").upper().replace("-", "")


@checks.register(checks.Tags.database, deploy=True)
def check_amavis_database(app_configs=None, databases=None, **kwargs):
    """W001: the connection's encoding is not the one Amavis writes.
    W002: an engine Amavis has no driver for.
    """
    alias = amavis_alias()
    if databases is not None and alias not in databases:
        return []
    connection = connections[alias]
    if connection.vendor not in SUPPORTED:
        return [
            checks.Warning(
                "The Amavis database uses %s, which Amavis cannot use." % connection.vendor,
                hint="Use PostgreSQL or MySQL/MariaDB for Amavis' tables.",
                id="modoboa-amavis.W002",
            )
        ]
    try:
        actual = database_encoding(connection)
    except Exception as exc:  # noqa: BLE001 - any driver error is reported, not raised
        return [
            checks.Warning(
                "Cannot read the encoding of the Amavis database: %s" % exc,
                id="modoboa-amavis.W001",
            )
        ]
    from django.apps import apps

    tables = set(connection.introspection.table_names())
    missing = [
        model._meta.db_table
        for model in apps.get_app_config("amavis").get_models()
        if model._meta.db_table not in tables
    ]
    if missing:
        return [
            checks.Warning(
                "Amavis' tables are missing from the %s database: %s"
                % (alias, ", ".join(sorted(missing))),
                hint="Create them with Amavis' README.sql-pg or README.sql-mysql script.",
                id="modoboa-amavis.W003",
            )
        ]
    expected = expected_encoding()
    aliases = {"UTF8MB4": "UTF8", "UTF8MB3": "UTF8", "UTF8": "UTF8", "LATIN1": "LATIN1"}
    if aliases.get(actual, actual) != aliases.get(expected, expected):
        return [
            checks.Warning(
                "The Amavis database's encoding is %s but %s is expected." % (actual, expected),
                hint=(
                    "Create Amavis' database with the encoding Amavis writes, or set "
                    "AMAVIS_DEFAULT_DATABASE_ENCODING in settings.py."
                ),
                id="modoboa-amavis.W001",
            )
        ]
    return []
