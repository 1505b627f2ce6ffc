"""The daily summary (``DailySource``) of the records: one row per local
domain, UTC day, source IP and evaluation, whose ``count`` is the sum of
the records' counts.

The import adds each report's records to it in the report's transaction
(one upsert statement: concurrent imports add up, they never overwrite);
the rows go with their domain (foreign key, ``CASCADE``).
"""

import datetime

from django.db import connections, router

from ..models import DailySource

KEY = ("header_from_id", "day", "source_ip", "disposition", "dkim_result", "spf_result")
BATCH = 500


def day_of(moment):
    """The UTC day of an aware datetime (a report's start)."""
    return moment.astimezone(datetime.UTC).date()


def totals(rows):
    """``{key: count}`` from ``(key, count)`` pairs (keys in KEY's order)."""
    result = {}
    for key, count in rows:
        result[key] = result.get(key, 0) + count
    return result


def _upsert_sql(connection, table, rows):
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in (*KEY, "count"))
    placeholders = ", ".join(["(%s)" % ", ".join(["%s"] * (len(KEY) + 1))] * rows)
    # Only quoted names and placeholders: the values are parameters.
    sql = "INSERT INTO %s (%s) VALUES %s " % (quote(table), columns, placeholders)  # noqa: S608
    count = quote("count")
    if connection.vendor == "mysql":
        return sql + "ON DUPLICATE KEY UPDATE %s = %s + VALUES(%s)" % (count, count, count)
    return sql + "ON CONFLICT (%s) DO UPDATE SET %s = %s.%s + excluded.%s" % (
        ", ".join(quote(name) for name in KEY),
        count,
        quote(table),
        count,
        count,
    )


def add(counts, model=DailySource, using=None):
    """Add ``counts`` (``{key: count}``, keys in KEY's order) to the summary."""
    if not counts:
        return
    using = using or router.db_for_write(model)
    connection = connections[using]
    # In key order: concurrent imports lock the rows they share in the same
    # order, so they wait for each other instead of deadlocking.
    items = sorted(counts.items())
    with connection.cursor() as cursor:
        for offset in range(0, len(items), BATCH):
            chunk = items[offset : offset + BATCH]
            params = []
            for key, count in chunk:
                params.extend(key)
                params.append(count)
            cursor.execute(_upsert_sql(connection, model._meta.db_table, len(chunk)), params)


def add_records(records):
    """Add stored ``Record`` objects (with their report) to the summary."""
    add(
        totals(
            (
                (
                    record.header_from_id,
                    day_of(record.report.start_date),
                    record.source_ip,
                    record.disposition,
                    record.dkim_result,
                    record.spf_result,
                ),
                record.count,
            )
            for record in records
        )
    )


def fill_from_records(record_model, summary_model, using):
    """Rebuild the summary from every record (the upgrade's migration):
    the records are summed per report in SQL, per day here.
    """
    summary_model.objects.using(using).all().delete()
    from django.db.models import Sum

    grouped = (
        record_model.objects.using(using)
        .values(
            "header_from_id",
            "report__start_date",
            "source_ip",
            "disposition",
            "dkim_result",
            "spf_result",
        )
        .order_by()
        .annotate(total=Sum("count"))
    )
    counts = totals(
        (
            (
                row["header_from_id"],
                day_of(row["report__start_date"]),
                row["source_ip"],
                row["disposition"],
                row["dkim_result"],
                row["spf_result"],
            ),
            row["total"] or 0,
        )
        for row in grouped.iterator()
    )
    add(counts, model=summary_model, using=using)
