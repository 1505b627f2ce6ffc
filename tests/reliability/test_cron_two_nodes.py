"""Every cron job, started at the same moment on two panel nodes sharing the
database, does its work exactly once.

The jobs are enumerated, not listed by hand: the cron lines of every page
of docs/ (docs/cron.rst is the crontab postmasters install, and
``scripts/demo_jobs.py`` runs the same lines), the jobs registered for the
dashboard (``modoboa.core.jobs.SCHEDULE``, extensions included) and every
``job_lock("...")`` of the code. A job found there without a scenario below
fails ``test_every_job_has_a_two_node_scenario``.

A node is a process with its own settings module (same database, its own
temporary directory, its own mail outbox) that sets Django up, says it is
ready, and starts the job when the test tells both nodes to go. While a
node holds a job's lock it says so and keeps it for ``HOLD`` seconds (an
observer of ``modoboa.lib.cronlock``, entered once the lock is held, before
the job's work), so the other node's attempt always meets the held lock:
one node holds it and does the work, the other prints the job's skip line
(``-v 2``) and exits 0, and the work's effects are there once (no second
key, mail, report, import, registration...).

On SQLite both processes run on this machine and the lock is a file beside
the database: what two cron processes of one machine do. Two machines on
one SQLite file are not a supported set-up (docs/deployment.rst).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.management import get_commands
from django.utils import timezone

from modoboa.admin.models import Domain, MailboxOperation, MXRecord
from modoboa.admin.services import import_jobs
from modoboa.core import jobs
from modoboa.core.models import Log, User
from modoboa.core.tests.test_public_api import public_api  # noqa: F401 - fixture
from modoboa.lib.cronlock import skipped
from modoboa.parameters import tools as param_tools
from tests.fixtures.mailserver import manage_py_environment

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TOP = Path(__file__).resolve().parents[2]
DOCS = TOP / "docs"
CRON_LINE = re.compile(r"^\s*(?:\S+\s+){5}\S+\s+\$PYTHON \$INSTANCE/manage\.py (?P<command>.+)$")
STATS_LOG = TOP / "modoboa/stats/tests/logs/syslog.txt"
# Run by hand, not by cron; tests/reliability/test_cron_locks.py runs it
# twice at once.
MAINTENANCE = {"repair"}
HOLD = 3  # seconds a node keeps a job's lock before working

NODE = (
    """
import sys, time
from contextlib import contextmanager
import django
django.setup()
from django.core.management import call_command
from django.core.management.base import CommandError
from modoboa.lib import cronlock

@contextmanager
def holding(name):
    print("NODE HOLDS %%s" %% name, flush=True)
    time.sleep(%d)
    yield

cronlock.run_observers.append(holding)
print("READY", flush=True)
sys.stdin.readline()
try:
    call_command(*sys.argv[1:])
except CommandError as exc:
    print("CommandError: %%s" %% exc, file=sys.stderr)
    sys.exit(1)
"""
    % HOLD
)


def cron_lines():
    """The ``manage.py`` commands of the cron lines of every docs page."""
    commands = []
    for page in sorted(DOCS.glob("*.rst")):
        for line in page.read_text().splitlines():
            match = CRON_LINE.match(line)
            if match:
                words = match.group("command").split()
                commands.append(words[1] if words[0] == "modo" else words[0])
    return commands


def locked_names():
    """The names of every ``job_lock("name")`` of the code."""
    pattern = re.compile(r"""job_lock\(\s*["'](\w+)["']|^JOB = ["'](\w+)["']""", re.M)
    names = set()
    for path in (TOP / "modoboa").rglob("*.py"):
        if "tests" in path.parts:
            continue
        text = path.read_text()
        if "job_lock" not in text:
            continue
        for match in pattern.finditer(text):
            names.add(match.group(1) or match.group(2))
    return names


def enumerated_jobs():
    return (set(cron_lines()) | set(jobs.SCHEDULE) | locked_names()) - MAINTENANCE


class Nodes:
    """Two nodes of the panel on the test database."""

    def __init__(self, root, extra_settings):
        self.dirs = []
        for name in ("node_a", "node_b"):
            directory = root / name
            (directory / "tmp").mkdir(parents=True)
            (directory / "outbox").mkdir()
            lines = ["from modoboa.test_settings import *  # noqa", ""]
            lines += ["%s = %r" % item for item in sorted(extra_settings.items())]
            lines.append('EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"')
            lines.append("EMAIL_FILE_PATH = %r" % str(directory / "outbox"))
            (directory / ("%s_settings.py" % name)).write_text("\n".join(lines) + "\n")
            self.dirs.append(directory)

    def env(self, directory):
        env = manage_py_environment()
        env.update(
            DJANGO_SETTINGS_MODULE="%s_settings" % directory.name,
            PYTHONPATH="%s:%s" % (directory, TOP),
            TMPDIR=str(directory / "tmp"),
        )
        return env

    def run(self, *arguments):
        """Start ``arguments`` on both nodes at once; ``[(code, output)]``.

        ``{tmp}`` in an argument is the node's own temporary directory.
        """
        processes = []
        for directory in self.dirs:
            argv = [a.replace("{tmp}", str(directory / "tmp")) for a in arguments]
            processes.append(
                subprocess.Popen(  # noqa: S603 - fixed argv
                    [sys.executable, "-c", NODE, *argv],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    env=self.env(directory),
                    cwd=TOP,
                )
            )
        for process in processes:
            line = process.stdout.readline()
            if line.strip() != "READY":
                process.kill()
                pytest.fail("a node did not start: %s%s" % (line, process.stdout.read()))
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        results = []
        for process in processes:
            out, _err = process.communicate(timeout=300)
            results.append((process.returncode, out))
        return results

    def mails(self):
        """The recipients of the mails both nodes sent."""
        recipients = []
        for directory in self.dirs:
            for path in sorted((directory / "outbox").iterdir()):
                recipients += re.findall(r"^To: (.+)$", path.read_text(), re.M)
        return sorted(recipients)


def once(results, lock, holder_code=0):
    """Exactly one node held ``lock``; the other skipped it, cleanly.
    Return the holder's output.
    """
    holders = [i for i, (_code, out) in enumerate(results) if "NODE HOLDS %s\n" % lock in out]
    assert len(holders) == 1, results
    holder, other = results[holders[0]], results[1 - holders[0]]
    assert holder[0] == holder_code, results
    assert other[0] == 0, results
    assert "NODE HOLDS" not in other[1], results
    assert skipped(lock) in other[1], results
    assert "Traceback" not in holder[1], results
    return holder[1]


@pytest.fixture
def nodes(tmp_path):
    def make(**extra_settings):
        return Nodes(tmp_path, extra_settings)

    return make


# One scenario per job: it makes work, runs the job on both nodes at once
# and checks the work was done once.


def handle_mailbox_operations(request, nodes, tmp_path):
    owner = request.getfixturevalue("mailboxes_owner")
    root = Path(tempfile.mkdtemp(prefix="modoboa-nodes-"))
    request.addfinalizer(lambda: shutil.rmtree(root, ignore_errors=True))
    root.chmod(0o755)
    storage = root / "vmail"
    doomed = storage / "gone.test" / "alice"
    (doomed / "Maildir" / "cur").mkdir(parents=True)
    for directory in (storage, storage / "gone.test", doomed, doomed / "Maildir"):
        os.chown(directory, owner[1], owner[2])
    param_tools.set_global_parameter("handle_mailboxes", True, app="admin")
    param_tools.set_global_parameter("mailboxes_storage_dir", str(storage), app="admin")
    param_tools.set_global_parameter("mailboxes_owner", owner[0], app="admin")
    MailboxOperation.objects.create(type="delete", argument=str(doomed))
    # Each node's pid file is its own (two machines).
    results = nodes().run("handle_mailbox_operations", "-v", "2", "--pidfile", "{tmp}/h.pid")
    output = once(results, "handle_mailbox_operations")
    assert "failed" not in output
    assert not doomed.exists()
    assert not MailboxOperation.objects.exists()


def clearsessions(request, nodes, tmp_path):
    # Django's command is one DELETE of the expired rows: no lock, the
    # database deletes each row once.
    Session.objects.create(
        session_key="x" * 32, session_data="", expire_date=timezone.now() - timedelta(days=1)
    )
    Session.objects.create(
        session_key="y" * 32, session_data="", expire_date=timezone.now() + timedelta(days=1)
    )
    results = nodes().run("clearsessions")
    assert [code for code, _out in results] == [0, 0], results
    assert list(Session.objects.values_list("session_key", flat=True)) == ["y" * 32]


def cleanlogs(request, nodes, tmp_path):
    param_tools.set_global_parameter("log_maximum_age", 10, app="core")
    for index in range(3):
        Log.objects.create(message="old %d" % index, level="INFO", logger="modoboa.admin")
    Log.objects.filter(message__startswith="old").update(
        date_created=timezone.now() - timedelta(days=11)
    )
    output = once(nodes().run("cleanlogs", "-v", "2"), "cleanlogs")
    assert "3 log line(s) deleted" in output
    assert not Log.objects.filter(message__startswith="old").exists()


def clean_inactive_accounts(request, nodes, tmp_path):
    request.getfixturevalue("make_domain")("test.com")
    make_account = request.getfixturevalue("make_account")
    for index in range(5):
        make_account("old%d@test.com" % index)
    User.objects.filter(username__startswith="old").update(
        last_login=timezone.now() - timedelta(days=365)
    )
    results = nodes().run("clean_inactive_accounts", "--silent", "--verbose", "-v", "2")
    output = once(results, "clean_inactive_accounts")
    assert "5 inactive account(s)" in output
    assert not User.objects.filter(username__startswith="old", is_active=True).exists()


def logparser(request, nodes, tmp_path):
    from modoboa.stats.models import Counter, Maillog

    request.getfixturevalue("make_domain")("good.org")
    mail_log = tmp_path / "mail.log"
    shutil.copyfile(STATS_LOG, mail_log)
    param_tools.set_global_parameter("logfile", str(mail_log), app="modoboa_stats")
    param_tools.set_global_parameter("message_log_retention", 3650, app="modoboa_stats")
    once(nodes().run("logparser", "-v", "2"), "logparser")
    # The log's eight messages, once (a second parse would add them again).
    assert Maillog.objects.count() == 8
    counters = list(Counter.objects.values_list("step", "domain", "start"))
    assert counters and len(counters) == len(set(counters))


def update_statistics(request, nodes, tmp_path):
    from modoboa.stats.models import AccountCounter

    request.getfixturevalue("make_domain")("test.com")
    for index in range(4):
        request.getfixturevalue("make_account")("new%d@test.com" % index)
    output = once(nodes().run("update_statistics", "-v", "2"), "update_statistics")
    assert "hour(s) updated" in output
    rows = list(AccountCounter.objects.values_list("start", "new_accounts"))
    assert len(rows) == len({start for start, _count in rows})
    assert sum(count for _start, count in rows) == User.objects.count()


def run_import_jobs(request, nodes, tmp_path):
    request.getfixturevalue("make_domain")("test.com")
    admin = request.getfixturevalue("superadmin")
    job = import_jobs.submit(
        acting_user=admin,
        kind="identities",
        text="".join(
            "account; i%d@test.com; {PLAIN}Toto1234!; I; %d; true; SimpleUsers; i%d@test.com; 5\n"
            % (n, n, n)
            for n in range(3)
        ),
        filename="ids.csv",
        options={"sepchar": ";"},
    )
    output = once(nodes().run("modo", "run_import_jobs", "-v", "2"), "run_import_jobs")
    assert "1 import job(s) run" in output
    job.refresh_from_db()
    assert (job.status, job.created) == (job.DONE, 3), job.__dict__
    assert (
        User.objects.filter(username__startswith="i", username__endswith="@test.com").count() == 3
    )


def check_mx(request, nodes, tmp_path):
    dns = request.getfixturevalue("dns_server")
    request.getfixturevalue("make_domain")("good.org")
    param_tools.set_global_parameter("valid_mxs", "192.0.2.0/24", app="admin")
    node_settings = {"DNS_NAMESERVERS": [dns.nameserver]}
    results = nodes(**node_settings).run("modo", "check_mx", "--no-dnsbl", "-v", "2")
    once(results, "check_mx")
    records = list(MXRecord.objects.values_list("domain__name", "name", "address"))
    assert ("good.org", "mx.good.org", "192.0.2.10") in records
    assert len(records) == len(set(records))


def communicate_with_public_api(request, nodes, tmp_path):
    server = request.getfixturevalue("public_api")
    url = "http://127.0.0.1:%d/1/" % server.server_address[1]
    results = nodes(MODOBOA_API_URL=url).run("communicate_with_public_api", "-v", "2")
    once(results, "communicate_with_public_api")
    registrations = [call for call in server.calls if call[:2] == ("POST", "/1/instances/")]
    assert len(registrations) == 1, server.calls


def manage_dkim_keys(request, nodes, tmp_path):
    dkim_dir = tmp_path / "dkim"
    dkim_dir.mkdir()
    param_tools.set_global_parameter("dkim_keys_storage_dir", str(dkim_dir), app="admin")
    request.getfixturevalue("make_domain")("signed.org", enable_dkim=True, dkim_key_length=1024)
    output = once(nodes().run("modo", "manage_dkim_keys", "-v", "2"), "manage_dkim_keys")
    assert "1 DKIM key(s) generated" in output
    assert sorted(os.listdir(dkim_dir)) == [".manage_dkim_keys.lock", "signed.org.pem"]
    assert Domain.objects.get(name="signed.org").dkim_public_key


def forget_messages(request, mail_ids):
    """Delete the quarantine's rows at the end of the test (Amavis' tables
    are not Django's: the flush between tests leaves them).
    """
    from modoboa.amavis.models import Msgrcpt, Msgs, Quarantine

    def forget():
        for model in (Quarantine, Msgrcpt, Msgs):
            model.objects.filter(mail_id__in=mail_ids).delete()

    request.addfinalizer(forget)


def qcleanup(request, nodes, tmp_path):
    from modoboa.amavis import constants
    from modoboa.amavis.factories import quarantine_message
    from modoboa.amavis.models import Msgrcpt, Msgs

    request.getfixturevalue("domain")
    kept = quarantine_message("a@evil.com", ["user@test.com"])
    gone = quarantine_message("c@evil.com", ["user@test.com"])
    Msgrcpt.objects.filter(mail_id=gone).update(rs=constants.RS_DELETED)
    forget_messages(request, [kept, gone])
    output = once(nodes().run("qcleanup", "-v", "2"), "qcleanup")
    assert "1 deleted and 0 expired message(s)" in output
    remaining = set(Msgs.objects.values_list("mail_id", flat=True))
    assert kept in remaining and gone not in remaining


def qindex(request, nodes, tmp_path):
    import datetime

    from django.db import connections
    from django.utils import timezone

    from modoboa.amavis import search_index
    from modoboa.amavis.dbrouter import amavis_alias
    from modoboa.amavis.factories import quarantine_message

    request.getfixturevalue("domain")
    two_hours_ago = timezone.now() - datetime.timedelta(hours=2)
    old = quarantine_message("a@evil.com", ["user@test.com"], received=two_hours_ago)
    forget_messages(request, [old])
    connection = connections[amavis_alias()]

    def forget_index():
        if search_index.supported(connection):
            search_index.rebuild(connection.alias, now=0)

    request.addfinalizer(forget_index)
    output = once(nodes().run("qindex", "-v", "2"), "qindex")
    if search_index.supported(connection):
        # Added once: the second node skipped it.
        assert "1 message(s) added to the search index" in output
        with connection.cursor() as cursor:
            cursor.execute("SELECT SUM(messages) FROM modoboa_qsearch_block")
            assert cursor.fetchone()[0] == 1
    else:
        assert "there is nothing to do" in output


def amnotify(request, nodes, tmp_path):
    from modoboa.amavis.factories import quarantine_message
    from modoboa.amavis.services import quarantine

    request.getfixturevalue("domain_admin")
    user = request.getfixturevalue("simple_user")
    admin = request.getfixturevalue("superadmin")
    admin.email = "root@example.net"
    admin.save()
    mine = quarantine_message("spam@evil.com", ["user@test.com"], subject="Please release")
    forget_messages(request, [mine])
    assert quarantine.release(user, mine) == "requested"
    node_pair = nodes()
    results = node_pair.run("amnotify", "--baseurl", "https://mail.example.net", "-v", "2")
    once(results, "amnotify")
    # Each administrator mailed once, by one node.
    assert node_pair.mails() == ["admin@test.com", "root@example.net"]


def generate_rights(request, nodes, tmp_path):
    rights = tmp_path / "radicale-rights"
    param_tools.set_global_parameter("rights_file_path", str(rights), app="modoboa_radicale")
    output = once(nodes().run("generate_rights", "-v", "2"), "generate_rights")
    assert "%s written" % rights in output
    assert "[principal]" in rights.read_text()


def sync_contacts(request, nodes, tmp_path):
    # No address book: what is proved is the lock (the work itself needs
    # Radicale, see tests/integration/test_contacts.py).
    once(nodes().run("sync_contacts", "-v", "2"), "sync_contacts")


def run_imap_migrations(request, nodes, tmp_path):
    from modoboa.imap_migration import services
    from modoboa.imap_migration.models import FAILED, Migration

    request.getfixturevalue("domain")
    admin = request.getfixturevalue("superadmin")
    # An old server that refuses connections: the job runs and fails, once.
    services.create_provider(
        acting_user=admin,
        name="Old",
        address="127.0.0.1",
        port=1,
        security="none",
        domains=[("old.test", "test.com")],
    )
    services.create_migrations(
        acting_user=admin, entries=[(1, "moved@old.test", "Old-secret-1", "")]
    )
    results = nodes().run("run_imap_migrations", "--once", "-v", "2")
    output = once(results, "run_imap_migrations")
    assert "Jobs run: failed: 1" in output
    assert list(Migration.objects.values_list("status", flat=True)) == [FAILED]


def import_aggregated_report(request, nodes, tmp_path):
    # An IMAP server that refuses connections: the node holding the lock
    # fails with one line, the other skips. The import itself is proved
    # by tests/integration/test_dmarc.py.
    credentials = tmp_path / "dmarc.cred"
    credentials.write_text("reports\nsecret\n")
    credentials.chmod(0o600)
    results = nodes().run(
        "import_aggregated_report",
        "--imap",
        "--host",
        "127.0.0.1",
        "--port",
        "1",
        "--credentials-file",
        str(credentials),
        "-v",
        "2",
    )
    output = once(results, "import_aggregated_report", holder_code=1)
    assert "CommandError:" in output


SCENARIOS = {
    scenario.__name__: scenario
    for scenario in (
        handle_mailbox_operations,
        clearsessions,
        cleanlogs,
        clean_inactive_accounts,
        logparser,
        update_statistics,
        run_import_jobs,
        check_mx,
        communicate_with_public_api,
        manage_dkim_keys,
        qcleanup,
        qindex,
        amnotify,
        generate_rights,
        sync_contacts,
        run_imap_migrations,
        import_aggregated_report,
    )
}


def test_every_job_has_a_two_node_scenario():
    found = enumerated_jobs()
    # The enumeration finds what the docs and the registry hold.
    assert {"handle_mailbox_operations", "qcleanup", "logparser", "sync_contacts"} <= found
    assert found - set(SCENARIOS) == set(), "jobs without a two-node scenario"
    assert set(SCENARIOS) - found == set(), "scenarios of jobs nobody documents"
    available = get_commands()
    assert {name for name in found if name not in available} <= {
        "check_mx",
        "manage_dkim_keys",
        "run_import_jobs",
    }, "a documented job is not a command of this instance"


@pytest.mark.parametrize("job", sorted(SCENARIOS))
def test_two_nodes_run_the_job_at_the_same_moment_once(job, request, nodes, tmp_path):
    SCENARIOS[job](request, nodes, tmp_path)
