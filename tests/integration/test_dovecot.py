"""Dovecot reads what the panel writes: authentication, user lookups, LMTP
delivery, IMAP, quota and last-login tracking, on the engine of the run.
"""

import smtplib

import pytest

from modoboa.admin import services
from modoboa.admin.models import Quota
from modoboa.core.models import User

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "Toto1234!"


def message(subject="Hello", size=0):
    body = "Hello from the tests.\r\n" + ("x" * 76 + "\r\n") * (size // 78)
    return (
        "From: sender@outside.test\r\nTo: someone\r\nSubject: %s\r\n\r\n%s" % (subject, body)
    ).encode()


@pytest.fixture
def mailbox_user(make_domain, make_account):
    make_domain("dovecot.test")
    return make_account("alice@dovecot.test", mailbox={"address": "alice@dovecot.test"})


def test_active_user_authenticates_and_wrong_password_fails(dovecot, mailbox_user):
    assert dovecot.auth_ok("alice@dovecot.test", PASSWORD)
    assert dovecot.auth_ok("ALICE@dovecot.test", PASSWORD)
    assert not dovecot.auth_ok("alice@dovecot.test", "Wrong1234!")
    assert not dovecot.auth_ok("nobody@dovecot.test", PASSWORD)


def test_disabled_account_cannot_authenticate(dovecot, mailbox_user, superadmin):
    services.update_account(mailbox_user, acting_user=superadmin, is_active=False)
    assert not dovecot.auth_ok("alice@dovecot.test", PASSWORD)
    services.update_account(mailbox_user, acting_user=superadmin, is_active=True)
    assert dovecot.auth_ok("alice@dovecot.test", PASSWORD)


def test_disabled_domain_cannot_authenticate(dovecot, mailbox_user, superadmin):
    domain = mailbox_user.mailbox.domain
    services.update_domain(domain, acting_user=superadmin, enabled=False)
    assert not dovecot.auth_ok("alice@dovecot.test", PASSWORD)


def test_password_change_in_the_panel_is_seen_at_once(dovecot, mailbox_user, superadmin):
    services.set_account_password(mailbox_user, "Other5678!", acting_user=superadmin)
    assert dovecot.auth_ok("alice@dovecot.test", "Other5678!")
    assert not dovecot.auth_ok("alice@dovecot.test", PASSWORD)


def test_account_without_mailbox_cannot_authenticate(dovecot, superadmin):
    User.objects.filter(pk=superadmin.pk).update(email="admin@dovecot.test")
    assert not dovecot.auth_ok("admin@dovecot.test", "password")


def test_userdb_gives_home_and_quota_set_in_the_panel(dovecot, mailbox_user, superadmin):
    services.update_quota(mailbox_user.mailbox, acting_user=superadmin, quota=25)
    result = dovecot.doveadm("user", "alice@dovecot.test", check=True)
    fields = dict(line.split("\t", 1) for line in result.stdout.splitlines() if "\t" in line)
    assert fields["home"] == str(dovecot.home("alice@dovecot.test"))
    assert fields["quota_rule"] == "*:bytes=25M"
    assert dovecot.doveadm("user", "nobody@dovecot.test").returncode == 67


def test_iterate_lists_the_addresses_of_mailboxes(dovecot, mailbox_user, make_account):
    make_account("bob@dovecot.test", mailbox={"address": "bob@dovecot.test"})
    result = dovecot.doveadm("user", "*", check=True)
    assert sorted(result.stdout.split()) == ["alice@dovecot.test", "bob@dovecot.test"]


def test_lmtp_delivery_lands_in_the_mailbox_and_imap_sees_it(dovecot, mailbox_user):
    assert dovecot.lmtp(["alice@dovecot.test"], message("First")) == {}
    messages = dovecot.messages("alice@dovecot.test")
    assert len(messages) == 1 and b"Subject: First" in messages[0]
    assert dovecot.imap_login("alice@dovecot.test", PASSWORD) == 1
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        dovecot.lmtp(["nobody@dovecot.test"], message())
    assert refused.value.recipients["nobody@dovecot.test"][0] == 550


def test_imap_refuses_a_wrong_password(dovecot, mailbox_user):
    import imaplib

    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        dovecot.imap_login("alice@dovecot.test", "Wrong1234!", source="127.0.0.2")


def test_delivery_updates_admin_quota(dovecot, mailbox_user):
    dovecot.lmtp(["alice@dovecot.test"], message("One", size=3000))
    dovecot.lmtp(["alice@dovecot.test"], message("Two", size=1000))
    sizes = dovecot.stored_bytes("alice@dovecot.test")
    assert sizes > 4000
    quota = Quota.objects.get(username="alice@dovecot.test")
    assert (quota.messages, quota.bytes) == (2, sizes)
    assert mailbox_user.mailbox.used_bytes == sizes


def test_quota_recalc_replaces_the_usage(dovecot, mailbox_user):
    """``doveadm quota recalc`` rewrites the row: the PostgreSQL merge
    trigger must not turn its replacement into an increment.
    """
    dovecot.lmtp(["alice@dovecot.test"], message("One", size=2000))
    sizes = dovecot.stored_bytes("alice@dovecot.test")
    Quota.objects.filter(username="alice@dovecot.test").update(bytes=123456789, messages=42)
    dovecot.doveadm("quota", "recalc", "-u", "alice@dovecot.test", check=True)
    quota = Quota.objects.get(username="alice@dovecot.test")
    assert (quota.messages, quota.bytes) == (1, sizes)
    # Twice in a row gives the same values.
    dovecot.doveadm("quota", "recalc", "-A", check=True)
    quota = Quota.objects.get(username="alice@dovecot.test")
    assert (quota.messages, quota.bytes) == (1, sizes)


def test_postgresql_has_the_quota_merge_trigger_and_other_engines_do_not(dovecot):
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'admin_quota'::regclass "
                "AND NOT tgisinternal"
            )
            assert [row[0] for row in cursor.fetchall()] == ["admin_quota_merge"]
        elif connection.vendor == "mysql":
            cursor.execute("SHOW TRIGGERS LIKE 'admin_quota'")
            assert cursor.fetchall() == ()
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            assert cursor.fetchall() == []


def test_delivery_recreates_a_missing_quota_row(dovecot, mailbox_user):
    Quota.objects.filter(username="alice@dovecot.test").delete()
    dovecot.lmtp(["alice@dovecot.test"], message("One", size=1500))
    quota = Quota.objects.get(username="alice@dovecot.test")
    assert (quota.messages, quota.bytes) == (1, dovecot.stored_bytes("alice@dovecot.test"))


def test_quota_recalc_recreates_a_missing_row(dovecot, mailbox_user):
    dovecot.lmtp(["alice@dovecot.test"], message("One"))
    Quota.objects.filter(username="alice@dovecot.test").delete()
    dovecot.doveadm("quota", "recalc", "-u", "alice@dovecot.test", check=True)
    quota = Quota.objects.get(username="alice@dovecot.test")
    assert quota.messages == 1 and quota.bytes > 0


def test_delivery_over_the_quota_set_in_the_panel_is_refused(dovecot, mailbox_user, superadmin):
    services.update_quota(mailbox_user.mailbox, acting_user=superadmin, quota=1)
    assert dovecot.lmtp(["alice@dovecot.test"], message("Small", size=200_000)) == {}
    # Without a SIZE announced, the LMTP server refuses at the end of DATA.
    with pytest.raises(smtplib.SMTPDataError) as refused:
        dovecot.lmtp(["alice@dovecot.test"], message("Big", size=1_100_000))
    assert refused.value.smtp_code == 552
    assert b"Quota exceeded" in refused.value.smtp_error
    assert len(dovecot.messages("alice@dovecot.test")) == 1
    services.update_quota(mailbox_user.mailbox, acting_user=superadmin, quota=0)
    assert dovecot.lmtp(["alice@dovecot.test"], message("Big", size=1_100_000)) == {}


def test_imap_login_updates_last_login_through_the_post_login_script(dovecot, mailbox_user):
    assert User.objects.get(pk=mailbox_user.pk).last_login is None
    dovecot.imap_login("alice@dovecot.test", PASSWORD)
    account = User.objects.get(pk=mailbox_user.pk)
    assert account.last_login is not None
    from django.utils import timezone

    assert abs((timezone.now() - account.last_login).total_seconds()) < 120


def test_pop3_login_updates_last_login_too(dovecot, mailbox_user):
    import poplib

    client = poplib.POP3("127.0.0.1", dovecot.pop3_port, timeout=30)
    try:
        client.user("alice@dovecot.test")
        client.pass_(PASSWORD)
        assert client.stat() == (0, 0)
    finally:
        client.quit()
    assert User.objects.get(pk=mailbox_user.pk).last_login is not None
