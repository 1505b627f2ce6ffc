"""Bring the tables of a taken-over database to a fresh install's shape.

A fresh install's tables are what this project's migrations create; a 1.10
database holds the same tables and columns, made by Django 1.11, with other
types (JSON as text), defaults, constraints and index names. Each engine's
module compares every table of the covered applications with what the
migrations would create and changes what differs, keeping the rows:

- SQLite rebuilds a table whose ``CREATE`` statements differ (the way
  Django alters a table on SQLite);
- PostgreSQL creates the reference tables in a scratch schema, compares
  the catalogues and alters columns, constraints and indexes in place.

Both are one transaction, and comparing first makes them re-runnable.
"""

from django.db import transaction
from django.db.migrations.loader import MigrationLoader

from . import detect

# Applications whose tables a 1.10 database shares with a fresh install.
# 1.10's extension tables belong to no application listed here: they are
# left as they are.
COVERED_APPS = {
    "auth",
    "contenttypes",
    "sessions",
    "sites",
    "reversion",
    "authtoken",
    "core",
    "twofactor",
    "admin",
    "transport",
    "relaydomains",
    "limits",
}


def covered_tables(connection):
    """Return the tables of the covered applications that exist (m2m
    tables and Django's ``django_migrations`` included).
    """
    loader = MigrationLoader(connection)
    state = loader.project_state()
    tables = set(connection.introspection.table_names())
    found = {"django_migrations"}
    for model in state.apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.app_label not in COVERED_APPS or not meta.managed or meta.proxy:
            continue
        if meta.db_table in tables:
            found.add(meta.db_table)
    return sorted(found)


def conform(connection, log=lambda message: None):
    """Align the schema, then clear the marker the history step left."""
    if connection.vendor == "sqlite":
        from . import conform_sqlite as engine
    elif connection.vendor == "postgresql":
        from . import conform_postgresql as engine
    elif connection.vendor == "mysql":
        from . import conform_mysql as engine
    else:
        raise NotImplementedError(connection.vendor)
    engine.conform(connection, covered_tables(connection), log)
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM django_migrations WHERE app = %s AND name = %s",
                [detect.MARKER_APP, detect.MARKER_NAME],
            )
