"""MySQL/MariaDB: compare the catalogues with a fresh install made in a
scratch database, then alter in place what differs.

Columns get the reference's definition (type, character set, null flag,
default), and indexes, foreign keys and check constraints are renamed,
added or dropped to match. DDL is not transactional on this engine: each
statement is computed from the difference, so a run interrupted half-way
is completed by the next one.
"""

import re

from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from .matching import match_by_definition

SCRATCH_ALIAS = "modoboa_takeover_reference"

COLUMNS = (
    "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, "
    "CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s"
)
INDEXES = (
    "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, "
    "GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX SEPARATOR ', ') "
    "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s AND INDEX_NAME <> 'PRIMARY' "
    "GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE"
)
FOREIGN_KEYS = (
    "SELECT TABLE_NAME, CONSTRAINT_NAME, "
    "GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION SEPARATOR ', '), REFERENCED_TABLE_NAME, "
    "GROUP_CONCAT(REFERENCED_COLUMN_NAME ORDER BY ORDINAL_POSITION SEPARATOR ', ') "
    "FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = %s "
    "AND REFERENCED_TABLE_NAME IS NOT NULL GROUP BY TABLE_NAME, CONSTRAINT_NAME, "
    "REFERENCED_TABLE_NAME"
)
CHECKS = (
    "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE, LEVEL "
    "FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = %s"
)


def _q(name):
    return "`%s`" % name


def read(cursor, schema, tables):
    """Return ``(columns, indexes, foreign keys, checks)`` of ``tables``."""
    wanted = set(tables)
    found = []
    for query in (COLUMNS, INDEXES, FOREIGN_KEYS, CHECKS):
        cursor.execute(query, [schema])
        found.append(
            {(row[0], row[1]): tuple(row[2:]) for row in cursor.fetchall() if row[0] in wanted}
        )
    return found


def build_reference(connection):
    """Apply the migrations to a scratch database; return its name."""
    name = (connection.settings_dict["NAME"] + "_takeover_ref")[:64]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME "
            "FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()"
        )
        charset, collation = cursor.fetchone()
        cursor.execute("DROP DATABASE IF EXISTS %s" % _q(name))
        cursor.execute(
            "CREATE DATABASE %s CHARACTER SET %s COLLATE %s" % (_q(name), charset, collation)
        )
    connections.settings[SCRATCH_ALIAS] = dict(connection.settings_dict, NAME=name)
    try:
        scratch = connections[SCRATCH_ALIAS]
        executor = MigrationExecutor(scratch)
        executor.migrate(executor.loader.graph.leaf_nodes())
    finally:
        if SCRATCH_ALIAS in connections:
            connections[SCRATCH_ALIAS].close()
            del connections[SCRATCH_ALIAS]
        del connections.settings[SCRATCH_ALIAS]
    return name


def _column_definition(kind, nullable, default, extra, charset, collation, check=None):
    parts = [kind]
    if charset:
        parts.append("CHARACTER SET %s COLLATE %s" % (charset, collation))
    parts.append("NULL" if nullable == "YES" else "NOT NULL")
    if default is not None and default != "NULL":
        parts.append("DEFAULT %s" % default)
    if "auto_increment" in (extra or ""):
        parts.append("AUTO_INCREMENT")
    if check:
        parts.append("CHECK (%s)" % check)
    return " ".join(parts)


def plan(actual, reference):
    columns, indexes, foreign_keys, checks = actual
    ref_columns, ref_indexes, ref_foreign_keys, ref_checks = reference
    first, middle, last = [], [], []
    for key, definition in sorted(foreign_keys.items()):
        if ref_foreign_keys.get(key) != definition:
            first.append("ALTER TABLE %s DROP FOREIGN KEY %s" % (_q(key[0]), _q(key[1])))
    for key, definition in sorted(checks.items()):
        if ref_checks.get(key) != definition:
            first.append("ALTER TABLE %s DROP CONSTRAINT %s" % (_q(key[0]), _q(key[1])))
    # A column-level check (MariaDB names it after the column) is part of
    # the column's definition.
    column_checks = {
        key: clause for key, (clause, level) in ref_checks.items() if level == "Column"
    }
    for key, definition in sorted(ref_columns.items()):
        if key not in columns:
            raise RuntimeError("Column %s.%s is missing: not a 1.10 table" % key)
        check = column_checks.get(key)
        if columns[key] != definition or (check and checks.get(key) != ref_checks[key]):
            middle.append(
                "ALTER TABLE %s MODIFY %s %s"
                % (_q(key[0]), _q(key[1]), _column_definition(*definition, check=check))
            )
    steps, kept = match_by_definition(indexes, ref_indexes)
    for kind, key, detail in steps:
        if kind == "rename":
            middle.append(
                "ALTER TABLE %s RENAME INDEX %s TO %s" % (_q(key[0]), _q(detail[1]), _q(key[1]))
            )
        elif kind == "create":
            if detail:
                middle.append("ALTER TABLE %s DROP INDEX %s" % (_q(key[0]), _q(key[1])))
            non_unique, columns_list = ref_indexes[key]
            middle.append(
                "CREATE %sINDEX %s ON %s (%s)"
                % (
                    "" if int(non_unique) else "UNIQUE ",
                    _q(key[1]),
                    _q(key[0]),
                    ", ".join(_q(column.strip()) for column in columns_list.split(",")),
                )
            )
    for key in sorted(indexes):
        if key not in kept and key not in ref_indexes:
            last.append("ALTER TABLE %s DROP INDEX %s" % (_q(key[0]), _q(key[1])))
    for key, definition in sorted(ref_checks.items()):
        if checks.get(key) != definition and key not in column_checks:
            last.append(
                "ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s)"
                % (_q(key[0]), _q(key[1]), definition[0])
            )
    for key, definition in sorted(ref_foreign_keys.items()):
        if foreign_keys.get(key) != definition:
            columns_list, table, referenced = definition
            last.append(
                "ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s)"
                % (
                    _q(key[0]),
                    _q(key[1]),
                    ", ".join(_q(c.strip()) for c in columns_list.split(",")),
                    _q(table),
                    ", ".join(_q(c.strip()) for c in referenced.split(",")),
                )
            )
    return first + middle + last


def _index_gone(cursor, statement):
    match = re.match(r"ALTER TABLE `(\w+)` DROP INDEX `(\w+)`$", statement)
    if not match:
        return False
    cursor.execute(
        "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
        "AND TABLE_NAME = %s AND INDEX_NAME = %s",
        list(match.groups()),
    )
    return cursor.fetchone()[0] == 0


def conform(connection, tables, log):
    scratch = build_reference(connection)
    try:
        with connection.cursor() as cursor:
            actual = read(cursor, connection.settings_dict["NAME"], tables)
            reference = read(cursor, scratch, tables)
            statements = plan(actual, reference)
            cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
            try:
                for statement in statements:
                    if _index_gone(cursor, statement):
                        # InnoDB drops the index it made for a foreign key
                        # by itself once another index serves the key.
                        continue
                    log(statement)
                    cursor.execute(statement)
            finally:
                cursor.execute("SET FOREIGN_KEY_CHECKS = 1")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP DATABASE IF EXISTS %s" % _q(scratch))
