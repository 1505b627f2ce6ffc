"""``modo manage_dkim_keys``: DKIM keys made with the cryptography library."""

import base64
import fcntl
import os
import stat
import tempfile

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.core.management.base import CommandError

from modoboa.admin import dkim, services, signals
from modoboa.admin.models import Domain
from modoboa.parameters import tools as param_tools
from tests.fixtures.mailserver import (
    manage_py_environment,
    run_as,
    run_with_unreachable_database,
)


@pytest.fixture
def storage(tmp_path, db):
    directory = tmp_path / "dkim"
    directory.mkdir()
    param_tools.set_global_parameter("dkim_keys_storage_dir", str(directory), app="admin")
    return directory


@pytest.fixture
def received():
    domains = []

    def receiver(sender, domains_=None, **kwargs):
        domains.extend(kwargs.get("domains", []))

    signals.new_dkim_keys.connect(receiver, dispatch_uid="test_dkim_receiver")
    yield domains
    signals.new_dkim_keys.disconnect(dispatch_uid="test_dkim_receiver")


def manage_dkim_keys(*args):
    call_command("modo", "manage_dkim_keys", *args)


def load_key(path):
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def public_key_of(private_key):
    der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def test_keys_are_made_for_the_domains_waiting_for_one(storage, make_domain, received, capsys):
    make_domain("signed.test", enable_dkim=True, dkim_key_length=1024)
    make_domain("plain.test")
    manage_dkim_keys()
    domain = Domain.objects.get(name="signed.test")
    path = storage / "signed.test.pem"
    assert domain.dkim_private_key_path == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = load_key(path)
    assert key.key_size == 1024
    # The stored public key is the base64 DER body, without PEM armour.
    assert domain.dkim_public_key == public_key_of(key)
    assert "-----" not in domain.dkim_public_key
    assert [d.name for d in received] == ["signed.test"]
    plain = Domain.objects.get(name="plain.test")
    assert (plain.dkim_private_key_path, plain.dkim_public_key) == ("", "")
    assert sorted(os.listdir(storage)) == [dkim.LOCK_FILENAME, "signed.test.pem"]
    output = capsys.readouterr().out
    assert "Generating a 1024-bit key for signed.test (1/1)" in output
    assert "1 DKIM key(s) generated" in output


def test_the_default_length_comes_from_the_parameter(storage, make_domain):
    param_tools.set_global_parameter("dkim_default_key_length", 2048, app="admin")
    make_domain("signed.test", enable_dkim=True)
    manage_dkim_keys()
    assert load_key(storage / "signed.test.pem").key_size == 2048


def test_running_again_changes_nothing(storage, make_domain, received, capsys):
    make_domain("signed.test", enable_dkim=True, dkim_key_length=1024)
    manage_dkim_keys()
    before = (storage / "signed.test.pem").read_bytes()
    received.clear()
    capsys.readouterr()
    manage_dkim_keys()
    assert (storage / "signed.test.pem").read_bytes() == before
    assert received == []
    assert capsys.readouterr().out == ""


def test_a_regenerated_key_replaces_the_old_one(storage, make_domain, superadmin):
    domain = make_domain("signed.test", enable_dkim=True, dkim_key_length=1024)
    manage_dkim_keys()
    old_public = Domain.objects.get(pk=domain.pk).dkim_public_key
    services.regenerate_dkim_key(domain, acting_user=superadmin)
    manage_dkim_keys()
    domain.refresh_from_db()
    assert domain.dkim_public_key not in ("", old_public)
    assert domain.dkim_public_key == public_key_of(load_key(storage / "signed.test.pem"))
    assert stat.S_IMODE((storage / "signed.test.pem").stat().st_mode) == 0o600


def test_a_missing_storage_directory_is_reported_and_nothing_is_written(
    storage, make_domain, unchanged, tmp_path
):
    make_domain("signed.test", enable_dkim=True, dkim_key_length=1024)
    missing = tmp_path / "missing"
    param_tools.set_global_parameter("dkim_keys_storage_dir", str(missing), app="admin")
    with unchanged(), pytest.raises(CommandError, match="does not exist. No key was generated"):
        manage_dkim_keys()
    assert not missing.exists()
    assert os.listdir(storage) == []


def test_no_storage_directory_configured_is_reported(storage, make_domain, unchanged):
    make_domain("signed.test", enable_dkim=True, dkim_key_length=1024)
    param_tools.set_global_parameter("dkim_keys_storage_dir", "", app="admin")
    with unchanged(), pytest.raises(CommandError, match="not configured"):
        manage_dkim_keys()


def test_a_storage_directory_the_user_cannot_write_is_refused():
    # Root writes anywhere: the check runs as nobody, in a directory nobody
    # can reach but not write.
    directory = tempfile.mkdtemp(prefix="modoboa-dkim-")
    try:
        os.chmod(directory, 0o755)
        code, message = run_as("nobody", lambda: dkim.check_storage_directory(directory))
        assert code == 1 and "is not writable" in message
        assert dkim.check_storage_directory(directory) == os.path.realpath(directory)
    finally:
        os.rmdir(directory)


def test_a_relative_storage_directory_is_refused():
    with pytest.raises(dkim.DKIMError, match="absolute"):
        dkim.check_storage_directory("keys")


def test_a_run_does_nothing_while_another_one_works(storage, make_domain, capsys):
    make_domain("signed.test", enable_dkim=True, dkim_key_length=1024)
    with open(storage / dkim.LOCK_FILENAME, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manage_dkim_keys("-v", "2")
    assert "Another manage_dkim_keys run is in progress" in capsys.readouterr().out
    assert Domain.objects.get(name="signed.test").dkim_private_key_path == ""
    manage_dkim_keys()
    assert Domain.objects.get(name="signed.test").dkim_private_key_path


def test_a_symbolic_link_in_place_of_a_key_is_replaced_not_followed(
    storage, make_domain, tmp_path
):
    target = tmp_path / "elsewhere"
    target.write_text("keep me")
    os.symlink(target, storage / "signed.test.pem")
    make_domain("signed.test", enable_dkim=True, dkim_key_length=1024)
    manage_dkim_keys()
    assert target.read_text() == "keep me"
    path = storage / "signed.test.pem"
    assert not path.is_symlink() and load_key(path).key_size == 1024


def test_a_bad_domain_name_never_reaches_the_file_system(storage, make_domain, tmp_path, capsys):
    make_domain("good.test", enable_dkim=True, dkim_key_length=1024)
    evil = make_domain("evil.test", enable_dkim=True, dkim_key_length=1024)
    # Written behind the services' back, as a compromised database could.
    Domain.objects.filter(pk=evil.pk).update(name="../../escape.test")
    with pytest.raises(CommandError, match="1 domain"):
        manage_dkim_keys()
    assert "'../../escape.test' is not a valid domain name" in capsys.readouterr().err
    assert Domain.objects.get(pk=evil.pk).dkim_private_key_path == ""
    assert Domain.objects.get(name="good.test").dkim_private_key_path
    assert sorted(p.name for p in tmp_path.rglob("*.pem")) == ["good.test.pem"]


def test_key_paths_stay_inside_the_storage_directory(tmp_path):
    storage = str(tmp_path)
    assert dkim.key_path(storage, "example.test") == os.path.join(storage, "example.test.pem")
    for name in ("../x.test", "a/b.test", "EXAMPLE.TEST", "x.test\n", "", ".."):
        with pytest.raises(dkim.DKIMError):
            dkim.key_path(storage, name)


def test_an_unreachable_database_is_reported_without_a_traceback():
    result = run_with_unreachable_database("modo", "manage_dkim_keys")
    assert result.returncode == 1
    # The line of every job (docs/cron.rst), before the job does anything.
    assert result.stderr.startswith("CommandError: Cannot reach the database ")
    assert result.stderr.rstrip().endswith("Nothing done.")
    assert "Traceback" not in result.stderr


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_make_one_consistent_key_per_domain(storage, make_domain):
    import subprocess
    import sys

    names = ["d%d.test" % number for number in range(6)]
    for name in names:
        make_domain(name, enable_dkim=True, dkim_key_length=1024)
    command = [sys.executable, "-m", "django", "modo", "manage_dkim_keys", "-v", "2"]
    runs = [
        subprocess.Popen(  # noqa: S603 - fixed argv
            command,
            env=manage_py_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    for name in names:
        domain = Domain.objects.get(name=name)
        assert domain.dkim_public_key == public_key_of(load_key(storage / ("%s.pem" % name)))
    assert sorted(p.name for p in storage.iterdir() if p.suffix == ".pem") == sorted(
        "%s.pem" % name for name in names
    )
    assert not [p.name for p in storage.iterdir() if p.name.endswith(".tmp")]
