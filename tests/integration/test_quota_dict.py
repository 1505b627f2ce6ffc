"""The panel's quota dict server (``manage.py modo quota_dict``): Dovecot's
own dict client talks to it, and an update waits for a locked database
instead of being dropped (what Dovecot's SQLite driver does after 1 s).
"""

import threading
import time

import pytest
from django.db import connection, transaction
from django.db.models import F

from modoboa.admin.models import Quota
from tests.fixtures.dovecot import start_quota_dict

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

USER = "carol@dict.test"


@pytest.fixture(scope="module")
def quota_dict(dovecot_server, mailboxes_owner):
    server = start_quota_dict(dovecot_server.base / "quota-dict-tests", mailboxes_owner[2])
    yield server
    server.stop()


@pytest.fixture
def row(make_domain, make_account):
    make_domain("dict.test")
    make_account(USER, mailbox={"address": USER})
    Quota.objects.filter(username=USER).update(bytes=100, messages=2)
    return USER


def dict_command(dovecot, uri, *args, user=USER):
    return dovecot.doveadm("dict", args[0], "-u", user, uri, *args[1:])


def uri(server):
    return "proxy:%s:quota" % server.socket


def test_lookups_increments_and_sets_reach_admin_quota(dovecot, quota_dict, row):
    found = dict_command(dovecot, uri(quota_dict), "get", "priv/quota/storage")
    assert (found.returncode, found.stdout.strip()) == (0, "100")
    assert (
        dict_command(dovecot, uri(quota_dict), "inc", "priv/quota/storage", "50").returncode == 0
    )
    assert (
        dict_command(dovecot, uri(quota_dict), "inc", "priv/quota/messages", "1").returncode == 0
    )
    assert (
        dict_command(dovecot, uri(quota_dict), "set", "priv/quota/messages", "7").returncode == 0
    )
    quota = Quota.objects.get(username=USER)
    assert (quota.bytes, quota.messages) == (150, 7)


def test_unknown_user_is_not_found_and_nothing_is_created(dovecot, quota_dict, row):
    lookup = dict_command(
        dovecot, uri(quota_dict), "get", "priv/quota/storage", user="nobody@dict.test"
    )
    assert lookup.returncode != 0 and lookup.stdout.strip() == ""
    increment = dict_command(
        dovecot, uri(quota_dict), "inc", "priv/quota/storage", "10", user="nobody@dict.test"
    )
    assert increment.returncode != 0
    assert not Quota.objects.filter(username="nobody@dict.test").exists()


def test_a_key_outside_the_quota_fails_clearly(dovecot, quota_dict, row):
    result = dict_command(dovecot, uri(quota_dict), "inc", "priv/other", "10")
    assert result.returncode != 0
    assert "unknown key priv/other" in result.stderr
    assert Quota.objects.get(username=USER).bytes == 100


def hold_the_lock(seconds, ready):
    """A panel write transaction that keeps the write lock (SQLite) or the
    row lock (PostgreSQL, MariaDB) for ``seconds``.
    """
    try:
        with transaction.atomic():
            Quota.objects.filter(username=USER).update(messages=F("messages"))
            ready.set()
            time.sleep(seconds)
    finally:
        connection.close()


def test_an_update_waits_for_a_locked_database_instead_of_being_dropped(dovecot, quota_dict, row):
    ready = threading.Event()
    holder = threading.Thread(target=hold_the_lock, args=(3, ready))
    holder.start()
    try:
        assert ready.wait(10)
        started = time.monotonic()
        ours = dict_command(dovecot, uri(quota_dict), "inc", "priv/quota/storage", "10")
        waited = time.monotonic() - started
        if connection.vendor == "sqlite":
            # Dovecot's own dict gives up after its driver's one second.
            holder.join()
            ready.clear()
            holder = threading.Thread(target=hold_the_lock, args=(3, ready))
            holder.start()
            assert ready.wait(10)
            theirs = dict_command(dovecot, "proxy::quota", "inc", "priv/quota/storage", "10")
            assert theirs.returncode != 0
            assert "database is locked" in theirs.stderr
    finally:
        holder.join()
    assert ours.returncode == 0, ours.stderr
    assert waited > 1.5
    assert Quota.objects.get(username=USER).bytes == 110


def test_dovecot_uses_the_quota_dict_server_on_sqlite(dovecot):
    config = dovecot.doveadm("config", "-h", "plugin/quota", check=True).stdout.strip()
    if connection.vendor == "sqlite":
        assert config.startswith("dict:User quota::proxy:/")
        assert config.endswith("quota-dict.sock:quota")
    else:
        assert config == "dict:User quota::proxy::quota"


def test_past_its_deadline_an_update_fails_and_changes_nothing(
    dovecot, dovecot_server, mailboxes_owner, row
):
    impatient = start_quota_dict(
        dovecot_server.base / "quota-dict-impatient", mailboxes_owner[2], "--deadline", "1"
    )
    ready = threading.Event()
    holder = threading.Thread(target=hold_the_lock, args=(4, ready))
    holder.start()
    try:
        assert ready.wait(10)
        result = dict_command(dovecot, uri(impatient), "inc", "priv/quota/storage", "10")
    finally:
        holder.join()
        impatient.stop()
    if connection.vendor == "sqlite":
        # SQLite says "locked": waited and tried again for a second, then
        # a failure Dovecot logs (the delivery itself is not refused).
        assert result.returncode != 0
        assert "database is locked" in result.stderr
        assert Quota.objects.get(username=USER).bytes == 100
    else:
        # PostgreSQL and MariaDB wait for the row lock inside the server.
        assert result.returncode == 0, result.stderr
        assert Quota.objects.get(username=USER).bytes == 110
