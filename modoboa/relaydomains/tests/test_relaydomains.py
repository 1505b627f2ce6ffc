"""Relay domains: a domain of type relaydomain with its relay Transport and
its recipient verification row."""

import json

import pytest

from modoboa.admin import services
from modoboa.admin.models import Domain
from modoboa.lib.exceptions import BadRequest
from modoboa.relaydomains.models import RecipientAccess
from modoboa.transport.models import Transport

pytestmark = pytest.mark.django_db


def relay(acting_user, name="relay.com", **settings):
    settings.setdefault("relay_target_host", "mx.relay.com")
    return services.create_domain(
        acting_user=acting_user,
        name=name,
        type="relaydomain",
        transport={"service": "relay", "settings": settings},
    )


def test_a_relay_domain_has_its_transport(superadmin):
    domain = relay(superadmin, relay_target_port="2525")
    transport = Transport.objects.get(pattern="relay.com")
    assert domain.transport == transport
    assert (transport.service, transport.next_hop) == ("relay", "[mx.relay.com]:2525")
    assert transport._settings == {
        "relay_target_host": "mx.relay.com",
        "relay_target_port": 2525,
        "relay_verify_recipients": False,
    }
    assert not RecipientAccess.objects.exists()
    assert [tag["name"] for tag in domain.tags] == ["relaydomain", "relay"]


def test_default_port_and_ipv6_next_hop(superadmin):
    relay(superadmin, relay_target_host="2001:db8::25")
    assert Transport.objects.get().next_hop == "[ipv6:2001:db8::25]:25"


def test_recipient_verification_adds_a_row(superadmin):
    domain = relay(superadmin, relay_verify_recipients="yes")
    access = RecipientAccess.objects.get()
    assert (access.pattern, access.action) == ("relay.com", "reject_unverified_recipient")
    services.update_domain(
        domain,
        acting_user=superadmin,
        transport={"service": "relay", "settings": {"relay_target_host": "mx.relay.com"}},
    )
    assert not RecipientAccess.objects.exists()


def test_settings_sent_as_a_json_string_as_the_api_does(superadmin):
    services.create_domain(
        acting_user=superadmin,
        name="relay.com",
        type="relaydomain",
        transport={
            "service": "relay",
            "_settings": json.dumps({"relay_target_host": "10.0.0.25", "relay_target_port": 26}),
        },
    )
    assert Transport.objects.get().next_hop == "[10.0.0.25]:26"


@pytest.mark.parametrize(
    "settings,field",
    [
        ({}, "relay_target_host"),
        ({"relay_target_host": "mx relay"}, "relay_target_host"),
        ({"relay_target_host": "mx.relay.com\n"}, None),
        ({"relay_target_host": "mx;reboot"}, "relay_target_host"),
        ({"relay_target_host": "[mx]"}, "relay_target_host"),
        ({"relay_target_host": "mx.relay.com", "relay_target_port": 0}, "relay_target_port"),
        ({"relay_target_host": "mx.relay.com", "relay_target_port": 70000}, "relay_target_port"),
        ({"relay_target_host": "mx.relay.com", "relay_target_port": "x"}, "relay_target_port"),
        ({"relay_target_host": "m" * 63 + "." + "x" * 63 + ".com"}, "next_hop"),
    ],
)
def test_bad_transport_settings(superadmin, settings, field, unchanged):
    if field is None:
        # Surrounding blanks are trimmed, as for every name.
        relay(superadmin, **settings)
        assert Transport.objects.get().next_hop == "[mx.relay.com]:25"
        return
    with unchanged(), pytest.raises(BadRequest) as exc:
        services.create_domain(
            acting_user=superadmin,
            name="relay.com",
            type="relaydomain",
            transport={"service": "relay", "settings": settings},
        )
    assert field in exc.value.errors


def test_unknown_service_and_bad_json(superadmin, unchanged):
    with unchanged(), pytest.raises(BadRequest) as exc:
        services.create_domain(
            acting_user=superadmin,
            name="relay.com",
            type="relaydomain",
            transport={"service": "carrier-pigeon", "settings": {}},
        )
    assert exc.value.field == "service"
    with unchanged(), pytest.raises(BadRequest) as exc:
        services.create_domain(
            acting_user=superadmin,
            name="relay.com",
            type="relaydomain",
            transport={"service": "relay", "_settings": "{not json"},
        )
    assert exc.value.field == "transport"


def test_renaming_a_relay_domain_moves_its_transport(superadmin):
    domain = relay(superadmin, relay_verify_recipients=True)
    services.update_domain(domain, acting_user=superadmin, name="other.com")
    assert Transport.objects.get().pattern == "other.com"
    assert RecipientAccess.objects.get().pattern == "other.com"


def test_a_relay_domain_turned_into_a_domain_loses_its_transport(superadmin):
    domain = relay(superadmin, relay_verify_recipients=True)
    services.update_domain(domain, acting_user=superadmin, type="domain")
    assert Domain.objects.get(pk=domain.pk).transport is None
    assert not Transport.objects.exists() and not RecipientAccess.objects.exists()


def test_a_domain_turned_into_a_relay_domain_gets_one(superadmin, domain):
    services.update_domain(
        domain,
        acting_user=superadmin,
        type="relaydomain",
        transport={"service": "relay", "settings": {"relay_target_host": "mx.test.com"}},
    )
    assert Domain.objects.get(pk=domain.pk).transport.next_hop == "[mx.test.com]:25"


def test_renaming_a_domain_drops_a_stray_transport_of_its_old_name(superadmin, domain):
    from modoboa.transport import services as transport_services

    transport_services.create_transport(
        "test.com", "relay", {"relay_target_host": "old.test.com"}, acting_user=superadmin
    )
    services.update_domain(domain, acting_user=superadmin, name="renamed.com")
    assert not Transport.objects.exists()


def test_reversion_records_the_transport(superadmin):
    import reversion

    relay(superadmin)
    assert reversion.models.Version.objects.get_for_model(Transport).count() == 1
