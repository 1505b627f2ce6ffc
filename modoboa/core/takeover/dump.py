"""A comparable dump of a database schema, one line per object.

Tables with their columns (type, null flag, default), constraints, indexes,
sequences, triggers, views and functions, sorted so that two databases with
the same schema give the same lines whatever the order their objects were
made in. Columns are compared by name: only their order within a table may
differ between a taken-over database and a fresh one on PostgreSQL and
MariaDB (SQLite's rebuilt tables have the fresh order too).

Works on a DB-API cursor, so tests can dump any database without Django.
"""

import re


def _normalise(sql):
    return re.sub(r"\s+", " ", (sql or "").replace("IF NOT EXISTS ", "")).strip()


def dump(vendor, cursor):
    """Return the sorted lines describing the schema ``cursor`` sees."""
    return sorted({"sqlite": _sqlite, "postgresql": _postgresql, "mysql": _mysql}[vendor](cursor))


def _sqlite(cursor):
    cursor.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master "
        "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
    )
    return [
        "%s %s ON %s: %s" % (kind, name, table, _normalise(sql))
        for kind, name, table, sql in cursor.fetchall()
    ]


PG_QUERIES = [
    (
        "column",
        """SELECT c.relname || '.' || a.attname, format_type(a.atttypid, a.atttypmod)
                  || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE ' NULL' END
                  || COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
                  || CASE a.attidentity WHEN 'd' THEN ' IDENTITY BY DEFAULT'
                                        WHEN 'a' THEN ' IDENTITY ALWAYS' ELSE '' END
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
           LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
           WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'v')
             AND a.attnum > 0 AND NOT a.attisdropped""",
    ),
    (
        "constraint",
        """SELECT c.relname || '.' || con.conname, pg_get_constraintdef(con.oid)
           FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
           WHERE c.relnamespace = current_schema()::regnamespace""",
    ),
    (
        "index",
        """SELECT i.relname, pg_get_indexdef(i.oid)
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
           WHERE i.relnamespace = current_schema()::regnamespace""",
    ),
    (
        "sequence",
        """SELECT s.relname, COALESCE(t.relname || '.' || a.attname, '(not owned)')
           FROM pg_class s
           LEFT JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass
                AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
           LEFT JOIN pg_class t ON t.oid = d.refobjid
           LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
           WHERE s.relkind = 'S' AND s.relnamespace = current_schema()::regnamespace""",
    ),
    (
        "trigger",
        """SELECT c.relname || '.' || t.tgname, pg_get_triggerdef(t.oid)
           FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
           WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal""",
    ),
    (
        "view",
        """SELECT c.relname, pg_get_viewdef(c.oid)
           FROM pg_class c
           WHERE c.relkind = 'v' AND c.relnamespace = current_schema()::regnamespace""",
    ),
    (
        "function",
        """SELECT p.proname, p.prosrc FROM pg_proc p
           WHERE p.pronamespace = current_schema()::regnamespace""",
    ),
]


def _postgresql(cursor):
    lines = []
    for kind, query in PG_QUERIES:
        cursor.execute(query)
        lines += ["%s %s: %s" % (kind, name, _normalise(text)) for name, text in cursor.fetchall()]
    return lines


MYSQL_QUERIES = [
    (
        "column",
        """SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME),
                  CONCAT_WS(' ', COLUMN_TYPE, IS_NULLABLE, COALESCE(COLUMN_DEFAULT, '-'), EXTRA,
                            COALESCE(CHARACTER_SET_NAME, '-'), COALESCE(COLLATION_NAME, '-'))
           FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()""",
    ),
    (
        "index",
        """SELECT CONCAT(TABLE_NAME, '.', INDEX_NAME),
                  CONCAT(IF(NON_UNIQUE, '', 'UNIQUE '), INDEX_TYPE, ' (',
                         GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX), ')')
           FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
           GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE, INDEX_TYPE""",
    ),
    (
        "constraint",
        """SELECT CONCAT(k.TABLE_NAME, '.', k.CONSTRAINT_NAME),
                  CONCAT(GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION), ' -> ',
                         COALESCE(k.REFERENCED_TABLE_NAME, '-'), '.',
                         COALESCE(GROUP_CONCAT(k.REFERENCED_COLUMN_NAME), '-'))
           FROM information_schema.KEY_COLUMN_USAGE k WHERE k.TABLE_SCHEMA = DATABASE()
           GROUP BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.REFERENCED_TABLE_NAME""",
    ),
    (
        "check",
        """SELECT CONCAT(TABLE_NAME, '.', CONSTRAINT_NAME), CONCAT(LEVEL, ' ', CHECK_CLAUSE)
           FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()""",
    ),
    (
        "table",
        """SELECT TABLE_NAME, CONCAT_WS(' ', TABLE_TYPE, COALESCE(ENGINE, '-'),
                                     COALESCE(TABLE_COLLATION, '-'))
           FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()""",
    ),
    (
        "trigger",
        """SELECT CONCAT(EVENT_OBJECT_TABLE, '.', TRIGGER_NAME),
                  CONCAT_WS(' ', ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT)
           FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()""",
    ),
    (
        "view",
        """SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS
           WHERE TABLE_SCHEMA = DATABASE()""",
    ),
]


def _mysql(cursor):
    cursor.execute("SELECT DATABASE()")
    qualifier = "`%s`." % cursor.fetchone()[0]
    lines = []
    for kind, query in MYSQL_QUERIES:
        cursor.execute(query)
        lines += [
            "%s %s: %s" % (kind, name, _normalise(str(text).replace(qualifier, "")))
            for name, text in cursor.fetchall()
        ]
    return lines


TABLES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()",
    "mysql": "SELECT TABLE_NAME FROM information_schema.TABLES "
    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'",
}


def table_names(vendor, cursor):
    """Return the sorted names of the tables (not views)."""
    cursor.execute(TABLES[vendor])
    return sorted(row[0] for row in cursor.fetchall())
