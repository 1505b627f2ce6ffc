"""PostgreSQL: compare the catalogues with reference tables built in a
scratch schema, then alter in place what differs.

Columns get the reference's type (``text`` JSON becomes ``jsonb``), null
flag and default; Django 1.11's ``serial`` ids become identity columns, as
Django 5.2 creates them; constraints and indexes are renamed, added or
dropped to match by definition.
"""

from django.db import connections, transaction
from django.db.migrations.executor import MigrationExecutor

from .matching import match_by_definition

SCRATCH = "modoboa_takeover_reference"
SCRATCH_ALIAS = "modoboa_takeover_reference"

COLUMNS = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attidentity
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = %s AND c.relname = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
"""

CONSTRAINTS = """
SELECT c.relname, con.conname, pg_get_constraintdef(con.oid)
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relname = ANY(%s)
"""

INDEXES = """
SELECT t.relname, i.relname, pg_get_indexdef(i.oid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = %s AND t.relname = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.oid)
"""


def read(cursor, schema, tables):
    """Return ``(columns, constraints, indexes)`` of ``tables``
    in ``schema``, with definitions written without the schema name.
    """
    cursor.execute('SET LOCAL search_path TO "%s"' % schema)
    cursor.execute(COLUMNS, [schema, tables])
    columns = {}
    for table, column, kind, notnull, default, identity in cursor.fetchall():
        columns[(table, column)] = (kind, notnull, default, identity)
    cursor.execute(CONSTRAINTS, [schema, tables])
    constraints = {(table, name): definition for table, name, definition in cursor.fetchall()}
    cursor.execute(INDEXES, [schema, tables])
    indexes = {}
    for table, name, definition in cursor.fetchall():
        # "CREATE [UNIQUE] INDEX name ON table USING ..." -> "[UNIQUE] table USING ..."
        head, rest = definition.split(" ON ", 1)
        unique = "UNIQUE " if head.startswith("CREATE UNIQUE") else ""
        indexes[(table, name)] = unique + rest.replace(schema + ".", "")
    return columns, constraints, indexes


def _quote(name):
    return '"%s"' % name


def build_reference(connection):
    """Apply the migrations in the scratch schema, through a connection of
    its own whose ``search_path`` is that schema.
    """
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS %s CASCADE" % SCRATCH)
    settings_dict = dict(connection.settings_dict)
    options = dict(settings_dict.get("OPTIONS") or {})
    options["options"] = (options.get("options", "") + " -c search_path=%s" % SCRATCH).strip()
    settings_dict["OPTIONS"] = options
    connections.settings[SCRATCH_ALIAS] = settings_dict
    try:
        scratch = connections[SCRATCH_ALIAS]
        with scratch.cursor() as cursor:
            cursor.execute("CREATE SCHEMA %s" % SCRATCH)
        executor = MigrationExecutor(scratch)
        executor.migrate(executor.loader.graph.leaf_nodes())
    finally:
        if SCRATCH_ALIAS in connections:
            connections[SCRATCH_ALIAS].close()
            del connections[SCRATCH_ALIAS]
        del connections.settings[SCRATCH_ALIAS]


def plan(connection, tables, schema):
    """Return the statements that bring ``schema``'s tables to the
    reference's shape.
    """
    with connection.cursor() as cursor:
        actual = read(cursor, schema, tables)
        reference = read(cursor, SCRATCH, tables)
        cursor.execute('SET LOCAL search_path TO "%s"' % schema)
    return (
        _columns(actual[0], reference[0])
        + _named(actual[1], reference[1], _constraint_statements)
        + _named(actual[2], reference[2], _index_statements)
    )


def _columns(actual, reference):
    statements = []
    for (table, column), (kind, notnull, default, identity) in sorted(reference.items()):
        if (table, column) not in actual:
            raise RuntimeError("Column %s.%s is missing: not a 1.10 table" % (table, column))
        old_kind, old_notnull, old_default, old_identity = actual[(table, column)]
        prefix = "ALTER TABLE %s ALTER COLUMN %s " % (_quote(table), _quote(column))
        if identity and not old_identity:
            if old_default and old_default.startswith("nextval("):
                statements.append(prefix + "DROP DEFAULT")
                statements.append("DROP SEQUENCE IF EXISTS %s" % old_default.split("'")[1])
                old_default = None
            statements.append(prefix + "ADD GENERATED BY DEFAULT AS IDENTITY")
            statements.append(
                "SELECT setval(pg_get_serial_sequence('%s', '%s'), "  # noqa: S608 - catalogue names
                "COALESCE((SELECT MAX(%s) FROM %s), 0) + 1, false)"
                % (_quote(table), column, _quote(column), _quote(table))
            )
        if kind != old_kind:
            statements.append(prefix + "TYPE %s USING %s::%s" % (kind, _quote(column), kind))
        if notnull != old_notnull:
            statements.append(prefix + ("SET NOT NULL" if notnull else "DROP NOT NULL"))
        if default != old_default and not identity:
            statements.append(prefix + ("SET DEFAULT %s" % default if default else "DROP DEFAULT"))
    return statements


def _named(actual, reference, statements_for):
    """Match objects by definition: rename, then create and drop."""
    steps, kept = match_by_definition(actual, reference)
    renames = [(old, key) for kind, key, old in steps if kind == "rename"]
    creates = [(key, reference[key]) for kind, key, _replaced in steps if kind == "create"]
    drops = [
        key
        for key in sorted(actual)
        if key not in kept and (key not in reference or actual[key] != reference[key])
    ]
    return statements_for(renames, creates, drops)


def _constraint_statements(renames, creates, drops):
    statements = [
        "ALTER TABLE %s DROP CONSTRAINT %s" % (_quote(table), _quote(name))
        for table, name in drops
    ]
    statements += [
        "ALTER TABLE %s RENAME CONSTRAINT %s TO %s"
        % (_quote(old[0]), _quote(old[1]), _quote(new[1]))
        for old, new in renames
    ]
    statements += [
        "ALTER TABLE %s ADD CONSTRAINT %s %s" % (_quote(table), _quote(name), definition)
        for (table, name), definition in creates
    ]
    return statements


def _index_statements(renames, creates, drops):
    statements = ["DROP INDEX %s" % _quote(name) for _table, name in drops]
    statements += [
        "ALTER INDEX %s RENAME TO %s" % (_quote(old[1]), _quote(new[1])) for old, new in renames
    ]
    for (_table, name), definition in creates:
        unique = definition.startswith("UNIQUE ")
        statements.append(
            "CREATE %sINDEX %s ON %s"
            % ("UNIQUE " if unique else "", _quote(name), definition[7:] if unique else definition)
        )
    return statements


def conform(connection, tables, log):
    build_reference(connection)
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            schema = cursor.fetchone()[0]
        statements = plan(connection, tables, schema)
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA %s CASCADE" % SCRATCH)
            for statement in statements:
                log(statement)
                cursor.execute(statement)
