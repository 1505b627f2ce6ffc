"""Every job of the documented crontab runs cleanly, twice in a row.

The jobs are read from ``docs/cron.rst`` (the lines a postmaster copies
into ``/etc/cron.d/modoboa``), so the page and this test cannot drift
apart. Each job first finds work to do (a queued mailbox deletion, an
expired session, an old log line, an inactive account, a domain to check
against the test DNS server, the public API to talk to, a domain waiting
for its DKIM key), then runs a second time and finds nothing left, as cron
would run it a minute later. It runs on each engine of the test command.
"""

import io
import os
import re
import shlex
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command, get_commands
from django.utils import timezone

from modoboa.admin.models import Domain, MailboxOperation, MXRecord
from modoboa.core.models import LocalConfig, Log, User
from modoboa.core.tests import test_public_api
from modoboa.parameters import tools as param_tools

pytestmark = pytest.mark.integration

CRON_PAGE = Path(__file__).resolve().parents[2] / "docs" / "cron.rst"
CRON_LINE = re.compile(
    r"^\s*(?:\S+\s+){5}(?P<user>\S+)\s+\$PYTHON \$INSTANCE/manage\.py (?P<command>.+)$"
)
# Jobs of built-in extensions (an instance without them has no command).
EXTENSION_JOBS = {
    "logparser": "stats",
    "update_statistics": "stats",
    "qcleanup": "amavis",
    "qindex": "amavis",
    "amnotify": "amavis",
    "generate_rights": "radicale",
    "sync_contacts": "contacts",
    "run_imap_migrations": "imap_migration",
}
STATS_LOG = Path(__file__).resolve().parents[2] / "modoboa/stats/tests/logs/syslog.txt"

# The local public API server of the command's own tests.
public_api = test_public_api.public_api


def documented_jobs():
    """The ``manage.py`` argument lists of the cron lines on the docs page."""
    jobs = []
    for line in CRON_PAGE.read_text().splitlines():
        match = CRON_LINE.match(line)
        if match:
            command = match.group("command").replace("&> /dev/null", "")
            jobs.append(shlex.split(command))
    return jobs


def test_the_page_lists_the_seed_jobs():
    names = [job[1] if job[0] == "modo" else job[0] for job in documented_jobs()]
    assert names == [
        "handle_mailbox_operations",
        "clearsessions",
        "cleanlogs",
        "clean_inactive_accounts",
        "logparser",
        "update_statistics",
        "run_import_jobs",
        "check_mx",
        "communicate_with_public_api",
        "manage_dkim_keys",
        "qcleanup",
        "qindex",
        "amnotify",
        "generate_rights",
        "sync_contacts",
        "run_imap_migrations",
    ]


@pytest.fixture
def work_to_do(tmp_path, mailboxes_owner, make_domain, make_account, superadmin, settings):
    """One piece of work for each job."""
    # The job works as the mailboxes owner, who cannot enter pytest's
    # private temporary directory.
    root = Path(tempfile.mkdtemp(prefix="modoboa-cron-"))
    root.chmod(0o755)
    storage = root / "vmail"
    doomed = storage / "gone.test" / "alice"
    (doomed / "Maildir" / "cur").mkdir(parents=True)
    storage.chmod(0o755)
    for directory in (storage, storage / "gone.test", doomed, doomed / "Maildir"):
        os.chown(directory, mailboxes_owner[1], mailboxes_owner[2])
    dkim_dir = tmp_path / "dkim"
    dkim_dir.mkdir()
    param_tools.set_global_parameter("handle_mailboxes", True, app="admin")
    param_tools.set_global_parameter("mailboxes_storage_dir", str(storage), app="admin")
    param_tools.set_global_parameter("mailboxes_owner", mailboxes_owner[0], app="admin")
    param_tools.set_global_parameter("dkim_keys_storage_dir", str(dkim_dir), app="admin")
    param_tools.set_global_parameter("valid_mxs", "192.0.2.0/24", app="admin")
    param_tools.set_global_parameter("inactive_account_threshold", 30, app="core")
    param_tools.set_global_parameter("log_maximum_age", 10, app="core")
    mail_log = tmp_path / "mail.log"
    shutil.copyfile(STATS_LOG, mail_log)
    if "modoboa.stats" in settings.INSTALLED_APPS:
        param_tools.set_global_parameter("logfile", str(mail_log), app="modoboa_stats")
        param_tools.set_global_parameter("message_log_retention", 3650, app="modoboa_stats")
    if "modoboa.radicale" in settings.INSTALLED_APPS:
        # A sharing rule newer than the (missing) rights file.
        param_tools.set_global_parameter(
            "rights_file_path", str(root / "radicale-rights"), app="modoboa_radicale"
        )

    MailboxOperation.objects.create(type="delete", argument=str(doomed))
    Session.objects.create(
        session_key="x" * 32, session_data="", expire_date=timezone.now() - timedelta(days=1)
    )
    old_log = Log.objects.create(message="old", level="INFO", logger="modoboa.admin")
    Log.objects.filter(pk=old_log.pk).update(date_created=timezone.now() - timedelta(days=11))
    make_domain("good.org", enable_dkim=True, dkim_key_length=1024)
    make_account("sleepy@good.org")
    User.objects.filter(username="sleepy@good.org").update(
        last_login=timezone.now() - timedelta(days=31)
    )
    yield {"doomed": doomed, "dkim_dir": dkim_dir, "rights": root / "radicale-rights"}
    shutil.rmtree(root, ignore_errors=True)


def run_job(job, pidfile):
    arguments = list(job)
    if arguments[0] == "handle_mailbox_operations":
        # Engines are tested side by side: one lock file per test, not /tmp's.
        arguments += ["--pidfile", str(pidfile)]
    out, err = io.StringIO(), io.StringIO()
    call_command(*arguments, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def observable_state():
    """What the jobs change, as a comparable value."""
    return {
        "operations": MailboxOperation.objects.count(),
        "sessions": Session.objects.count(),
        "logs": sorted(Log.objects.values_list("message", flat=True)),
        "active": sorted(User.objects.filter(is_active=True).values_list("username", flat=True)),
        "mx": sorted(MXRecord.objects.values_list("name", "address")),
        "dkim": sorted(Domain.objects.values_list("name", "dkim_public_key")),
        "instance": LocalConfig.objects.values_list("api_pk", flat=True).first(),
        "stats": stats_state(),
    }


def stats_state():
    """The statistics' rows, when the extension is installed."""
    from django.apps import apps

    if not apps.is_installed("modoboa.stats"):
        return None
    from modoboa.stats.models import AccountCounter, Counter, Maillog

    return (
        sorted(Counter.objects.values_list("step", "domain", "start", "recv", "sent")),
        Maillog.objects.count(),
        sorted(AccountCounter.objects.values_list("start", "new_accounts")),
    )


def test_every_cron_job_runs_twice_in_a_row(work_to_do, dns_settings, public_api, tmp_path):
    available = get_commands()
    jobs = []
    for job in documented_jobs():
        if job[0] not in available:
            assert job[0] in EXTENSION_JOBS, "%s is not a command of this instance" % job[0]
            continue
        jobs.append(job)
    assert len(jobs) == 8 + sum(job[0] in EXTENSION_JOBS for job in jobs)

    outputs = [run_job(job, tmp_path / "handle.pid") for job in jobs]
    assert not any("Traceback" in output for output in outputs)
    # Each job did its work.
    assert not work_to_do["doomed"].exists()
    assert MailboxOperation.objects.count() == 0
    assert not Session.objects.filter(session_key="x" * 32).exists()
    assert not Log.objects.filter(message="old").exists()
    assert not User.objects.get(username="sleepy@good.org").is_active
    assert ("mx.good.org", "192.0.2.10") in {
        (record.name, record.address) for record in MXRecord.objects.all()
    }
    assert (work_to_do["dkim_dir"] / "good.org.pem").is_file()
    assert Domain.objects.get(name="good.org").dkim_public_key
    assert ("POST", "/1/instances/") in {call[:2] for call in public_api.calls}
    if stats_state() is not None:
        counters, messages, accounts = stats_state()
        assert messages == 8 and counters and accounts
    if any(job[0] == "generate_rights" for job in jobs):
        assert "[principal]" in work_to_do["rights"].read_text()

    # A minute later: nothing left to do, nothing changed, no error.
    before = observable_state()
    for job in jobs:
        run_job(job, tmp_path / "handle.pid")
    assert observable_state() == before
