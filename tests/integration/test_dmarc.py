"""DMARC reports through real daemons, on the engine of the run:

- a Postfix of its own whose transport map sends the RUA address to a
  ``pipe`` service running ``import_aggregated_report --pipe`` as the
  mailboxes owner (the set-up docs/dmarc.rst shows);
- the session's Dovecot: reports delivered over LMTP to a mailbox, then
  imported with ``--imap`` and moved to another folder;
- the session's DNS server: ``modo check_mx`` reads the DMARC records,
  reverse look-ups group sources by organisation.
"""

import imaplib
import io
import os
import pwd
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

import modoboa
from modoboa.dmarc.models import DomainRecord, Record, Report
from modoboa.dmarc.services import summary as summary_service
from modoboa.dmarc.tests import corpus
from tests.fixtures.mailserver import (
    free_port,
    manage_py_environment,
    port_open,
    require_binaries,
    require_root,
    run,
    run_as,
    wait_for,
)
from tests.fixtures.postfix import MASTER

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

RUA = "dmarc-rua@rua.test"
PASSWORD = "Toto1234!"
WORKTREE = Path(modoboa.__file__).resolve().parents[1]

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {base}/queue
data_directory = {base}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = rua.modoboa.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.2/32
alias_maps =
alias_database =
maillog_file = {base}/maillog
maillog_file_prefixes = {base}
smtp_dns_support_level = disabled
default_transport = discard:outbound mail disabled in tests
relay_transport = discard:outbound mail disabled in tests
# The RUA address: a relay domain whose transport is the pipe service.
relay_domains = rua.test
relay_recipient_maps =
smtpd_relay_restrictions = permit_auth_destination, reject
transport_maps = texthash:{base}/transport
dmarc-rua-parser_destination_recipient_limit = 1
"""

PIPE_SERVICE = "dmarc-rua-parser unix - n n - - pipe flags= user={user}:{group} argv={command}\n"


def _python_for(user, base):
    """An interpreter ``user`` can run, and the environment it needs.

    The test's own one when ``user`` reaches it; else (an interpreter under
    /root) a hard-linked copy of its standard library under ``base``.
    """
    check = [sys.executable, "-c", "import django"]
    code, _message = run_as(user, lambda: subprocess.run(check, check=True, capture_output=True))
    site_packages = next(p for p in sys.path if p.endswith("site-packages") and "venv" in p)
    pythonpath = "%s:%s" % (WORKTREE, site_packages)
    if code == 0:
        return sys.executable, {"PYTHONPATH": pythonpath}
    prefix = Path(sys.base_prefix)
    target = base / "python"
    version = "python%d.%d" % sys.version_info[:2]

    def link(source, destination):
        try:
            os.link(source, destination)
        except OSError:
            shutil.copy2(source, destination)

    (target / "bin").mkdir(parents=True)
    link(prefix / "bin" / version, target / "bin" / version)
    shutil.copytree(
        prefix / "lib",
        target / "lib",
        copy_function=link,
        ignore=shutil.ignore_patterns("site-packages", "test", "idlelib"),
    )
    env = {"PYTHONPATH": pythonpath, "LD_LIBRARY_PATH": str(target / "lib")}
    return str(target / "bin" / version), env


@pytest.fixture(scope="session")
def rua_postfix(mail_database, mailboxes_owner, mail_tmp, django_db_blocker):
    """A Postfix delivering ``RUA`` to ``import_aggregated_report --pipe``."""
    require_root("Postfix's test instance")
    require_binaries("postfix", "postsuper", package="postfix")
    owner, _uid, gid = mailboxes_owner
    base = mail_tmp / "rua-postfix"
    for directory in ("etc", "queue", "data"):
        (base / directory).mkdir(parents=True)
    postfix = pwd.getpwnam("postfix")
    os.chown(base / "data", postfix.pw_uid, postfix.pw_gid)
    python, env = _python_for(owner, base)
    with django_db_blocker.unblock():
        env.update(
            {
                k: v
                for k, v in manage_py_environment().items()
                if k.startswith(("MODOBOA_TEST", "DJANGO_SETTINGS"))
            }
        )
    wrapper = base / "import-report.sh"
    wrapper.write_text(
        "#!/bin/sh\n"
        + "".join("export %s=%s\n" % (k, shlex.quote(v)) for k, v in sorted(env.items()))
        + "exec %s -m django import_aggregated_report --pipe\n" % shlex.quote(python)
    )
    # It holds the database password: readable by root and the pipe's group.
    os.chown(wrapper, 0, gid)
    os.chmod(wrapper, 0o750)
    smtp_port = free_port()
    config = base / "etc"
    (config / "main.cf").write_text(MAIN_CF.format(base=base))
    (config / "master.cf").write_text(
        MASTER.format(smtp_port=smtp_port)
        + PIPE_SERVICE.format(user=owner, group=owner, command=wrapper)
    )
    (base / "transport").write_text("%s dmarc-rua-parser:\n" % RUA)
    for action in ("check", "start"):
        result = run(
            ["script", "-qc", "postfix -c %s %s" % (config, action), "/dev/null"],
            check=False,
            stdin=subprocess.DEVNULL,
        )
        if result.returncode != 0:
            raise AssertionError("postfix %s failed:\n%s" % (action, result.stdout))
    try:
        wait_for(
            lambda: port_open(smtp_port),
            message="Postfix did not start:\n%s" % maillog({"base": base}),
        )
        yield {"port": smtp_port, "base": base, "config": config, "wrapper": wrapper}
    finally:
        run(["postfix", "-c", str(config), "stop"], check=False)


def maillog(instance):
    path = instance["base"] / "maillog"
    return path.read_text() if path.exists() else ""


def send(instance, message, sender="noreply-dmarc-support@google.com"):
    import smtplib

    with smtplib.SMTP("127.0.0.1", instance["port"], timeout=30) as client:
        client.ehlo("receiver.outside.test")
        assert client.sendmail(sender, [RUA], message) == {}


def wait_delivered(instance, count):
    """Wait until the pipe service handled ``count`` mails; return the log."""
    return wait_for(
        lambda: (
            maillog(instance).count("delivered via dmarc-rua-parser service") >= count
            and maillog(instance)
        ),
        timeout=120,
        message="not delivered to the pipe:\n%s" % maillog(instance),
    )


@pytest.fixture
def hosted(make_domain, make_account, reseller):
    return corpus.hosted_domains(make_domain, make_account, reseller)


def test_postfix_pipe_imports_reports_onto_the_right_domain_page(rua_postfix, hosted, client):
    start = maillog(rua_postfix).count("delivered via dmarc-rua-parser service")
    send(rua_postfix, corpus.google_mail())
    send(rua_postfix, corpus.microsoft_mail(), sender="dmarcreport@microsoft.com")
    send(rua_postfix, corpus.yahoo_mail(), sender="dmarchelp@yahooinc.com")
    wait_delivered(rua_postfix, start + 3)
    wait_for(lambda: Report.objects.count() == 3, message="reports not stored")
    assert set(Record.objects.values_list("header_from__name", flat=True)) == {corpus.DOMAIN}
    url = reverse("dmarc:domain_report", args=[hosted["domain"].pk]) + "?week=2026-W49"
    client.force_login(hosted["admin"])
    page = client.get(url).content.decode()
    assert 'id="total-messages">33<' in page and "198.51.100.77" in page
    client.force_login(hosted["other"])
    assert client.get(url).status_code == 404


def test_hostile_reports_through_postfix_neither_crash_nor_bounce(rua_postfix, hosted):
    start = maillog(rua_postfix).count("delivered via dmarc-rua-parser service")
    hostile = [
        corpus.mail([("lol.xml", "text/xml", corpus.xml("billion_laughs.xml"))]),
        corpus.mail([("bomb.zip", "application/zip", corpus.zip_bomb()[0])]),
        corpus.mail([("bomb2.zip", "application/zip", corpus.zip_bomb()[1])]),
        corpus.mail([("half.xml.gz", "application/gzip", corpus.truncated_gzip())]),
        corpus.mail([("half.xml", "text/xml", corpus.truncated_xml())]),
        b"From: x@outside.test\r\nSubject: \xff\xfe garbage\r\n\r\n\x00\x01 not a report\r\n",
    ]
    for message in hostile:
        send(rua_postfix, message, sender="attacker@outside.test")
    log = wait_delivered(rua_postfix, start + len(hostile))
    assert "status=bounced" not in log and "status=deferred" not in log
    assert Report.objects.count() == 0
    # Then a good one still goes through: nothing got stuck.
    send(rua_postfix, corpus.yahoo_mail(), sender="dmarchelp@yahooinc.com")
    wait_delivered(rua_postfix, start + len(hostile) + 1)
    wait_for(lambda: Report.objects.count() == 1, message="the good report was not stored")


# IMAP -------------------------------------------------------------------------


def imap_messages(dovecot, user, folder):
    client = imaplib.IMAP4("127.0.0.1", dovecot.imap_port, timeout=30)
    try:
        client.login(user, PASSWORD)
        status, data = client.select('"%s"' % folder, readonly=True)
        return int(data[0]) if status == "OK" else None
    finally:
        client.logout()


def imap_import(dovecot, *extra):
    out = io.StringIO()
    call_command(
        "import_aggregated_report",
        "--imap",
        "--host",
        "127.0.0.1",
        "--port",
        str(dovecot.imap_port),
        *extra,
        stdout=out,
    )
    return out.getvalue()


def test_imap_folder_is_imported_and_moved(dovecot, hosted, make_account, monkeypatch, tmp_path):
    make_account("dmarc@hosted.org")
    for message in (
        corpus.google_mail(),
        corpus.microsoft_mail(),
        corpus.mail([("half.xml.gz", "application/gzip", corpus.truncated_gzip())]),
    ):
        assert dovecot.lmtp(["dmarc@hosted.org"], message) == {}
    credentials = tmp_path / "imap.cred"
    credentials.write_text("dmarc@hosted.org\n%s\n" % PASSWORD)
    output = imap_import(dovecot, "--credentials-file", str(credentials), "--move-to", "Reports")
    assert output.count("imported: ") == 2
    assert "rejected: half.xml.gz: not a readable gzip file" in output
    assert Report.objects.count() == 2
    assert imap_messages(dovecot, "dmarc@hosted.org", "INBOX") == 0
    assert imap_messages(dovecot, "dmarc@hosted.org", "Reports") == 3
    # Credentials from the environment; a second run finds nothing new.
    monkeypatch.setenv("MODOBOA_DMARC_IMAP_USER", "dmarc@hosted.org")
    monkeypatch.setenv("MODOBOA_DMARC_IMAP_PASSWORD", PASSWORD)
    assert dovecot.lmtp(["dmarc@hosted.org"], corpus.google_mail()) == {}
    output = imap_import(dovecot, "--move-to", "Reports")
    assert output.startswith("duplicate skipped: google.com report")
    assert Report.objects.count() == 2
    assert imap_messages(dovecot, "dmarc@hosted.org", "Reports") == 4


def test_imap_errors_are_clear(dovecot, hosted, make_account, monkeypatch):
    make_account("dmarc@hosted.org")
    monkeypatch.delenv("MODOBOA_DMARC_IMAP_USER", raising=False)
    monkeypatch.delenv("MODOBOA_DMARC_IMAP_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="no IMAP credentials"):
        imap_import(dovecot)
    monkeypatch.setenv("MODOBOA_DMARC_IMAP_USER", "dmarc@hosted.org")
    monkeypatch.setenv("MODOBOA_DMARC_IMAP_PASSWORD", "wrong")
    with pytest.raises(
        CommandError, match="IMAP connection to 127.0.0.1:%d failed" % dovecot.imap_port
    ):
        imap_import(dovecot)
    monkeypatch.setenv("MODOBOA_DMARC_IMAP_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="SELECT Missing failed"):
        imap_import(dovecot, "--mailbox", "Missing")
    # TLS against a plain port: refused with a message, no traceback.
    with pytest.raises(
        CommandError, match="IMAP connection to 127.0.0.1:%d failed" % dovecot.imap_port
    ):
        imap_import(dovecot, "--ssl")
    with pytest.raises(CommandError, match="--move-to: a folder name must be printable ASCII"):
        imap_import(dovecot, "--move-to", "Traités")


# DNS ------------------------------------------------------------------------------


def test_check_mx_reads_dmarc_records_for_the_domain_list(dns_settings, make_domain):
    good, listed, nomx = (
        make_domain("good.org"),
        make_domain("listed.org"),
        make_domain("nomx.org"),
    )
    call_command("modo", "check_mx", "--no-dnsbl", stdout=io.StringIO(), stderr=io.StringIO())
    records = {r.domain_id: r for r in DomainRecord.objects.all()}
    assert (records[good.pk].policy, records[good.pk].error) == ("quarantine", "")
    assert records[good.pk].record.startswith("v=DMARC1; p=quarantine")
    assert records[listed.pk].error == "the record has no valid p= tag"
    assert (records[nomx.pk].record, records[nomx.pk].policy) == ("", "")


def test_reverse_lookups_group_sources_by_organisation(dns_settings, hosted):
    from modoboa.dmarc.services import import_mail

    import_mail(corpus.google_mail())
    names = summary_service.reverse_names(["192.0.2.10", "203.0.113.66"])
    assert names == {"192.0.2.10": "mx.good.org", "203.0.113.66": ""}
    period = summary_service.parse_period({"week": "2026-W49"})
    summary = summary_service.summarize(hosted["domain"], period, rlookups=True)
    organisations = {org.name: [s.ip for s in org.sources] for org in summary.trusted}
    assert organisations["good.org"] == ["192.0.2.10"]
    assert organisations["Unresolved"] == ["2001:db8::25"]
