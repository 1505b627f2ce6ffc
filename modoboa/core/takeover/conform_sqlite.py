"""SQLite: rebuild every table whose statements differ from a fresh
install's.

The reference is a fresh install itself: this project's migrations are
applied to a scratch database file, and its ``CREATE`` statements are the
ones each table must have. A differing table is rebuilt the way Django
alters tables on SQLite: created under a new name with the reference
statement, filled from the old one, renamed into place, indexes created.
"""

import os
import re
import tempfile

from django.db import connections
from django.db.migrations.executor import MigrationExecutor

SCRATCH_ALIAS = "modoboa_takeover_reference"


def _normalise(sql):
    return re.sub(r"\s+", " ", sql.replace("IF NOT EXISTS ", "")).strip()


def read(connection, tables):
    """Return ``{table: (table statement, sorted index statements)}``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, tbl_name, sql FROM sqlite_master WHERE type IN ('table', 'index') "
            "AND sql IS NOT NULL"
        )
        rows = cursor.fetchall()
    found = {table: [None, []] for table in tables}
    for kind, table, sql in rows:
        if table not in found:
            continue
        if kind == "table":
            found[table][0] = _normalise(sql)
        else:
            found[table][1].append(_normalise(sql))
    return {table: (create, sorted(indexes)) for table, (create, indexes) in found.items()}


def fresh_statements(connection, tables):
    """Apply the migrations to a scratch database; return its statements."""
    handle, path = tempfile.mkstemp(suffix=".sqlite3", prefix="modoboa-reference-")
    os.close(handle)
    settings_dict = dict(connection.settings_dict, NAME=path)
    connections.settings[SCRATCH_ALIAS] = settings_dict
    try:
        scratch = connections[SCRATCH_ALIAS]
        executor = MigrationExecutor(scratch)
        executor.migrate(executor.loader.graph.leaf_nodes())
        return read(scratch, tables)
    finally:
        if SCRATCH_ALIAS in connections:
            connections[SCRATCH_ALIAS].close()
            del connections[SCRATCH_ALIAS]
        del connections.settings[SCRATCH_ALIAS]
        os.unlink(path)


def _columns(cursor, table):
    cursor.execute('PRAGMA table_info("%s")' % table)
    return [row[1] for row in cursor.fetchall()]


def conform(connection, tables, log):
    reference = fresh_statements(connection, tables)
    actual = read(connection, tables)
    differing = [
        table for table in tables if reference[table][0] and actual[table] != reference[table]
    ]
    if not differing:
        return
    with connection.schema_editor(atomic=True) as editor:
        with connection.cursor() as cursor:
            # A view naming a table stops SQLite from renaming the rebuilt
            # table into place: the views are set aside, then put back.
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'")
            views = cursor.fetchall()
            for name, _sql in views:
                cursor.execute('DROP VIEW "%s"' % name)
            for table in differing:
                log("Rebuilding table %s" % table)
                create, indexes = reference[table]
                temporary = "new__%s" % table
                cursor.execute(
                    create.replace('CREATE TABLE "%s"' % table, 'CREATE TABLE "%s"' % temporary, 1)
                )
                kept = [
                    '"%s"' % column
                    for column in _columns(cursor, temporary)
                    if column in _columns(cursor, table)
                ]
                cursor.execute(
                    'INSERT INTO "%s" (%s) SELECT %s FROM "%s"'  # noqa: S608 - catalogue names
                    % (temporary, ", ".join(kept), ", ".join(kept), table)
                )
                cursor.execute('DROP TABLE "%s"' % table)
                cursor.execute('ALTER TABLE "%s" RENAME TO "%s"' % (temporary, table))
                for statement in indexes:
                    cursor.execute(statement)
            for _name, sql in views:
                cursor.execute(sql)
    del editor
