"""The summaries of the records that a period's page reads:

- ``DailyVolume``: per local domain and UTC day, the messages fully
  aligned, partially aligned and failed;
- ``SourceVolume``: per local domain, source IP and DMARC outcome (passed
  or not), the messages of each day, each calendar month and each calendar
  year, with their SPF, DKIM and disposition counts.

The import adds each report's records to them in the report's transaction
(one upsert statement per table: concurrent imports add up, they never
overwrite); the rows go with their domain (foreign key, ``CASCADE``). The
upgrade builds them from the records already stored.
"""

import datetime

from django.db import connections, router, transaction
from django.db.models import Max, Min, Sum

from ..models import DailyVolume, SourceVolume

VOLUME_KEY = ("header_from_id", "day")
VOLUME_COUNTERS = ("fully", "partially", "failed")
SOURCE_KEY = ("header_from_id", "scale", "start", "passed", "source_ip")
SOURCE_COUNTERS = (
    "total",
    "spf_pass",
    "spf_fail",
    "dkim_pass",
    "dkim_fail",
    "none",
    "quarantine",
    "reject",
)
DISPOSITIONS = ("none", "quarantine", "reject")
BATCH = 500


def day_of(moment):
    """The UTC day of an aware datetime (a report's start)."""
    return moment.astimezone(datetime.UTC).date()


def _add_to(target, key, values):
    current = target.get(key)
    if current is None:
        target[key] = list(values)
    else:
        for index, value in enumerate(values):
            current[index] += value


class Contributions:
    """What records add to the two summaries: ``{key: [counters]}``."""

    def __init__(self):
        self.volumes = {}
        self.sources = {}

    def add(self, domain_id, day, source_ip, disposition, dkim_result, spf_result, count):
        dkim, spf = dkim_result == "pass", spf_result == "pass"
        alignment = (
            (count, 0, 0) if dkim and spf else (0, count, 0) if dkim or spf else (0, 0, count)
        )
        _add_to(self.volumes, (domain_id, day), alignment)
        values = (
            count,
            count if spf else 0,
            0 if spf else count,
            count if dkim else 0,
            0 if dkim else count,
            *(count if disposition == name else 0 for name in DISPOSITIONS),
        )
        passed = dkim or spf
        for scale, start in (
            ("d", day),
            ("m", day.replace(day=1)),
            ("y", day.replace(month=1, day=1)),
        ):
            _add_to(self.sources, (domain_id, scale, start, passed, source_ip), values)

    def save(self, using=None):
        upsert(DailyVolume, VOLUME_KEY, VOLUME_COUNTERS, self.volumes, using)
        upsert(SourceVolume, SOURCE_KEY, SOURCE_COUNTERS, self.sources, using)


def _upsert_sql(connection, table, key, counters, rows):
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in (*key, *counters))
    placeholders = ", ".join(["(%s)" % ", ".join(["%s"] * (len(key) + len(counters)))] * rows)
    # Only quoted names and placeholders: the values are parameters.
    sql = "INSERT INTO %s (%s) VALUES %s " % (quote(table), columns, placeholders)  # noqa: S608
    if connection.vendor == "mysql":
        return (
            sql
            + "ON DUPLICATE KEY UPDATE "
            + ", ".join(
                "%s = %s + VALUES(%s)" % (quote(name), quote(name), quote(name))
                for name in counters
            )
        )
    return sql + "ON CONFLICT (%s) DO UPDATE SET %s" % (
        ", ".join(quote(name) for name in key),
        ", ".join(
            "%s = %s.%s + excluded.%s" % (quote(name), quote(table), quote(name), quote(name))
            for name in counters
        ),
    )


def upsert(model, key, counters, rows, using=None):
    """Add ``rows`` (``{key: [counters]}``) to ``model``'s table."""
    if not rows:
        return
    using = using or router.db_for_write(model)
    connection = connections[using]
    # In key order: concurrent imports lock the rows they share in the same
    # order, so they wait for each other instead of deadlocking.
    items = sorted(rows.items())
    with connection.cursor() as cursor:
        for offset in range(0, len(items), BATCH):
            chunk = items[offset : offset + BATCH]
            params = []
            for row_key, values in chunk:
                params.extend(row_key)
                params.extend(values)
            sql = _upsert_sql(connection, model._meta.db_table, key, counters, len(chunk))
            cursor.execute(sql, params)


def _next_month(moment):
    if moment.month == 12:
        return moment.replace(year=moment.year + 1, month=1)
    return moment.replace(month=moment.month + 1)


def fill_from_records(record_model, volume_model, source_model, using):
    """Rebuild both summaries from every record (the upgrade's migration),
    one calendar month of reports at a time (bounded memory): the records
    are summed per report start in SQL, per day, month and year here. All
    or nothing: one transaction.
    """
    with transaction.atomic(using=using):
        _fill(record_model, volume_model, source_model, using)


def _fill(record_model, volume_model, source_model, using):
    volume_model.objects.using(using).all().delete()
    source_model.objects.using(using).all().delete()
    reports = record_model._meta.get_field("report").related_model
    bounds = reports.objects.using(using).aggregate(
        first=Min("start_date"), last=Max("start_date")
    )
    if bounds["first"] is None:
        return
    month = bounds["first"].astimezone(datetime.UTC)
    month = month.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while month <= bounds["last"]:
        following = _next_month(month)
        grouped = (
            record_model.objects.using(using)
            .filter(report__start_date__gte=month, report__start_date__lt=following)
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
        contributions = Contributions()
        for row in grouped.iterator(chunk_size=5000):
            contributions.add(
                row["header_from_id"],
                day_of(row["report__start_date"]),
                row["source_ip"],
                row["disposition"],
                row["dkim_result"],
                row["spf_result"],
                row["total"] or 0,
            )
        upsert(volume_model, VOLUME_KEY, VOLUME_COUNTERS, contributions.volumes, using)
        upsert(source_model, SOURCE_KEY, SOURCE_COUNTERS, contributions.sources, using)
        month = following
