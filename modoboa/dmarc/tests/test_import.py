"""Importing report mails into the database (service and --pipe command)."""

import io
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from modoboa.admin import services as admin_services
from modoboa.dmarc.models import Record, Report, Reporter, Result
from modoboa.dmarc.services import import_mail
from tests.fixtures.mailserver import free_port

from . import corpus

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def hosted(make_domain):
    return make_domain(corpus.DOMAIN)


def pipe(raw, monkeypatch):
    """Run ``import_aggregated_report --pipe`` with ``raw`` on stdin."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    call_command("import_aggregated_report", "--pipe", stdout=out)
    return out.getvalue()


def test_google_zip_is_imported_with_records_and_results(hosted, monkeypatch):
    output = pipe(corpus.google_mail(), monkeypatch)
    assert output == "imported: google.com report 8161520343452183613 (hosted.org)\n"
    report = Report.objects.get()
    assert report.reporter.email == "noreply-dmarc-support@google.com"
    assert report.reporter.org_name == "google.com"
    records = {r.source_ip: r for r in Record.objects.filter(report=report)}
    assert set(records) == {"192.0.2.10", "2001:db8::25", "203.0.113.66"}
    # lists.hosted.org is a subdomain of a hosted domain: kept, on the domain.
    assert {r.header_from_id for r in records.values()} == {hosted.pk}
    assert sorted(
        Result.objects.filter(record=records["2001:db8::25"]).values_list(
            "type", "domain", "result"
        )
    ) == [("dkim", "hosted.org", "pass"), ("spf", "bounces.lists.example", "softfail")]


def test_each_receiver_layout_is_imported(hosted):
    for raw in (corpus.microsoft_mail(), corpus.yahoo_mail(), corpus.nested_mail()):
        outcome = import_mail(raw)
        assert outcome.errors == [] and len(outcome.imported) == 1, outcome.lines
    assert sorted(Reporter.objects.values_list("email", flat=True)) == [
        "dmarchelp@yahooinc.com",
        "dmarcreport@microsoft.com",
        # minimal.xml has no <email>: the sender of the inner mail is used.
        "postmaster@hosted.org",
    ]
    empty = Result.objects.filter(record__report__report_id="minimal-1")
    assert sorted(empty.values_list("type", "domain", "result")) == [
        ("dkim", "", "none"),
        ("spf", "", "none"),
    ]


def test_duplicates_are_skipped(hosted):
    assert len(import_mail(corpus.google_mail()).imported) == 1
    outcome = import_mail(corpus.google_mail())
    assert outcome.imported == [] and len(outcome.duplicates) == 1
    assert Report.objects.count() == 1 and Record.objects.count() == 3


def test_reports_for_foreign_domains_are_dropped(hosted, caplog):
    raw = corpus.mail([("foreign.xml", "text/xml", corpus.xml("foreign.xml"))])
    with caplog.at_level(logging.INFO, logger="modoboa.dmarc"):
        outcome = import_mail(raw)
    assert outcome.foreign == ["google.com report 9990001 (elsewhere.net)"]
    assert Report.objects.count() == 0 and Reporter.objects.count() == 0
    assert "no record for a local domain" in caplog.text


def test_records_of_a_domain_alias_go_to_the_target(hosted, superadmin):
    admin_services.create_domain_alias(
        acting_user=superadmin, name="alias.net", target=corpus.DOMAIN
    )
    data = corpus.xml("yahoo.xml").replace(b"<header_from>hosted.org", b"<header_from>alias.net")
    import_mail(corpus.mail([("r.xml", "text/xml", data)]))
    assert Record.objects.get().header_from == hosted


@pytest.mark.parametrize(
    ("attachment", "reason"),
    [
        (("lol.xml", "text/xml", corpus.xml("billion_laughs.xml")), "forbidden XML construct"),
        (("xxe.xml", "text/xml", corpus.xml("external_entity.xml")), "forbidden XML construct"),
        (("bomb.zip", "application/zip", corpus.zip_bomb()[0]), "once decompressed"),
        (("half.xml.gz", "application/gzip", corpus.truncated_gzip()), "not a readable gzip"),
        (("half.xml", "text/xml", corpus.truncated_xml()), "malformed XML"),
        (("bad.xml", "text/xml", corpus.xml("bad_record.xml")), "is not an IP address"),
    ],
)
def test_hostile_reports_are_logged_with_the_reason_and_change_nothing(
    hosted, attachment, reason, monkeypatch, caplog, unchanged
):
    with caplog.at_level(logging.WARNING, logger="modoboa.dmarc"), unchanged():
        output = pipe(corpus.mail([attachment]), monkeypatch)
    assert output.startswith("rejected: ") and reason in output
    assert "DMARC report rejected" in caplog.text and reason in caplog.text
    assert "Traceback" not in output


def test_a_mail_without_report_is_logged(hosted, monkeypatch):
    output = pipe(b"From: someone@outside.example\r\nSubject: hi\r\n\r\nhello\r\n", monkeypatch)
    assert output == "rejected: no report (zip, gzip or XML) in the mail\n"


def test_one_bad_attachment_does_not_stop_the_others(hosted):
    raw = corpus.mail(
        [
            ("half.xml.gz", "application/gzip", corpus.truncated_gzip()),
            ("yahoo.xml", "text/xml", corpus.xml("yahoo.xml")),
        ]
    )
    outcome = import_mail(raw)
    assert len(outcome.errors) == 1 and len(outcome.imported) == 1


def _run_pipe(raw, env):
    return subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "django", "import_aggregated_report", "--pipe"],
        input=raw,
        capture_output=True,
        env=env,
        cwd=str(ROOT),
        timeout=120,
        check=False,
    )


def test_pipe_exits_0_even_when_the_database_is_unreachable(tmp_path):
    import os

    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "modoboa.test_settings",
            "MODOBOA_TEST_DB": "postgres",
            "MODOBOA_TEST_PG_URL": "postgres://modoboa:pw@127.0.0.1:%d/modoboa" % free_port(),
        }
    )
    result = _run_pipe(corpus.google_mail(), env)
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stdout
    assert result.stdout.decode().startswith("rejected: import failed: OperationalError")


def test_pipe_exits_0_when_its_output_is_not_read(tmp_path):
    """pipe(8) may stop reading the command's output: writing to a closed
    pipe must not turn the exit status into 120 (a bounce).
    """
    import os

    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "modoboa.test_settings",
            "MODOBOA_TEST_DB": "postgres",
            "MODOBOA_TEST_PG_URL": "postgres://modoboa:pw@127.0.0.1:%d/modoboa" % free_port(),
        }
    )
    mail = tmp_path / "report.eml"
    mail.write_bytes(corpus.google_mail())
    with open(mail, "rb") as stdin:
        process = subprocess.Popen(  # noqa: S603 - fixed argv
            [sys.executable, "-m", "django", "import_aggregated_report", "--pipe"],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=str(ROOT),
        )
        process.stdout.close()
        process.stderr.close()
        assert process.wait(timeout=120) == 0
