"""Full and read-only file systems under the jobs that write files (the
Postfix maps, the DKIM keys, the mail homes), and a job killed half-way.

Each test mounts a small tmpfs of its own (root only): full, it answers
ENOSPC; read-only, EROFS, even to root, for whom permission bits mean
nothing. The job must fail with one clear line, leave what was there
untouched, and complete when run again once the disk is fixed.
"""

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from modoboa.admin import services
from modoboa.admin.models import Domain, MailboxOperation
from modoboa.core.models import Log, User
from modoboa.parameters import tools as param_tools
from tests.fixtures.mailserver import manage_py_environment

pytestmark = [pytest.mark.integration, pytest.mark.engines("sqlite")]

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def small_disk(tmp_path):
    """``(path, fill, read_only, writable)``: a 256 KiB tmpfs."""
    if os.getuid() != 0:
        if os.environ.get("MODOBOA_REQUIRE_DAEMONS") == "1":
            pytest.fail("mounting a tmpfs needs root")
        pytest.skip("mounting a tmpfs needs root")
    path = tmp_path / "disk"
    path.mkdir()
    subprocess.run(  # noqa: S603 - fixed argv
        ["mount", "-t", "tmpfs", "-o", "size=256k,mode=0755", "tmpfs", str(path)], check=True
    )

    def fill():
        try:
            with open(path / "filler", "wb") as fp:
                while True:
                    fp.write(b"\0" * 4096)
                    fp.flush()
        except OSError:
            pass  # full

    def remount(mode):
        subprocess.run(["mount", "-o", "remount,%s" % mode, str(path)], check=True)  # noqa: S603

    try:
        yield path, fill, lambda: remount("ro"), lambda: remount("rw")
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)  # noqa: S603


def command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_postfix_maps_on_a_broken_disk_fail_clearly_and_keep_the_old_files(
    small_disk, fault, make_domain
):
    path, fill, read_only, writable = small_disk
    make_domain("maps.example")
    command("generate_postfix_maps", "--destdir", str(path))
    # One map missing: the next run has something to write.
    missing = sorted(name for name in os.listdir(path) if name.endswith(".cf"))[0]
    (path / missing).unlink()
    fill() if fault == "full" else read_only()
    before = {name: (path / name).read_bytes() for name in os.listdir(path)}
    with pytest.raises(CommandError) as failure:
        command("generate_postfix_maps", "--destdir", str(path), "--force-overwrite")
    message = str(failure.value)
    reason = "No space left on device" if fault == "full" else "is not writable"
    assert reason in message, message
    assert message.endswith("No file was written.")
    assert "\n" not in message
    after = {name: (path / name).read_bytes() for name in os.listdir(path)}
    assert after == before
    writable()
    if fault == "full":
        (path / "filler").unlink()
    command("generate_postfix_maps", "--destdir", str(path), "--force-overwrite")
    assert all((path / name).stat().st_size > 0 for name in os.listdir(path))


@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_dkim_keys_on_a_broken_disk_fail_clearly_and_record_nothing(
    small_disk, fault, make_domain, superadmin
):
    path, fill, read_only, writable = small_disk
    param_tools.set_global_parameter("dkim_keys_storage_dir", str(path), app="admin")
    domain = make_domain("signed.example")
    services.update_domain(domain, acting_user=superadmin, enable_dkim=True)
    fill() if fault == "full" else read_only()
    err = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("modo", "manage_dkim_keys", stdout=io.StringIO(), stderr=err)
    message = str(failure.value)
    if fault == "full":
        # One line per domain on the standard error, then the summary.
        assert message == "1 domain(s) got no key"
        assert err.getvalue().startswith("signed.example: ")
        assert "No space left on device" in err.getvalue()
    else:
        assert "is not writable" in message, message
    domain = Domain.objects.get(pk=domain.pk)
    assert not domain.dkim_private_key_path
    assert not domain.dkim_public_key
    writable()
    if fault == "full":
        (path / "filler").unlink()
    command("modo", "manage_dkim_keys")
    domain = Domain.objects.get(pk=domain.pk)
    assert domain.dkim_private_key_path == str(path / "signed.example.pem")
    assert (path / "signed.example.pem").stat().st_size > 0


@pytest.mark.django_db(transaction=True)
def test_mail_homes_on_a_read_only_disk_keep_the_operation_queued(
    dovecot, mailboxes_owner, settings, make_domain, make_account, superadmin, tmp_path
):
    if os.getuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    settings.DOVECOT_CONFIG = str(dovecot.config)
    param_tools.set_global_parameter("handle_mailboxes", True, app="admin")
    param_tools.set_global_parameter(
        "mailboxes_storage_dir", str(dovecot.mailboxes_root), app="admin"
    )
    param_tools.set_global_parameter("mailboxes_owner", mailboxes_owner[0], app="admin")
    # The domain's homes on a disk of their own.
    disk = dovecot.mailboxes_root / "homes.example"
    disk.mkdir()
    _owner, uid, gid = mailboxes_owner
    subprocess.run(  # noqa: S603 - fixed argv
        ["mount", "-t", "tmpfs", "-o", "size=1m,uid=%d,gid=%d" % (uid, gid), "tmpfs", str(disk)],
        check=True,
    )
    try:
        make_domain("homes.example")
        account = make_account("gone@homes.example")
        dovecot.lmtp(["gone@homes.example"], b"Subject: kept\r\n\r\nKeep me.\r\n")
        home = dovecot.home("gone@homes.example")
        assert (home / "Maildir").is_dir()
        services.delete_account(account, acting_user=superadmin)
        assert MailboxOperation.objects.count() == 1
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)  # noqa: S603
        pidfile = str(tmp_path / "ops.pid")
        with pytest.raises(CommandError) as failure:
            command("handle_mailbox_operations", "--pidfile", pidfile)
        assert str(failure.value) == (
            "1 operation(s) failed and will be retried (see the admin log)"
        )
        assert Log.objects.filter(
            message__contains="Read-only file system", level="CRITICAL"
        ).exists()
        assert MailboxOperation.objects.count() == 1
        assert (home / "Maildir").is_dir()
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)  # noqa: S603
        command("handle_mailbox_operations", "--pidfile", pidfile)
        assert MailboxOperation.objects.count() == 0
        assert not home.exists()
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)  # noqa: S603


@pytest.mark.django_db(transaction=True)
def test_a_job_killed_half_way_completes_when_run_again(make_domain, make_account):
    make_domain("old.example")
    for index in range(150):
        make_account("old%d@old.example" % index)
    User.objects.filter(username__startswith="old").update(
        last_login=timezone.now() - timedelta(days=365)
    )
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "django", "clean_inactive_accounts", "--silent"],
        env=manage_py_environment(),
        cwd=TOP,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not User.objects.filter(username__startswith="old", is_active=False).exists():
        assert time.monotonic() < deadline, "the job never started its work"
        assert process.poll() is None, "the job ended before it could be killed"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    left = User.objects.filter(username__startswith="old", is_active=True).count()
    assert 0 < left < 150, "killed too late to prove anything: %d left" % left
    # Each account is one transaction: none half-disabled (its mailbox and
    # aliases follow its state).
    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "django", "clean_inactive_accounts", "--silent", "--verbose"],
        env=manage_py_environment(),
        cwd=TOP,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "%d inactive account(s)" % left in result.stdout
    assert not User.objects.filter(username__startswith="old", is_active=True).exists()
