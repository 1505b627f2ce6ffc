"""Many rows of one model in a few statements (COPY on PostgreSQL, unless
conflicts are to be ignored; INSERTs elsewhere), without a model instance
per row.

``QuerySet.bulk_create`` builds a model instance for every row and prepares
every value of every field of each one: on an import of a hundred thousand
mailboxes (a dozen rows each) that is most of the time spent. Here the
caller gives, per row, only the values that differ (plain ``str``, ``int``,
``bool`` or ``None``); every other column takes the value of one template
instance of the model (its defaults, ``auto_now`` fields, and the
``defaults`` given), prepared for the database once for the whole call.

Only the mechanics of writing change: no ``save()``, no signals (like
``bulk_create``), so callers do in the service layer what a ``save()``
would have done.
"""

import datetime
import io

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.constants import OnConflict

#: Fields whose Python value is what the database drivers get from Django
#: for ``str``, ``int``, ``bool`` and ``None`` values: given as they are.
_PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}

#: Rows per statement where the driver sends one statement per row of an
#: ``executemany`` (psycopg2): a multi-row VALUES instead.
ROWS_PER_STATEMENT = 1000


def new_instance(model, **values):
    """An unsaved instance of ``model`` with ``values``, the defaults of
    the other fields and its ``auto_now`` fields set, as ``save()`` would
    write it: the template of :func:`insert_rows`.
    """
    instance = model(**values)
    for field in model._meta.local_concrete_fields:
        setattr(instance, field.attname, field.pre_save(instance, add=True))
    return instance


def insert_rows(model, columns, rows, *, template=None, ignore_conflicts=False, using=None):
    """INSERT one row of ``model`` per tuple of ``rows``.

    ``columns`` names the fields (attnames: ``domain_id``) the tuples give
    a value to, in order; the other columns (but an automatic primary key)
    take the value of ``template`` (default: ``new_instance(model)``).
    ``ignore_conflicts`` skips the rows a unique constraint refuses, as
    ``bulk_create`` does. Return the number of rows given.
    """
    connection = connections[using or DEFAULT_DB_ALIAS]
    opts = model._meta
    if template is None:
        template = new_instance(model)
    fields = {field.attname: field for field in opts.local_concrete_fields}
    given = [fields[name] for name in columns]
    constant = [
        field
        for field in opts.local_concrete_fields
        if field.attname not in columns and not (field.primary_key and field.db_returning)
    ]
    constant_values = tuple(
        field.get_db_prep_save(getattr(template, field.attname), connection) for field in constant
    )
    converters = [
        None
        if field.get_internal_type() in _PLAIN_TYPES
        else (lambda value, field=field: field.get_db_prep_save(value, connection))
        for field in given
    ]
    all_fields = given + constant
    quote = connection.ops.quote_name
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    head = "%s %s (%s) VALUES " % (
        connection.ops.insert_statement(on_conflict=on_conflict),
        quote(opts.db_table),
        ", ".join(quote(field.column) for field in all_fields),
    )
    suffix = connection.ops.on_conflict_suffix_sql(all_fields, on_conflict, None, None) or ""
    placeholders = "(%s)" % ", ".join(["%s"] * len(all_fields))
    if any(converters):
        rows = [
            tuple(
                value if convert is None else convert(value)
                for value, convert in zip(row, converters, strict=True)
            )
            for row in rows
        ]
    params = [tuple(row) + constant_values for row in rows]
    if not params:
        return 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not ignore_conflicts:
            copied = _copy_text(params)
            if copied is not None:
                # COPY: the server neither parses nor plans a statement a
                # row. Its errors are Django's, as an INSERT's would be.
                with connection.wrap_database_errors:
                    cursor.copy_expert(
                        "COPY %s (%s) FROM STDIN"
                        % (quote(opts.db_table), ", ".join(quote(f.column) for f in all_fields)),
                        io.StringIO(copied),
                    )
                return len(params)
        if connection.vendor == "postgresql":
            for start in range(0, len(params), ROWS_PER_STATEMENT):
                chunk = params[start : start + ROWS_PER_STATEMENT]
                cursor.execute(
                    head + ", ".join([placeholders] * len(chunk)) + (" " + suffix).rstrip(),
                    [value for row in chunk for value in row],
                )
        else:
            # SQLite loops in C; mysqlclient sends multi-row INSERTs.
            cursor.executemany(head + placeholders + (" " + suffix).rstrip(), params)
    return len(params)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value):
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    dumps = getattr(value, "dumps", None)
    if dumps is not None and hasattr(value, "adapted"):
        # psycopg2's Json adapter of a JSONField value.
        return dumps(value.adapted).translate(_COPY_ESCAPES)
    raise TypeError


def _copy_text(params):
    """The rows in PostgreSQL's COPY text format, or None when a value is
    of a type this module does not write that way (the INSERT path then).
    """
    try:
        return "".join("\t".join(map(_copy_value, row)) + "\n" for row in params)
    except TypeError:
        return None
