"""The nightly jobs: ``cleanlogs`` and ``clean_inactive_accounts``."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from modoboa.admin.models import Mailbox
from modoboa.core.models import Log, User
from modoboa.parameters import tools as param_tools


def set_core_params(**values):
    localconfig = param_tools.get_localconfig()
    localconfig.parameters.set_values(values, app="core")
    localconfig.save()


def run(name, *args, answer=None, monkeypatch=None):
    out, err = io.StringIO(), io.StringIO()
    if answer is not None:
        monkeypatch.setattr("builtins.input", lambda prompt: answer)
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_cleanlogs_deletes_lines_older_than_the_maximum_age(superadmin):
    set_core_params(log_maximum_age=10)
    old = Log.objects.create(message="old", level="INFO", logger="modoboa.admin")
    recent = Log.objects.create(message="recent", level="INFO", logger="modoboa.admin")
    Log.objects.filter(pk=old.pk).update(date_created=timezone.now() - timedelta(days=11))
    Log.objects.filter(pk=recent.pk).update(date_created=timezone.now() - timedelta(days=9))
    out, _err = run("cleanlogs", "--verbose")
    assert "1 log line(s) deleted" in out
    assert list(Log.objects.filter(pk__in=[old.pk, recent.pk])) == [recent]
    # Twice in a row: nothing more to do, no error.
    out, _err = run("cleanlogs", "--verbose")
    assert "0 log line(s) deleted" in out


@pytest.fixture
def inactive(make_account, domain, superadmin):
    set_core_params(inactive_account_threshold=30)
    accounts = {
        "old": make_account("old@test.com"),
        "recent": make_account("recent@test.com"),
        "never": make_account("never@test.com"),
    }
    now = timezone.now()
    User.objects.filter(username="old@test.com").update(last_login=now - timedelta(days=31))
    User.objects.filter(username="recent@test.com").update(last_login=now - timedelta(days=29))
    User.objects.filter(pk=superadmin.pk).update(last_login=now - timedelta(days=400))
    return accounts


def test_inactive_accounts_are_disabled_after_confirmation(inactive, monkeypatch):
    out, _err = run("clean_inactive_accounts", answer="y", monkeypatch=monkeypatch)
    assert "1 inactive account(s): old@test.com" in out
    assert "1 account(s) disabled" in out
    states = dict(User.objects.values_list("username", "is_active"))
    assert states == {
        "admin": True,
        "old@test.com": False,
        "recent@test.com": True,
        "never@test.com": True,
    }


def test_answering_no_changes_nothing(inactive, monkeypatch):
    out, _err = run("clean_inactive_accounts", "--delete", answer="n", monkeypatch=monkeypatch)
    assert "Nothing done" in out
    assert User.objects.get(username="old@test.com").is_active


def test_dry_run_only_lists(inactive):
    out, _err = run("clean_inactive_accounts", "--dry-run", "--delete")
    assert "old@test.com" in out
    assert User.objects.get(username="old@test.com").is_active


def test_silent_delete_goes_through_the_service_layer(inactive):
    out, _err = run("clean_inactive_accounts", "--delete", "--silent")
    assert out == ""
    assert not User.objects.filter(username="old@test.com").exists()
    assert not Mailbox.objects.filter(address="old", domain__name="test.com").exists()
    assert User.objects.filter(username="never@test.com").exists()
    # Twice in a row: nothing left to do.
    out, _err = run("clean_inactive_accounts", "--delete", "--silent", "--verbose")
    assert "No inactive account" in out


def test_a_running_copy_blocks_the_second(inactive):
    from modoboa.lib.cronlock import job_lock

    with job_lock("clean_inactive_accounts"):
        _out, err = run("clean_inactive_accounts", "--silent")
        assert err == ""  # quiet for cron: two nodes collide on every run
        _out, err = run("clean_inactive_accounts", "--silent", "-v", "2")
    assert "clean_inactive_accounts: another run holds its lock" in err
    assert User.objects.get(username="old@test.com").is_active
