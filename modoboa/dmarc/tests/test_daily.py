"""The summaries the report page reads: kept up to date by the import,
gone with their domain, rebuilt from the records by the upgrade, and read
as whole years, whole months and days with the same totals and sources as
the records themselves.
"""

import datetime
import random

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from modoboa.admin import services as admin_services
from modoboa.dmarc import parser
from modoboa.dmarc.models import DailyVolume, Record, SourceVolume
from modoboa.dmarc.services import daily, import_mail, store_report
from modoboa.dmarc.services import summary as summary_service

from . import corpus

COUNTERS = summary_service.COUNTERS


@pytest.fixture
def hosted(make_domain):
    return make_domain(corpus.DOMAIN)


def volume_rows():
    return {
        (row.header_from_id, row.day): (row.fully, row.partially, row.failed)
        for row in DailyVolume.objects.all()
    }


def source_rows():
    return {
        (row.header_from_id, row.scale, row.start, row.passed, row.source_ip): tuple(
            getattr(row, name) for name in COUNTERS
        )
        for row in SourceVolume.objects.all()
    }


def record_sums():
    """What the summaries must hold, computed from the records one by one."""
    volumes, sources = {}, {}
    for record in Record.objects.select_related("report"):
        day = record.report.start_date.astimezone(datetime.UTC).date()
        dkim, spf, count = record.dkim_result == "pass", record.spf_result == "pass", record.count
        aligned = [0, 0, 0]
        aligned[0 if dkim and spf else 1 if dkim or spf else 2] = count
        old = volumes.get((record.header_from_id, day), (0, 0, 0))
        volumes[(record.header_from_id, day)] = tuple(
            a + b for a, b in zip(old, aligned, strict=True)
        )
        values = (
            count,
            count * spf,
            count * (not spf),
            count * dkim,
            count * (not dkim),
            count * (record.disposition == "none"),
            count * (record.disposition == "quarantine"),
            count * (record.disposition == "reject"),
        )
        for scale, start in (
            ("d", day),
            ("m", day.replace(day=1)),
            ("y", day.replace(month=1, day=1)),
        ):
            key = (record.header_from_id, scale, start, dkim or spf, record.source_ip)
            old = sources.get(key, (0,) * 8)
            sources[key] = tuple(a + b for a, b in zip(old, values, strict=True))
    return volumes, sources


def google_copy(report_id, org="copy.example"):
    """google.xml as another reporter's report (same day, same sources)."""
    data = corpus.xml("google.xml")
    data = data.replace(b"8161520343452183613", report_id.encode())
    data = data.replace(b"noreply-dmarc-support@google.com", ("dmarc@%s" % org).encode())
    return corpus.mail([("%s.xml" % report_id, "text/xml", data)], sender="dmarc@%s" % org)


def report(report_id, day, records):
    """A parsed report starting on ``day`` (UTC) with ``records``:
    ``(source_ip, count, disposition, dkim, spf)``.
    """
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
    return parser.ParsedReport(
        org_name="Reporter",
        email="dmarc@reporter.test",
        report_id=report_id,
        start_date=start,
        end_date=start + datetime.timedelta(seconds=86399),
        policy_domain=corpus.DOMAIN,
        policy_adkim="r",
        policy_aspf="r",
        policy_p="none",
        policy_sp="none",
        policy_pct=100,
        records=[
            parser.ParsedRecord(
                source_ip=ip,
                count=count,
                disposition=disposition,
                dkim_result=dkim,
                spf_result=spf,
                header_from=corpus.DOMAIN,
            )
            for ip, count, disposition, dkim, spf in records
        ],
    )


def random_reports(count, seed=3):
    """``count`` reports over 2025-2027 from a small pool of sources."""
    rng = random.Random(seed)
    first = datetime.date(2025, 11, 1)
    for number in range(count):
        day = first + datetime.timedelta(days=rng.randrange(500))
        records = [
            (
                "192.0.2.%d" % rng.randrange(1, 12),
                rng.randint(1, 40),
                rng.choice(("none", "quarantine", "reject")),
                rng.choice(("pass", "fail")),
                rng.choice(("pass", "fail")),
            )
            for _ in range(rng.randint(1, 4))
        ]
        assert store_report(report("r%d" % number, day, records)) == "imported"


def expected_summary(domain, period):
    """Totals and per-source counters of ``period`` from the records."""
    records = Record.objects.filter(
        header_from=domain,
        report__start_date__gte=period.bounds()[0],
        report__start_date__lt=period.bounds()[1],
    )
    totals, sources = [0, 0, 0], {True: {}, False: {}}
    for record in records:
        dkim, spf, count = record.dkim_result == "pass", record.spf_result == "pass", record.count
        totals[0 if dkim and spf else 1 if dkim or spf else 2] += count
        row = sources[dkim or spf].setdefault(record.source_ip, dict.fromkeys(COUNTERS, 0))
        row["total"] += count
        row["spf_pass" if spf else "spf_fail"] += count
        row["dkim_pass" if dkim else "dkim_fail"] += count
        row[record.disposition] += count
    return totals, sources


def shown_sources(organisations):
    return {
        source.ip: {name: getattr(source, name) for name in COUNTERS}
        for organisation in organisations
        for source in organisation.sources
    }


def test_importing_a_report_adds_its_records_to_its_day_month_and_year(hosted):
    assert import_mail(corpus.google_mail()).imported
    volumes, sources = record_sums()
    assert volume_rows() == volumes and source_rows() == sources
    # google.xml begins on 2026-11-30 (UTC).
    assert set(DailyVolume.objects.values_list("day", flat=True)) == {datetime.date(2026, 11, 30)}
    assert set(SourceVolume.objects.values_list("scale", "start")) == {
        ("d", datetime.date(2026, 11, 30)),
        ("m", datetime.date(2026, 11, 1)),
        ("y", datetime.date(2026, 1, 1)),
    }
    assert set(SourceVolume.objects.values_list("header_from_id", flat=True)) == {hosted.pk}


def test_reports_of_the_same_day_and_sources_add_up(hosted):
    assert import_mail(corpus.google_mail()).imported
    first_volumes, first_sources = volume_rows(), source_rows()
    assert import_mail(google_copy("copy-1")).imported
    assert volume_rows() == {
        key: tuple(2 * v for v in value) for key, value in first_volumes.items()
    }
    assert source_rows() == {
        key: tuple(2 * v for v in value) for key, value in first_sources.items()
    }
    assert (volume_rows(), source_rows()) == record_sums()
    # The same rows, whatever the number of reports.
    assert SourceVolume.objects.count() == len(first_sources)


def test_duplicate_and_broken_reports_change_nothing(hosted):
    assert import_mail(corpus.google_mail()).imported
    before = volume_rows(), source_rows()
    assert import_mail(corpus.google_mail()).duplicates
    broken = corpus.mail([("half.xml", "text/xml", corpus.truncated_xml())])
    assert import_mail(broken).errors
    assert (volume_rows(), source_rows()) == before


def test_every_layout_and_many_days_match_the_records(hosted):
    for raw in (corpus.google_mail(), corpus.microsoft_mail(), corpus.yahoo_mail()):
        assert import_mail(raw).imported
    random_reports(60)
    assert (volume_rows(), source_rows()) == record_sums()
    total = Record.objects.aggregate(total=Sum("count"))["total"]
    years = [
        summary_service.Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
        for year in (2025, 2026, 2027)
    ]
    assert sum(summary_service.summarize(hosted, year).total for year in years) == total


def test_deleting_the_domain_deletes_its_summaries(hosted, make_domain, superadmin):
    other = make_domain("other.org")
    assert import_mail(corpus.google_mail()).imported
    DailyVolume.objects.create(header_from=other, day=datetime.date(2026, 12, 1), fully=4)
    SourceVolume.objects.create(
        header_from=other,
        scale="d",
        start=datetime.date(2026, 12, 1),
        passed=True,
        source_ip="192.0.2.99",
        total=4,
    )
    admin_services.delete_domain(hosted, acting_user=superadmin)
    assert list(DailyVolume.objects.values_list("header_from_id", "fully")) == [(other.pk, 4)]
    assert list(SourceVolume.objects.values_list("header_from_id", "total")) == [(other.pk, 4)]


def test_the_upgrade_rebuilds_the_summaries_from_the_records(hosted):
    for raw in (corpus.google_mail(), google_copy("copy-1"), corpus.yahoo_mail()):
        assert import_mail(raw).imported
    random_reports(40)
    expected = volume_rows(), source_rows()
    SourceVolume.objects.filter(scale="m").delete()
    DailyVolume.objects.create(header_from=hosted, day=datetime.date(2020, 1, 1), failed=1)
    daily.fill_from_records(Record, DailyVolume, SourceVolume, using=connection.alias)
    assert (volume_rows(), source_rows()) == expected


def test_latest_day_reads_the_summary(hosted):
    assert summary_service.latest_day(hosted) is None
    assert import_mail(corpus.google_mail()).imported
    assert summary_service.latest_day(hosted) == datetime.date(2026, 11, 30)


@pytest.mark.parametrize(
    ("start", "end", "years", "months", "days"),
    [
        ("2026-01-01", "2026-12-31", 1, 0, 0),
        ("2026-01-15", "2026-12-31", 0, 11, 17),
        ("2025-12-15", "2026-12-14", 0, 11, 31),
        ("2025-12-01", "2027-01-31", 1, 2, 0),
        ("2026-02-01", "2026-02-28", 0, 1, 0),
        ("2024-02-01", "2024-02-28", 0, 0, 28),
        ("2026-11-30", "2026-12-06", 0, 0, 7),
    ],
)
def test_a_period_is_read_as_whole_years_months_and_days(start, end, years, months, days):
    period = summary_service.Period(
        datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
    )
    spans = summary_service.spans(period)
    assert (len(spans["y"]), len(spans["m"]), len(spans["d"])) == (years, months, days)
    covered = set(spans["d"])
    for month in spans["m"]:
        day = month
        while day.month == month.month:
            covered.add(day)
            day += datetime.timedelta(days=1)
    for year in spans["y"]:
        day = year
        while day.year == year.year:
            covered.add(day)
            day += datetime.timedelta(days=1)
    assert (
        len(covered)
        == period.days
        == len(spans["d"])
        + sum((summary_service._month_end(m) - m).days + 1 for m in spans["m"])
        + sum(365 + (y.year % 4 == 0) for y in spans["y"])
    )
    assert min(covered) == period.start and max(covered) == period.end


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-01-01", "2026-12-31"),
        ("2025-12-15", "2026-12-14"),
        ("2025-11-03", "2026-12-07"),
        ("2026-03-01", "2026-03-31"),
        ("2026-03-30", "2026-04-05"),
        ("2026-05-17", "2026-05-17"),
    ],
)
def test_any_period_shows_the_records_totals_and_sources(hosted, start, end):
    random_reports(150)
    rows = [("192.0.2.1", 6, "reject", "fail", "fail"), ("192.0.2.200", 2, "none", "pass", "fail")]
    assert store_report(report("may", datetime.date(2026, 5, 17), rows)) == "imported"
    period = summary_service.parse_period({"start": start, "end": end})
    totals, sources = expected_summary(hosted, period)
    with CaptureQueriesContext(connection) as queries:
        summary = summary_service.summarize(hosted, period)
    assert len(queries.captured_queries) <= summary_service.MAX_QUERIES
    assert [summary.fully, summary.partially, summary.failed] == totals
    assert summary.total == sum(totals) > 0
    assert shown_sources(summary.trusted) == sources[True]
    assert shown_sources(summary.threats) == sources[False]


def test_a_calendar_year_is_read_from_its_own_rows(hosted):
    random_reports(80)
    period = summary_service.parse_period({"start": "2026-01-01", "end": "2026-12-31"})
    with CaptureQueriesContext(connection) as queries:
        summary_service.summarize(hosted, period)
    source_queries = [q["sql"] for q in queries.captured_queries if "sourcevolume" in q["sql"]]
    assert len(source_queries) == 2
    for sql in source_queries:
        # One row per source already: no grouping, the index's order.
        assert "GROUP BY" not in sql.upper()
        assert "2026-01-01" in sql and "2026-02-01" not in sql


@pytest.mark.parametrize(
    ("start", "end"), [("2026-01-01", "2026-12-31"), ("2026-06-29", "2026-07-05")]
)
def test_only_the_largest_sources_are_listed(hosted, monkeypatch, start, end):
    day = datetime.date(2026, 7, 1)
    rows = [
        ("192.0.2.%d" % n, count, "none", "pass", "pass")
        for n, count in ((1, 5), (2, 9), (3, 9), (4, 1))
    ]
    assert store_report(report("top", day, rows)) == "imported"
    monkeypatch.setattr(summary_service, "MAX_SOURCES", 2)
    period = summary_service.parse_period({"start": start, "end": end})
    summary = summary_service.summarize(hosted, period)
    listed = [source.ip for org in summary.trusted for source in org.sources]
    # Largest first, equal volumes by address; the total still counts all.
    assert listed == ["192.0.2.2", "192.0.2.3"]
    assert summary.trusted_more and not summary.threats_more
    assert summary.total == 24
    monkeypatch.setattr(summary_service, "MAX_SOURCES", 4)
    summary = summary_service.summarize(hosted, period)
    assert not summary.trusted_more
