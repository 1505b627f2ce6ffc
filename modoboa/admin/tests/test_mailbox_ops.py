"""``handle_mailbox_operations``: mail homes renamed and removed as their
owner, never outside the storage directory, failures kept for retry.

Dovecot answers the home lookups (``handle_mailboxes`` fixture: a static
userdb, homes under ``<homes>/<domain>/<local part>``); the homes belong to
``nobody``, the mailboxes owner of these tests.
"""

import fcntl
import os
import pwd
import shutil
import tempfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from modoboa.admin import services
from modoboa.admin.models import MailboxOperation
from modoboa.core.models import Log
from modoboa.parameters import tools as param_tools
from tests.fixtures.mailserver import run_with_unreachable_database

OWNER = "nobody"


@pytest.fixture
def homes(handle_mailboxes, tmp_path):
    root = handle_mailboxes
    os.makedirs(root, exist_ok=True)
    owner = pwd.getpwnam(OWNER)
    os.chown(root, owner.pw_uid, owner.pw_gid)
    param_tools.set_global_parameter("mailboxes_storage_dir", root, app="admin")
    param_tools.set_global_parameter("mailboxes_owner", OWNER, app="admin")
    yield root
    # The homes directory lives as long as the session's Dovecot.
    for entry in os.listdir(root):
        path = os.path.join(root, entry)
        if os.path.islink(path) or not os.path.isdir(path):
            os.unlink(path)
        else:
            shutil.rmtree(path)


@pytest.fixture
def pidfile(tmp_path):
    return str(tmp_path / "handle_mailbox_operations.pid")


def make_home(root, address, content="Hello"):
    """A maildir with one message, as Dovecot would leave it."""
    owner = pwd.getpwnam(OWNER)
    local_part, domain = address.split("@")
    home = os.path.join(root, domain, local_part)
    new = os.path.join(home, "Maildir", "new")
    os.makedirs(new)
    with open(os.path.join(new, "1.msg"), "w") as handle:
        handle.write(content)
    for directory, _dirs, files in os.walk(os.path.join(root, domain)):
        os.chown(directory, owner.pw_uid, owner.pw_gid)
        for name in files:
            os.chown(os.path.join(directory, name), owner.pw_uid, owner.pw_gid)
    return home


def handle(pidfile, *args):
    call_command("handle_mailbox_operations", "--pidfile", pidfile, *args)


def log_lines(level):
    return list(Log.objects.filter(level=level).values_list("message", flat=True))


def test_nothing_happens_unless_handle_mailboxes_is_on(superadmin, simple_user, pidfile):
    MailboxOperation.objects.create(mailbox=None, type="delete", argument="/nowhere")
    handle(pidfile)
    assert MailboxOperation.objects.count() == 1


def test_a_rename_moves_the_home_into_the_new_domain_as_its_owner(
    homes, superadmin, simple_user, other_domain, pidfile
):
    old = make_home(homes, "user@test.com")
    services.rename_mailbox(simple_user.mailbox, "renamed@test2.com", acting_user=superadmin)
    assert MailboxOperation.objects.filter(type="rename").count() == 1
    handle(pidfile)
    new = os.path.join(homes, "test2.com", "renamed")
    assert not os.path.exists(old)
    with open(os.path.join(new, "Maildir", "new", "1.msg")) as handle_:
        assert handle_.read() == "Hello"
    # The parent made for the new domain belongs to the mailboxes owner.
    assert os.stat(os.path.join(homes, "test2.com")).st_uid == pwd.getpwnam(OWNER).pw_uid
    assert MailboxOperation.objects.count() == 0
    assert any("succeeded" in line and new in line for line in log_lines("INFO"))


def test_a_rename_whose_source_is_missing_is_done_without_moving_anything(
    homes, superadmin, simple_user, pidfile
):
    services.rename_mailbox(simple_user.mailbox, "renamed@test.com", acting_user=superadmin)
    handle(pidfile)
    assert MailboxOperation.objects.count() == 0
    assert not os.path.exists(os.path.join(homes, "test.com", "renamed"))


def test_a_delete_removes_the_home(homes, superadmin, simple_user, pidfile):
    home = make_home(homes, "user@test.com")
    services.delete_account(simple_user, acting_user=superadmin)
    handle(pidfile)
    assert not os.path.exists(home)
    assert os.path.isdir(os.path.join(homes, "test.com"))
    assert MailboxOperation.objects.count() == 0


@pytest.mark.parametrize(
    "argument",
    [
        "{outside}",
        "{root}/../{outside_name}",
        "{root}",
        "{root}/",
        "relative/path",
        "{root}/linked/victim",
    ],
)
def test_nothing_outside_the_storage_directory_is_ever_removed(
    homes, superadmin, pidfile, argument, capsys
):
    outside = tempfile.mkdtemp(prefix="modoboa-outside-")
    try:
        with open(os.path.join(outside, "precious"), "w") as handle_:
            handle_.write("keep")
        os.makedirs(os.path.join(outside, "victim"))
        # A directory of the root that is a link to somewhere else.
        os.symlink(outside, os.path.join(homes, "linked"))
        path = argument.format(outside=outside, outside_name=os.path.basename(outside), root=homes)
        MailboxOperation.objects.create(mailbox=None, type="delete", argument=path)
        with pytest.raises(CommandError, match="1 operation.*retried"):
            handle(pidfile)
        assert os.path.exists(os.path.join(outside, "precious"))
        assert os.path.isdir(os.path.join(outside, "victim"))
        assert os.path.isdir(homes)
        assert MailboxOperation.objects.count() == 1
        assert any("Mailbox operation failed" in line for line in log_lines("CRITICAL"))
        assert "delete of %s failed" % path in capsys.readouterr().err
    finally:
        os.unlink(os.path.join(homes, "linked"))
        for directory, _dirs, files in os.walk(outside, topdown=False):
            for name in files:
                os.unlink(os.path.join(directory, name))
            os.rmdir(directory)


def test_a_home_that_is_a_symbolic_link_is_refused(homes, superadmin, pidfile, tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    os.makedirs(os.path.join(homes, "test.com"))
    link = os.path.join(homes, "test.com", "user")
    os.symlink(target, link)
    MailboxOperation.objects.create(mailbox=None, type="delete", argument=link)
    with pytest.raises(CommandError):
        handle(pidfile)
    assert target.is_dir() and os.path.islink(link)


def test_a_failed_operation_is_kept_and_retried(homes, superadmin, simple_user, pidfile):
    make_home(homes, "user@test.com")
    busy = make_home(homes, "renamed@test.com", content="already there")
    services.rename_mailbox(simple_user.mailbox, "renamed@test.com", acting_user=superadmin)
    with pytest.raises(CommandError, match="1 operation"):
        handle(pidfile)
    assert MailboxOperation.objects.count() == 1
    assert any("is not empty" in line for line in log_lines("CRITICAL"))
    # The postmaster clears the way; the next run succeeds.
    os.rename(busy, busy + ".old")
    handle(pidfile)
    assert MailboxOperation.objects.count() == 0
    with open(os.path.join(busy, "Maildir", "new", "1.msg")) as handle_:
        assert handle_.read() == "Hello"


def test_an_empty_home_made_meanwhile_is_replaced(homes, superadmin, simple_user, pidfile):
    make_home(homes, "user@test.com")
    services.rename_mailbox(simple_user.mailbox, "renamed@test.com", acting_user=superadmin)
    os.makedirs(os.path.join(homes, "test.com", "renamed"))
    handle(pidfile)
    assert os.path.exists(os.path.join(homes, "test.com", "renamed", "Maildir", "new", "1.msg"))


def test_a_rename_of_a_mailbox_deleted_since_leaves_the_directory(
    homes, superadmin, simple_user, pidfile
):
    old = make_home(homes, "user@test.com")
    services.rename_mailbox(simple_user.mailbox, "renamed@test.com", acting_user=superadmin)
    services.delete_account(simple_user, acting_user=superadmin, keepdir=True)
    handle(pidfile)
    assert os.path.isdir(old)
    assert MailboxOperation.objects.count() == 0
    assert any("no longer exists" in line for line in log_lines("WARNING"))


def test_a_second_run_waits_for_nothing_while_the_first_works(homes, superadmin, pidfile):
    MailboxOperation.objects.create(mailbox=None, type="delete", argument=homes + "/x/y")
    with open(pidfile, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        handle(pidfile)
        assert MailboxOperation.objects.count() == 1
    handle(pidfile)
    assert MailboxOperation.objects.count() == 0


def test_a_pid_file_that_is_a_symbolic_link_is_refused(homes, superadmin, tmp_path):
    target = tmp_path / "target"
    target.write_text("keep")
    os.symlink(target, tmp_path / "link.pid")
    with pytest.raises(CommandError, match="Cannot open the pid file"):
        handle(str(tmp_path / "link.pid"))
    assert target.read_text() == "keep"


def test_without_a_storage_directory_nothing_is_attempted(homes, superadmin, pidfile):
    param_tools.set_global_parameter("mailboxes_storage_dir", "", app="admin")
    MailboxOperation.objects.create(mailbox=None, type="delete", argument=homes + "/x/y")
    with pytest.raises(CommandError) as error:
        handle(pidfile)
    assert "storage directory is not configured" in str(error.value)
    assert str(error.value).endswith("No operation was carried out.")
    assert MailboxOperation.objects.count() == 1


def test_an_unknown_mailboxes_owner_is_reported(homes, superadmin, pidfile):
    param_tools.set_global_parameter("mailboxes_owner", "no-such-user", app="admin")
    with pytest.raises(CommandError, match="'no-such-user' does not exist"):
        handle(pidfile)


def test_an_unreachable_database_is_reported_without_a_traceback(tmp_path):
    result = run_with_unreachable_database(
        "handle_mailbox_operations", "--pidfile", str(tmp_path / "pid")
    )
    assert result.returncode == 1
    # The line of every job (docs/cron.rst), before the job does anything.
    assert result.stderr.startswith("CommandError: Cannot reach the database ")
    assert result.stderr.rstrip().endswith("Nothing done.")
    assert "Traceback" not in result.stderr
