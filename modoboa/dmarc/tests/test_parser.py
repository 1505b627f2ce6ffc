"""Reading reports out of mails, without the database."""

import datetime

import pytest

from modoboa.dmarc import parser

from . import corpus


def parse(name):
    return parser.parse_report(corpus.xml(name))


def test_google_layout():
    report = parse("google.xml")
    assert (report.org_name, report.email, report.report_id) == (
        "google.com",
        "noreply-dmarc-support@google.com",
        "8161520343452183613",
    )
    assert report.start_date == datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC)
    assert (report.policy_domain, report.policy_p, report.policy_sp, report.policy_pct) == (
        "hosted.org",
        "quarantine",
        "quarantine",
        100,
    )
    assert [
        (r.source_ip, r.count, r.disposition, r.dkim_result, r.spf_result) for r in report.records
    ] == [
        ("192.0.2.10", 12, "none", "pass", "pass"),
        ("2001:db8::25", 3, "none", "pass", "fail"),
        ("203.0.113.66", 5, "quarantine", "fail", "fail"),
    ]
    assert [(r.type, r.domain, r.result) for r in report.records[1].results] == [
        ("dkim", "hosted.org", "pass"),
        ("spf", "bounces.lists.example", "softfail"),
    ]


def test_microsoft_layout_with_reason_and_extra_identifiers():
    report = parse("microsoft.xml")
    assert report.org_name == "Enterprise Outlook"
    rejected = report.records[1]
    assert (rejected.disposition, rejected.reason_type, rejected.reason_comment) == (
        "reject",
        "local_policy",
        "arc=fail",
    )


def test_missing_optional_elements_take_the_rfc_defaults():
    report = parser.parse_report(corpus.xml("minimal.xml"), fallback_email="Reports@Small.example")
    assert report.email == "reports@small.example"
    assert (report.policy_adkim, report.policy_aspf, report.policy_sp, report.policy_pct) == (
        "r",
        "r",
        "none",
        100,
    )
    record = report.records[0]
    assert record.header_from == "hosted.org"
    assert [(r.type, r.domain, r.result) for r in record.results] == [
        ("dkim", "", "none"),
        ("spf", "", "none"),
    ]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("billion_laughs.xml", "forbidden XML construct"),
        ("external_entity.xml", "forbidden XML construct"),
        ("bad_record.xml", "<source_ip> (record 2) is not an IP address"),
    ],
)
def test_hostile_and_broken_reports_are_refused_with_a_reason(name, reason):
    with pytest.raises(parser.ReportError) as error:
        parse(name)
    assert reason in str(error.value)


def test_truncated_xml_is_malformed():
    with pytest.raises(parser.ReportError, match="malformed XML"):
        parser.parse_report(corpus.truncated_xml())


def test_not_a_report():
    with pytest.raises(parser.ReportError, match="not <feedback>"):
        parser.parse_report(b"<html><body>hello</body></html>")


def test_missing_required_element_is_named():
    data = corpus.xml("yahoo.xml").replace(b"<report_id>1796169600.741258</report_id>", b"")
    with pytest.raises(parser.ReportError, match=r"missing <report_id>"):
        parser.parse_report(data)


def test_attachments_of_each_layout_are_found():
    for raw, name in (
        (corpus.google_mail(), "google.com!hosted.org!1795996800!1796083199.zip/"),
        (corpus.microsoft_mail(), "enterprise.protection.outlook.com!hosted.org"),
        (corpus.yahoo_mail(), "yahoo.com!hosted.org"),
        (corpus.nested_mail(), "report"),
    ):
        files = parser.extract_reports(raw)
        assert len(files) == 1 and not files[0].error, files
        assert files[0].name.startswith(name)
        assert parser.parse_report(files[0].data, fallback_email="a@b.example").records


def test_single_part_mail_is_sniffed():
    files = parser.extract_reports(corpus.single_part_mail(corpus.zipped(corpus.xml("yahoo.xml"))))
    assert [parser.parse_report(f.data).report_id for f in files] == ["1796169600.741258"]


@pytest.mark.parametrize(
    ("lying", "reason"),
    [
        (False, "larger than %d bytes once decompressed" % parser.MAX_XML_SIZE),
        # zipfile stops at the declared size: the checksum then fails.
        (True, "not a readable zip archive (Bad CRC-32"),
    ],
)
def test_zip_bombs_are_stopped_at_the_size_limit(lying, reason):
    honest, liar = corpus.zip_bomb()
    payload = liar if lying else honest
    assert len(payload) < 200_000
    files = parser.extract_reports(corpus.mail([("bomb.zip", "application/zip", payload)]))
    assert len(files) == 1
    assert files[0].error.startswith("bomb.zip")
    assert reason in files[0].error


def test_gzip_bomb_is_stopped_at_the_size_limit():
    payload = corpus.gzipped(b" " * (parser.MAX_XML_SIZE + 10))
    files = parser.extract_reports(corpus.mail([("bomb.xml.gz", "application/gzip", payload)]))
    assert "larger than" in files[0].error


def test_truncated_gzip_and_zip_are_reported():
    files = parser.extract_reports(
        corpus.mail(
            [
                ("half.xml.gz", "application/gzip", corpus.truncated_gzip()),
                ("half.zip", "application/zip", corpus.zipped(corpus.xml("google.xml"))[:300]),
            ]
        )
    )
    assert [f.error.split(":")[0] for f in files] == ["half.xml.gz", "half.zip"]
    assert "not a readable gzip file" in files[0].error
    assert "not a readable zip archive" in files[1].error


def test_oversized_mail_is_refused():
    with pytest.raises(parser.ReportError, match="mail larger than"):
        parser.extract_reports(b"x" * (parser.MAX_MAIL_SIZE + 1))


def test_a_mail_without_attachment_has_no_report():
    assert parser.extract_reports(b"From: a@b.example\r\nSubject: hi\r\n\r\nHello.\r\n") == []
