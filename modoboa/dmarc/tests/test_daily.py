"""The daily summary the report page reads: kept up to date by the import,
gone with its domain, rebuilt from the records by the upgrade.
"""

import datetime

import pytest
from django.db import connection
from django.db.models import Sum

from modoboa.admin import services as admin_services
from modoboa.dmarc.models import DailySource, Record
from modoboa.dmarc.services import daily, import_mail
from modoboa.dmarc.services import summary as summary_service

from . import corpus


@pytest.fixture
def hosted(make_domain):
    return make_domain(corpus.DOMAIN)


def summary_rows():
    return {
        (row.source_ip, row.disposition, row.dkim_result, row.spf_result, row.day): row.count
        for row in DailySource.objects.all()
    }


def record_sums():
    """The records summed per source, evaluation and UTC start day."""
    result = {}
    for record in Record.objects.select_related("report"):
        key = (
            record.source_ip,
            record.disposition,
            record.dkim_result,
            record.spf_result,
            record.report.start_date.astimezone(datetime.UTC).date(),
        )
        result[key] = result.get(key, 0) + record.count
    return result


def google_copy(report_id, org="copy.example"):
    """google.xml as another reporter's report (same day, same sources)."""
    data = corpus.xml("google.xml")
    data = data.replace(b"8161520343452183613", report_id.encode())
    data = data.replace(b"noreply-dmarc-support@google.com", ("dmarc@%s" % org).encode())
    return corpus.mail([("%s.xml" % report_id, "text/xml", data)], sender="dmarc@%s" % org)


def test_importing_a_report_adds_its_records_to_the_day(hosted):
    assert import_mail(corpus.google_mail()).imported
    rows = summary_rows()
    assert rows and rows == record_sums()
    # google.xml begins on 2026-11-30 (UTC).
    assert {key[4] for key in rows} == {datetime.date(2026, 11, 30)}
    assert set(DailySource.objects.values_list("header_from_id", flat=True)) == {hosted.pk}


def test_reports_of_the_same_day_and_sources_add_up(hosted):
    assert import_mail(corpus.google_mail()).imported
    first = summary_rows()
    assert import_mail(google_copy("copy-1")).imported
    assert summary_rows() == {key: 2 * count for key, count in first.items()}
    assert summary_rows() == record_sums()
    # One row per day, source and evaluation, whatever the number of reports.
    assert DailySource.objects.count() == len(first)


def test_duplicate_and_broken_reports_change_nothing(hosted):
    assert import_mail(corpus.google_mail()).imported
    before = summary_rows()
    assert import_mail(corpus.google_mail()).duplicates
    broken = corpus.mail([("half.xml", "text/xml", corpus.truncated_xml())])
    assert import_mail(broken).errors
    assert summary_rows() == before


def test_every_layout_matches_the_records(hosted):
    for raw in (corpus.google_mail(), corpus.microsoft_mail(), corpus.yahoo_mail()):
        assert import_mail(raw).imported
    assert summary_rows() == record_sums()
    total = Record.objects.aggregate(total=Sum("count"))["total"]
    period = summary_service.Period(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    assert summary_service.summarize(hosted, period).total == total


def test_deleting_the_domain_deletes_its_summary(hosted, make_domain, superadmin):
    other = make_domain("other.org")
    assert import_mail(corpus.google_mail()).imported
    DailySource.objects.create(
        header_from=other,
        day=datetime.date(2026, 12, 1),
        source_ip="192.0.2.99",
        disposition="none",
        dkim_result="pass",
        spf_result="pass",
        count=4,
    )
    admin_services.delete_domain(hosted, acting_user=superadmin)
    assert list(DailySource.objects.values_list("header_from_id", "count")) == [(other.pk, 4)]


def test_the_upgrade_rebuilds_the_summary_from_the_records(hosted):
    for raw in (corpus.google_mail(), google_copy("copy-1"), corpus.yahoo_mail()):
        assert import_mail(raw).imported
    expected = summary_rows()
    DailySource.objects.all().delete()
    DailySource.objects.create(
        header_from=hosted,
        day=datetime.date(2020, 1, 1),
        source_ip="192.0.2.1",
        disposition="none",
        dkim_result="pass",
        spf_result="pass",
        count=1,
    )
    daily.fill_from_records(Record, DailySource, using=connection.alias)
    assert summary_rows() == expected


def test_latest_day_reads_the_summary(hosted):
    assert summary_service.latest_day(hosted) is None
    assert import_mail(corpus.google_mail()).imported
    assert summary_service.latest_day(hosted) == datetime.date(2026, 11, 30)
