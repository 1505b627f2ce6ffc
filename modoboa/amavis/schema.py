"""Create Amavis' tables from the models, where Amavis' own scripts cannot.

Production instances create them with Amavis' ``README.sql-pg`` or
``README.sql-mysql`` (see the documentation). The test suite and SQLite
instances (Amavis has no SQLite driver: the tables are then only written by
Modoboa and its tests) use :func:`create_tables`, whose column types match
Amavis' on PostgreSQL and MySQL/MariaDB.
"""

from django.apps import apps
from django.db import connections

from . import search_index
from .dbrouter import amavis_alias


def create_tables(using=None, editor=None):
    """Create the missing Amavis tables on connection ``using`` (or with
    the schema ``editor`` of a migration).
    """
    if editor is not None:
        _create(editor)
        return
    with connections[using or amavis_alias()].schema_editor() as editor:
        _create(editor)


# PostgreSQL only (documented in docs/amavis.rst): trigram indexes, so a
# search in the subject or the sender of a large quarantine reads the
# matching rows instead of every message (the ORM's case-insensitive
# "contains" is ``UPPER(column::text) LIKE UPPER('%...%')``); "All" reads
# both through one BitmapOr.
PG_SEARCH_INDEXES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS msgs_idx_subject_trgm ON msgs "
    "USING gin (UPPER(subject::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS msgs_idx_from_addr_trgm ON msgs "
    "USING gin (UPPER(from_addr::text) gin_trgm_ops)",
]

# PostgreSQL and SQLite: the message ids of a recipient in its index
# (InnoDB's secondary indexes hold the primary key, so ``msgrcpt_idx_rid``
# already does on MariaDB). An administrator's search reads its domains'
# rows from there without visiting ``msgrcpt`` itself, whose rows of one
# domain are spread over the whole table.
RECIPIENT_INDEX = "CREATE INDEX IF NOT EXISTS msgrcpt_idx_rid_mail_id ON msgrcpt (rid, mail_id)"


def _create(editor):
    existing = set(editor.connection.introspection.table_names())
    for model in apps.get_app_config("amavis").get_models():
        if model._meta.db_table not in existing:
            editor.create_model(model)
            # Django skips the indexes of unmanaged models: Amavis' own
            # (README.sql-*) are declared in Meta.indexes.
            for index in model._meta.indexes:
                editor.add_index(model, index)
    if {"msgs", "msgrcpt"} - existing:
        for statement in search_index_statements(editor.connection):
            editor.execute(statement)
    if search_index.supported(editor.connection):
        for statement in search_index.TABLES:
            editor.execute(statement)


# MariaDB and SQLite have no index for a text inside a column: this one
# makes a search read the subjects, the senders and the message ids only, a
# narrow index instead of the whole rows, and "All" read both columns in one
# pass (it replaces ``msgs_idx_subject`` and ``msgs_idx_from_addr``, which
# earlier versions of the documentation proposed).
NARROW_SEARCH_INDEXES = [
    "CREATE INDEX IF NOT EXISTS msgs_idx_subject_from_addr ON msgs (subject, from_addr)",
]


def search_index_statements(connection):
    """The statements creating the search indexes missing on ``connection``
    (see the documentation): trigram indexes on PostgreSQL, a narrow one
    elsewhere, and the recipients' message ids where the engine's
    ``msgrcpt_idx_rid`` lacks them.
    """
    if connection.vendor == "postgresql":
        return PG_SEARCH_INDEXES + [RECIPIENT_INDEX]
    if connection.vendor == "sqlite":
        return NARROW_SEARCH_INDEXES + [RECIPIENT_INDEX]
    return NARROW_SEARCH_INDEXES


def create_search_indexes(using=None):
    """Add the search indexes to existing tables (idempotent)."""
    connection = connections[using or amavis_alias()]
    with connection.cursor() as cursor:
        for statement in search_index_statements(connection):
            cursor.execute(statement)


def drop_tables(using=None):
    connection = connections[using or amavis_alias()]
    if search_index.supported(connection):
        search_index.drop_tables(connection)
    existing = set(connection.introspection.table_names())
    with connection.schema_editor() as editor:
        for model in reversed(list(apps.get_app_config("amavis").get_models())):
            if model._meta.db_table in existing:
                editor.delete_model(model)
