"""Hostile administrator input never gets through a service, and a refused
call writes nothing: every value below would otherwise reach a Postfix map,
a Dovecot home path, the post-login shell script or a DNS record.
"""

import pytest

from modoboa.admin import services
from modoboa.lib.exceptions import BadRequest

pytestmark = pytest.mark.django_db

HOSTILE_NAMES = [
    "../etc",
    "a.com/../../etc",
    "a.com;rm -rf /",
    "a.com' OR '1'='1",
    'a".com',
    "a.com\nb.com",
    "a.com\rb.com",
    "a\x00.com",
    "a .com",
    "exаmple.com",  # Cyrillic "а"
    "ｅxample.com",  # full-width e
    "$(reboot).com",
    "`id`.com",
    "%d.com",
    "x" * 250 + ".com",
]

HOSTILE_LOCAL_PARTS = [
    "../../x",
    "a/b",
    "a'b",
    'a"b',
    "a;b",
    "a b",
    "a\nb",
    "a\x00b",
    "$(id)",
    "`id`",
    "%n",
    "usér",
    "x" * 65,
]


@pytest.mark.parametrize("value", HOSTILE_NAMES)
def test_domain_names(superadmin, domain, value, unchanged):
    with unchanged():
        for call in (
            lambda: services.create_domain(acting_user=superadmin, name=value),
            lambda: services.update_domain(domain, acting_user=superadmin, name=value),
            lambda: services.create_domain_alias(
                acting_user=superadmin, name=value, target=domain
            ),
        ):
            with pytest.raises(BadRequest) as exc:
                call()
            assert exc.value.field == "name"


@pytest.mark.parametrize("value", HOSTILE_LOCAL_PARTS)
def test_addresses(superadmin, simple_user, value, unchanged):
    address = "%s@test.com" % value
    with unchanged():
        for call, field in (
            (
                lambda: services.create_account(
                    acting_user=superadmin, username=address, password="Toto1234!"
                ),
                "username",
            ),
            (
                lambda: services.create_alias(
                    acting_user=superadmin, address=address, recipients=["a@gmail.com"]
                ),
                "address",
            ),
            (
                lambda: services.create_alias(
                    acting_user=superadmin, address="ok@test.com", recipients=[address]
                ),
                "recipients",
            ),
            (
                lambda: services.rename_mailbox(
                    simple_user.mailbox, address, acting_user=superadmin
                ),
                "email",
            ),
            (
                lambda: services.set_forward(
                    simple_user.mailbox, [address], acting_user=simple_user
                ),
                "recipients",
            ),
            (
                lambda: services.create_sender_address(
                    acting_user=superadmin, address=address, mailbox=simple_user.mailbox
                ),
                "address",
            ),
            (
                lambda: services.update_account(
                    simple_user, acting_user=superadmin, aliases=[address]
                ),
                "aliases",
            ),
        ):
            with pytest.raises(BadRequest) as exc:
                call()
            assert exc.value.field == field, (field, exc.value.errors)


@pytest.mark.parametrize("value", ["a b", "x\ny", "../k", "s;id", "'", "é", "", "s" * 31])
def test_dkim_selectors(superadmin, domain, value, unchanged):
    with unchanged(), pytest.raises(BadRequest) as exc:
        services.update_domain(domain, acting_user=superadmin, dkim_key_selector=value)
    assert exc.value.field == "dkim_key_selector"


@pytest.mark.parametrize("value", HOSTILE_NAMES + ["[::1]", "host:25"])
def test_relay_hosts(superadmin, value, unchanged):
    with unchanged(), pytest.raises(BadRequest):
        services.create_domain(
            acting_user=superadmin,
            name="relay.com",
            type="relaydomain",
            transport={"service": "relay", "settings": {"relay_target_host": value}},
        )
