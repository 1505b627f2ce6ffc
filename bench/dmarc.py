"""DMARC benchmarks: importing report mails, and a domain's yearly view.

Runs on a throwaway database of the test settings: SQLite by default,
``--postgres`` or ``--mysql`` start the test runner's throwaway servers
(run heavy sizes alone on a shared machine)::

    PYTHONPATH=. python bench/dmarc.py --reports 10000 --records 1000000 --postgres

- ``--reports N``: N report mails (gzip attachments of 5 records, each a
  different reporter/report id) go through ``import_mail``, as the
  ``--pipe`` command does one by one; prints reports per second and the
  CPU seconds of this process (0 skips it).
- ``--records M``: M records spread over the 365 days of 2026 for one
  domain (bulk inserts, then the summaries built from them as the upgrade
  does), then ``summarize()`` (the query set of the report page and the
  API) over the calendar year, an unaligned 365-day range, a month, a
  week, a week across two months, 30 days across two months, six months
  and 275 days: best of 3 runs in ms, with its CPU time in this process and its
  number of queries (the issue's target: 300 ms for the year at 1,000,000
  records). The year's total is checked against the records.
- ``--sources K``: the records' source IPs are drawn from K addresses
  (default 65,024: nearly every record of a day has its own source, the
  worst case for the summaries; real domains see the same servers daily).
- ``--both``: two domains of M records each, the worst case (the default
  sources, random evaluations) and a realistic one (300 stable sources),
  in one database (one data generation for both).
- ``--no-analyze``: on PostgreSQL, the views are timed right after the
  bulk load; by default the summary table is vacuumed and analysed first,
  as autovacuum does within a minute (without statistics the planner
  expects one row per unit and reads the table instead of the index).
- ``--stable``: each source is evaluated the same way in every record (a
  server passes or fails the same way for every receiver), instead of a
  random evaluation per record (the worst case again).

Every line carries the load average (``/proc/loadavg``): the machine is
shared, wall-clock figures are only comparable under similar load.
"""

import argparse
import datetime
import gzip
import os
import random
import sys
import time

from django.db.models import Count, Sum

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

REPORT = """<?xml version="1.0"?>
<feedback><report_metadata><org_name>bench{n}</org_name><email>rua{reporter}@bench.example</email>
<report_id>{n}</report_id><date_range><begin>{begin}</begin><end>{end}</end></date_range>
</report_metadata><policy_published><domain>bench.org</domain><p>none</p></policy_published>
{records}</feedback>"""
RECORD = """<record><row><source_ip>192.0.2.{ip}</source_ip><count>{count}</count>
<policy_evaluated><disposition>none</disposition><dkim>{dkim}</dkim><spf>{spf}</spf>
</policy_evaluated></row><identifiers><header_from>bench.org</header_from></identifiers>
<auth_results><dkim><domain>bench.org</domain><result>{dkim}</result></dkim>
<spf><domain>bench.org</domain><result>{spf}</result></spf></auth_results></record>"""
YEAR_START = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
CHECK = True
ANALYZE = True


def setup_database():
    import django
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()
    from django.db import connection

    creation = connection.creation
    name = creation.create_test_db(verbosity=0, autoclobber=True)
    return connection, name


def report_mail(n, rng):
    from email.mime.application import MIMEApplication
    from email.mime.multipart import MIMEMultipart

    begin = int((YEAR_START + datetime.timedelta(days=n % 365)).timestamp())
    records = "".join(
        RECORD.format(
            ip=rng.randint(1, 254),
            count=rng.randint(1, 50),
            dkim=rng.choice(("pass", "fail")),
            spf=rng.choice(("pass", "fail")),
        )
        for _ in range(5)
    )
    xml = REPORT.format(n=n, reporter=n % 50, begin=begin, end=begin + 86399, records=records)
    message = MIMEMultipart()
    message["From"] = "rua%d@bench.example" % (n % 50)
    part = MIMEApplication(gzip.compress(xml.encode()), "gzip")
    part.add_header("Content-Disposition", "attachment", filename="report%d.xml.gz" % n)
    message.attach(part)
    return message.as_bytes()


def load():
    return "/".join(open("/proc/loadavg").read().split()[:3])  # noqa: SIM115


def bench_import(count, rng):
    from modoboa.dmarc.services import import_mail

    if not count:
        return
    mails = [report_mail(n, rng) for n in range(count)]
    before = "load %s" % load()
    started, cpu = time.perf_counter(), time.process_time()
    for raw in mails:
        outcome = import_mail(raw)
        assert outcome.imported, outcome.lines
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        "import: %d reports in %.1f s (%.0f reports/s; %.1f CPU s in this process; %s, after %s)"
        % (count, elapsed, count / elapsed, cpu, before, load())
    )


def fill_records(domain, count, rng, sources, stable):
    from modoboa.dmarc.models import Report, Reporter

    reporter = Reporter.objects.create(org_name="bulk", email="bulk@%s" % domain.name)
    per_day = max(1, count // 365)
    reports = Report.objects.bulk_create(
        Report(
            report_id="bulk-%d" % day,
            reporter=reporter,
            start_date=YEAR_START + datetime.timedelta(days=day),
            end_date=YEAR_START + datetime.timedelta(days=day, seconds=86399),
            policy_domain=domain.name,
            policy_adkim="r",
            policy_aspf="r",
            policy_p="none",
            policy_sp="none",
            policy_pct=100,
        )
        for day in range(365)
    )
    reports = list(Report.objects.filter(reporter=reporter).order_by("start_date"))
    batch = []
    dispositions = ("none", "none", "quarantine", "reject")
    for index in range(count):
        source = rng.randrange(sources)
        if stable:
            # A server is evaluated the same way by every receiver.
            evaluation = random.Random(source)
        else:
            evaluation = rng
        batch.append(
            (
                reports[(index // per_day) % 365].pk,
                "198.51.%d.%d" % divmod(source, 254),
                rng.randint(1, 100),
                evaluation.choice(dispositions),
                evaluation.choice(("pass", "fail")),
                evaluation.choice(("pass", "fail")),
                domain.pk,
                "",
                "",
            )
        )
        if len(batch) == 5000:
            insert_records(batch)
            batch = []
    insert_records(batch)


def insert_records(rows):
    """Plain multi-row INSERTs (the ORM's objects cost more than the
    database at a million rows).
    """
    from django.db import connection

    from modoboa.dmarc.models import Record

    if not rows:
        return
    quote = connection.ops.quote_name
    columns = (
        "report_id",
        "source_ip",
        "count",
        "disposition",
        "dkim_result",
        "spf_result",
        "header_from_id",
        "reason_type",
        "reason_comment",
    )
    values = "(%s)" % ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        for offset in range(0, len(rows), 500):
            chunk = rows[offset : offset + 500]
            sql = "INSERT INTO %s (%s) VALUES %s" % (  # noqa: S608
                quote(Record._meta.db_table),
                ", ".join(quote(name) for name in columns),
                ", ".join([values] * len(chunk)),
            )
            cursor.execute(sql, [value for row in chunk for value in row])


def build_summaries(count):
    from django.db import connection

    from modoboa.dmarc.models import DailyVolume, Record, SourceVolume
    from modoboa.dmarc.services import daily

    began = time.perf_counter()
    daily.fill_from_records(Record, DailyVolume, SourceVolume, using=connection.alias)
    if connection.vendor == "postgresql" and ANALYZE:
        # What autovacuum does within a minute of a bulk load: without
        # statistics nor a visibility map, the planner expects one row
        # per unit and reads the table instead of the index alone.
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM ANALYZE %s" % connection.ops.quote_name(SourceVolume._meta.db_table)
            )
    scales = dict(SourceVolume.objects.values_list("scale").annotate(rows=Count("pk")).order_by())
    print(
        "summaries built from %d records in %.1f s: %d day rows; source rows: "
        "%d by day, %d by month, %d by year"
        % (
            count,
            time.perf_counter() - began,
            DailyVolume.objects.count(),
            scales.get("d", 0),
            scales.get("m", 0),
            scales.get("y", 0),
        )
    )


def server_pid():
    """The process that runs this connection's queries on the database
    server (None for SQLite, which runs them in this process).
    """
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]
        if connection.vendor == "mysql":
            cursor.execute("SELECT @@pid_file")
            with open(cursor.fetchone()[0]) as handle:
                return int(handle.read().strip())
    return None


def cpu_seconds(pid):
    """This process's CPU time plus the database server's (``pid``)."""
    total = time.process_time()
    if pid:
        with open("/proc/%d/stat" % pid) as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def time_view(domain, label, params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from modoboa.dmarc.services import summary

    period = summary.parse_period(params)
    pid = server_pid()
    timings = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            started, cpu = time.perf_counter(), cpu_seconds(pid)
            result = summary.summarize(domain, period)
            timings.append((time.perf_counter() - started, cpu_seconds(pid) - cpu))
    wall, cpu = min(timings)
    straight = straightforward(domain, period, pid, result) if CHECK else ""
    print(
        "%s %s..%s: best %.0f ms (%.0f ms CPU, this process and the server), %d queries; "
        "%d messages, %d buckets, %d+%d sources shown; load %s%s"
        % (
            label,
            period.start,
            period.end,
            wall * 1000,
            cpu * 1000,
            len(queries.captured_queries),
            result.total,
            len(result.buckets),
            sum(len(org.sources) for org in result.trusted),
            sum(len(org.sources) for org in result.threats),
            load(),
            straight,
        )
    )
    return result


def straightforward(domain, period, pid, result):
    """Every row of the period summed per source (one run, timed): the
    shown sources must be the same, in the same order.
    """
    from modoboa.dmarc.services import summary

    started, cpu = time.perf_counter(), cpu_seconds(pid)
    expected = [
        summary.grouped_sources(domain, period, passed, summary.MAX_SOURCES + 1)
        for passed in (True, False)
    ]
    wall, cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu
    for shown, more, sources in (
        (result.trusted, result.trusted_more, expected[0]),
        (result.threats, result.threats_more, expected[1]),
    ):
        got = sorted(
            (
                (s.ip, *(getattr(s, name) for name in summary.COUNTERS))
                for org in shown
                for s in org.sources
            ),
        )
        want = sorted(
            (s.ip, *(getattr(s, name) for name in summary.COUNTERS))
            for s in sources[: summary.MAX_SOURCES]
        )
        assert got == want, "sources differ from the straightforward sums"
        assert more == (len(sources) > summary.MAX_SOURCES)
    return "; same sources as all rows summed per source (%.0f ms, %.0f ms CPU)" % (
        wall * 1000,
        cpu * 1000,
    )


def bench_year(profiles, count, rng):
    """``profiles``: ``(domain, sources, stable)``, ``count`` records each."""
    from modoboa.dmarc.models import Record

    if not count:
        return
    from django.db import transaction

    began = time.perf_counter()
    for domain, sources, stable in profiles:
        with transaction.atomic():
            fill_records(domain, count, rng, sources, stable)
    print("data: %d records made in %.0f s" % (count * len(profiles), time.perf_counter() - began))
    build_summaries(count * len(profiles))
    for domain, sources, stable in profiles:
        print(
            "-- %s: %d records from %d sources, %s"
            % (
                domain.name,
                count,
                sources,
                "one evaluation per source" if stable else "a random evaluation per record",
            )
        )
        year = time_view(domain, "yearly view", {"start": "2026-01-01", "end": "2026-12-31"})
        records = Record.objects.filter(header_from=domain)
        expected = records.aggregate(total=Sum("count"))["total"]
        assert year.total == expected, (year.total, expected)
        time_view(domain, "365 days, unaligned", {"start": "2025-12-15", "end": "2026-12-14"})
        time_view(domain, "one month", {"start": "2026-06-01", "end": "2026-06-30"})
        time_view(domain, "one week", {"week": "2026-W23"})
        time_view(domain, "one week across two months", {"week": "2026-W27"})
        time_view(domain, "30 days, unaligned", {"start": "2026-06-15", "end": "2026-07-14"})
        time_view(domain, "six months", {"start": "2026-03-01", "end": "2026-08-31"})
        time_view(domain, "275 days", {"start": "2026-02-10", "end": "2026-11-11"})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--sources", type=int, default=256 * 254)
    parser.add_argument("--stable", action="store_true", help="one evaluation per source")
    parser.add_argument(
        "--both",
        action="store_true",
        help="two domains of --records each: the worst case and 300 stable sources",
    )
    parser.add_argument("--postgres", action="store_true", help="on a throwaway PostgreSQL")
    parser.add_argument("--mysql", action="store_true", help="on a throwaway MariaDB")
    parser.add_argument(
        "--no-check",
        action="store_true",
        help="do not compare each view with all its rows summed per source (slow on MariaDB)",
    )
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="PostgreSQL: time the views before autovacuum's statistics (as before 1.10's bench)",
    )
    args = parser.parse_args()
    global CHECK, ANALYZE  # noqa: PLW0603
    CHECK = not args.no_check
    ANALYZE = not args.no_analyze
    server = None
    if args.postgres or args.mysql:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import servers

        if args.postgres:
            server = servers.PostgreSQL().start()
            os.environ["MODOBOA_TEST_DB"] = "postgres"
            os.environ["MODOBOA_TEST_PG_URL"] = server.create_database("dmarc")
        else:
            server = servers.MariaDB().start()
            os.environ["MODOBOA_TEST_DB"] = "mysql"
            os.environ["MODOBOA_TEST_MYSQL_URL"] = server.create_database("dmarc")
    try:
        run(args)
    finally:
        if server is not None:
            server.stop()


def run(args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modoboa.test_settings")
    connection, name = setup_database()
    try:
        from modoboa.admin.models import Domain

        rng = random.Random(7)
        Domain.objects.create(name="bench.org", quota=0, default_mailbox_quota=0)
        print(
            "engine: %s; %d sources%s; load %s"
            % (connection.vendor, args.sources, ", stable" if args.stable else "", load())
        )
        if args.both:
            profiles = [("worst.org", 256 * 254, False), ("realistic.org", 300, True)]
        else:
            profiles = [("year.org", min(args.sources, 256 * 254), args.stable)]
        profiles = [
            (Domain.objects.create(name=name, quota=0, default_mailbox_quota=0), sources, stable)
            for name, sources, stable in profiles
        ]
        bench_year(profiles, args.records, rng)
        bench_import(args.reports, rng)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
