"""``postmap -q`` on every map ``generate_postfix_maps`` writes, for keys
that must and must not match, on the engine of the run.
"""

import datetime

import pytest
from django.utils import timezone

from modoboa.admin import services
from modoboa.admin.models import MailboxOperation

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

LMTP = "lmtp:unix:private/dovecot-lmtp"
MAINTENANCE = "450 Requested mail action not taken: mailbox unavailable"


@pytest.fixture
def world(superadmin, make_domain, make_account):
    """Domains in every state, with mailboxes, aliases and forwards."""
    act = {"acting_user": superadmin}
    make_domain("maps.test")
    make_domain("off.test", enabled=False)
    user = make_account("user@maps.test")
    make_account("other@maps.test")
    make_account("gone@maps.test", is_active=False)
    make_account("user@off.test")
    services.create_domain_alias(name="alias-maps.test", target="maps.test", **act)
    services.create_domain_alias(name="offalias.test", target="maps.test", enabled=False, **act)
    services.create_domain_alias(name="to-off.test", target="off.test", **act)
    now = timezone.now()
    services.create_alias(
        address="team@maps.test",
        recipients=["user@maps.test", "other@maps.test", "friend@outside.test"],
        **act,
    )
    services.create_alias(
        address="old@maps.test",
        recipients=["user@maps.test"],
        expire_at=now - datetime.timedelta(days=1),
        **act,
    )
    services.create_alias(
        address="soon@maps.test",
        recipients=["user@maps.test"],
        expire_at=now + datetime.timedelta(days=1),
        **act,
    )
    services.create_alias(
        address="paused@maps.test", recipients=["user@maps.test"], enabled=False, **act
    )
    services.create_alias(address="@maps.test", recipients=["other@maps.test"], **act)
    services.create_alias(address="team@off.test", recipients=["user@off.test"], **act)
    services.create_sender_address(address="me@outside.test", mailbox=user.mailbox, **act)
    services.create_sender_address(address="@partner.test", mailbox=user.mailbox, **act)
    return user


def test_domains_map_lists_enabled_hosted_domains_only(postfix_maps, world, make_domain):
    make_domain(
        "relay.test",
        type="relaydomain",
        transport={"service": "relay", "settings": {"target_host": "127.0.0.1"}},
    )
    assert postfix_maps.query("sql-domains.cf", "maps.test") == "maps.test"
    assert postfix_maps.query("sql-domains.cf", "off.test") is None
    assert postfix_maps.query("sql-domains.cf", "relay.test") is None
    assert postfix_maps.query("sql-domains.cf", "unknown.test") is None
    assert postfix_maps.query("sql-domains.cf", "x' OR '1'='1") is None


def test_domain_aliases_map_needs_the_alias_and_its_target_enabled(postfix_maps, world):
    assert postfix_maps.query("sql-domain-aliases.cf", "alias-maps.test") == "maps.test"
    assert postfix_maps.query("sql-domain-aliases.cf", "offalias.test") is None
    assert postfix_maps.query("sql-domain-aliases.cf", "to-off.test") is None
    assert postfix_maps.query("sql-domain-aliases.cf", "maps.test") is None


def test_aliases_map_expands_live_aliases_of_enabled_domains(postfix_maps, world):
    aliases = "sql-aliases.cf"
    # Every mailbox has its self-alias, so every valid address is listed.
    assert postfix_maps.values(aliases, "user@maps.test") == ["user@maps.test"]
    assert postfix_maps.values(aliases, "gone@maps.test") == ["gone@maps.test"]
    assert postfix_maps.values(aliases, "team@maps.test") == [
        "friend@outside.test",
        "other@maps.test",
        "user@maps.test",
    ]
    assert postfix_maps.values(aliases, "soon@maps.test") == ["user@maps.test"]
    assert postfix_maps.values(aliases, "old@maps.test") == []
    assert postfix_maps.values(aliases, "paused@maps.test") == []
    # Catch-all, and the domain alias's internal alias.
    assert postfix_maps.values(aliases, "@maps.test") == ["other@maps.test"]
    assert postfix_maps.values(aliases, "@alias-maps.test") == ["@maps.test"]
    assert postfix_maps.values(aliases, "@offalias.test") == []
    # A disabled domain answers for nothing.
    assert postfix_maps.values(aliases, "user@off.test") == []
    assert postfix_maps.values(aliases, "team@off.test") == []
    assert postfix_maps.values(aliases, "nobody@maps.test") == []


def test_a_forward_without_local_copies_takes_the_mail_away(postfix_maps, world, superadmin):
    mailbox = world.mailbox
    services.set_forward(mailbox, ["far@outside.test"], False, acting_user=superadmin)
    assert postfix_maps.values("sql-aliases.cf", "user@maps.test") == ["far@outside.test"]
    services.set_forward(mailbox, ["far@outside.test"], True, acting_user=superadmin)
    assert postfix_maps.values("sql-aliases.cf", "user@maps.test") == [
        "far@outside.test",
        "user@maps.test",
    ]
    services.set_forward(mailbox, [], False, acting_user=superadmin)
    assert postfix_maps.values("sql-aliases.cf", "user@maps.test") == ["user@maps.test"]


def test_an_expired_forward_gives_the_mailbox_its_mail_back(postfix_maps, world, superadmin):
    forward = services.set_forward(
        world.mailbox, ["far@outside.test"], False, acting_user=superadmin
    )
    services.update_alias(
        forward, acting_user=superadmin, expire_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert postfix_maps.values("sql-aliases.cf", "user@maps.test") == ["user@maps.test"]
    services.update_alias(forward, acting_user=superadmin, expire_at=None, enabled=False)
    assert postfix_maps.values("sql-aliases.cf", "user@maps.test") == ["user@maps.test"]


def test_maintain_map_answers_450_while_a_rename_is_pending(postfix_maps, world):
    assert postfix_maps.query("sql-maintain.cf", "user@maps.test") is None
    MailboxOperation.objects.create(mailbox=world.mailbox, type="rename", argument="/old")
    assert postfix_maps.query("sql-maintain.cf", "user@maps.test") == MAINTENANCE
    assert postfix_maps.query("sql-maintain.cf", "other@maps.test") is None
    assert postfix_maps.query("sql-maintain.cf", "maps.test") is None
    MailboxOperation.objects.all().delete()
    assert postfix_maps.query("sql-maintain.cf", "user@maps.test") is None


def test_sender_login_map_lists_who_may_send_as_an_address(postfix_maps, world):
    logins = "sql-sender-login-map.cf"
    assert postfix_maps.values(logins, "user@maps.test") == ["user@maps.test"]
    # An extra sender address.
    assert postfix_maps.values(logins, "me@outside.test") == ["user@maps.test"]
    # An alias: the local mailboxes it delivers to.
    assert postfix_maps.values(logins, "team@maps.test") == ["other@maps.test", "user@maps.test"]
    assert postfix_maps.values(logins, "old@maps.test") == []
    assert postfix_maps.values(logins, "paused@maps.test") == []
    assert postfix_maps.values(logins, "@maps.test") == ["other@maps.test"]
    assert postfix_maps.values(logins, "stranger@outside.test") == []


def test_sender_login_map_answers_a_domain_wide_sender_address(postfix_maps, world):
    """Postfix looks ``anyone@partner.test`` up, then ``@partner.test``
    (smtpd_sender_login_maps): the second key names the mailbox allowed to
    send as any address of the domain.
    """
    logins = "sql-sender-login-map.cf"
    assert postfix_maps.values(logins, "@partner.test") == ["user@maps.test"]
    assert postfix_maps.values(logins, "anyone@partner.test") == []
    assert postfix_maps.values(logins, "@other-partner.test") == []


def test_relay_domains_transports_and_split_domains(
    postfix_maps, superadmin, make_domain, make_account
):
    make_domain(
        "relay.test",
        type="relaydomain",
        transport={
            "service": "relay",
            "settings": {
                "target_host": "127.0.0.1",
                "target_port": 2525,
                "verify_recipients": True,
            },
        },
    )
    make_domain(
        "quiet.test",
        type="relaydomain",
        transport={"service": "relay", "settings": {"target_host": "192.0.2.1"}},
    )
    make_domain(
        "offrelay.test",
        type="relaydomain",
        enabled=False,
        transport={"service": "relay", "settings": {"target_host": "192.0.2.2"}},
    )
    make_account("local@relay.test")
    make_account("sleeping@relay.test", is_active=False)

    assert postfix_maps.query("sql-relaydomains.cf", "relay.test") == "relay.test"
    assert postfix_maps.query("sql-relaydomains.cf", "quiet.test") == "quiet.test"
    assert postfix_maps.query("sql-relaydomains.cf", "offrelay.test") is None

    assert postfix_maps.query("sql-transport.cf", "relay.test") == "relay:[127.0.0.1]:2525"
    assert postfix_maps.query("sql-transport.cf", "quiet.test") == "relay:[192.0.2.1]:25"
    assert postfix_maps.query("sql-transport.cf", "unknown.test") is None

    split = "sql-spliteddomains-transport.cf"
    assert postfix_maps.query(split, "local@relay.test") == LMTP
    assert postfix_maps.query(split, "sleeping@relay.test") is None
    assert postfix_maps.query(split, "else@relay.test") is None
    assert postfix_maps.query(split, "relay.test") is None

    verification = "sql-relay-recipient-verification.cf"
    assert postfix_maps.query(verification, "anyone@relay.test") == "reject_unverified_recipient"
    assert postfix_maps.query(verification, "anyone@quiet.test") is None
