"""The relaydomains/ endpoint: relay domains and their transport."""

import pytest

from modoboa.admin.models import Domain
from modoboa.relaydomains.models import RecipientAccess
from modoboa.transport.models import Transport


def create(client, **payload):
    return client.post("/api/v1/relaydomains/", payload, format="json")


def test_relay_domain_with_settings_sent_as_a_json_string(api, superadmin):
    response = create(
        api(superadmin),
        name="Relay.com",
        transport={
            "service": "relay",
            "_settings": '{"relay_target_host": "mx.relay.org", "relay_target_port": 2525}',
        },
    )
    assert response.status_code == 201, response.body
    body = response.body
    assert body["name"] == "relay.com"
    assert body["transport"]["service"] == "relay"
    assert body["transport"]["_settings"] == {
        "relay_target_host": "mx.relay.org",
        "relay_target_port": 2525,
        "relay_verify_recipients": False,
    }
    domain = Domain.objects.get(pk=body["pk"])
    assert domain.type == "relaydomain"
    assert (domain.transport.pattern, domain.transport.next_hop) == (
        "relay.com",
        "[mx.relay.org]:2525",
    )


def test_relay_domain_with_settings_as_an_object_and_recipient_checks(api, superadmin):
    response = create(
        api(superadmin),
        name="relay.com",
        transport={
            "_settings": {
                "relay_target_host": "192.0.2.1",
                "relay_target_port": 25,
                "relay_verify_recipients": True,
            }
        },
    )
    assert response.status_code == 201, response.body
    assert RecipientAccess.objects.filter(pattern="relay.com").exists()


@pytest.mark.parametrize(
    "transport,path",
    [
        ({"service": "relay", "_settings": {}}, ("transport", "_settings", "relay_target_host")),
        (
            {"_settings": {"relay_target_host": "not a host!"}},
            ("transport", "_settings", "relay_target_host"),
        ),
        # 1.10's API required the port (the console fills in 25).
        (
            {"_settings": {"relay_target_host": "mx.org"}},
            ("transport", "_settings", "relay_target_port"),
        ),
        (
            {"_settings": {"relay_target_host": "mx.org", "relay_target_port": 70000}},
            ("transport", "_settings", "relay_target_port"),
        ),
        ({"_settings": "{not json"}, ("transport", "_settings")),
        ({"_settings": "[1, 2]"}, ("transport", "_settings")),
        ({"service": "pigeon", "_settings": {}}, ("transport", "service")),
        ("relay", ("transport",)),
    ],
)
def test_bad_transport_settings_are_400_naming_the_setting(
    api, superadmin, unchanged, transport, path
):
    client = api(superadmin)
    with unchanged():
        response = create(client, name="relay.com", transport=transport)
    assert response.status_code == 400, response.body
    node = response.body
    for key in path:
        assert key in node, response.body
        node = node[key]


def test_transport_is_required(api, superadmin, unchanged):
    client = api(superadmin)
    with unchanged():
        response = create(client, name="relay.com")
    assert response.status_code == 400
    assert "transport" in response.body


def test_update_keeps_the_pattern_equal_to_the_name(api, superadmin):
    client = api(superadmin)
    pk = create(
        client,
        name="relay.com",
        transport={"_settings": {"relay_target_host": "192.0.2.1", "relay_target_port": 25}},
    ).body["pk"]
    response = client.put(
        "/api/v1/relaydomains/%d/" % pk,
        {"name": "moved.com", "transport": {"_settings": {"relay_target_host": "192.0.2.7"}}},
        format="json",
    )
    assert response.status_code == 200, response.body
    transport = Transport.objects.get()
    assert (transport.pattern, transport.next_hop) == ("moved.com", "[192.0.2.7]:25")
    response = client.patch("/api/v1/relaydomains/%d/" % pk, {"enabled": False}, format="json")
    assert response.body["enabled"] is False
    assert Transport.objects.get().next_hop == "[192.0.2.7]:25"


def test_delete_removes_the_transport(api, superadmin):
    client = api(superadmin)
    pk = create(
        client,
        name="relay.com",
        transport={
            "_settings": {
                "relay_target_host": "192.0.2.1",
                "relay_target_port": 25,
                "relay_verify_recipients": 1,
            }
        },
    ).body["pk"]
    assert client.delete("/api/v1/relaydomains/%d/" % pk).status_code == 204
    assert not Domain.objects.filter(pk=pk).exists()
    assert not Transport.objects.exists()
    assert not RecipientAccess.objects.exists()


def test_relay_domains_are_listed_apart_from_domains(api, superadmin, domain):
    client = api(superadmin)
    create(
        client,
        name="relay.com",
        transport={"_settings": {"relay_target_host": "192.0.2.1", "relay_target_port": 25}},
    )
    assert [row["name"] for row in client.get("/api/v1/relaydomains/").body] == ["relay.com"]
    assert client.get("/api/v1/relaydomains/%d/" % domain.pk).status_code == 404
    names = [row["name"] for row in client.get("/api/v1/domains/").body]
    assert names == ["relay.com", "test.com"]


def test_reseller_with_a_quota_pool_creates_relay_domains(api, reseller):
    """A relay domain stores no mail: it needs no share of the reseller's
    quota pool.
    """
    response = create(
        api(reseller),
        name="relay.com",
        transport={"_settings": {"relay_target_host": "mx.org", "relay_target_port": 25}},
    )
    assert response.status_code == 201, response.body
    assert Domain.objects.get(name="relay.com").quota == 0


def test_domain_admin_reads_but_cannot_change_relay_domains(
    api, superadmin, domain_admin, unchanged
):
    from modoboa.admin import services

    relay = services.create_domain(
        acting_user=superadmin,
        name="relay.com",
        type="relaydomain",
        transport={"settings": {"relay_target_host": "mx.org"}},
    )
    services.add_domain_admin(relay, domain_admin, acting_user=superadmin)
    client = api(domain_admin)
    assert client.get("/api/v1/relaydomains/%d/" % relay.pk).status_code == 200
    with unchanged():
        response = client.patch(
            "/api/v1/relaydomains/%d/" % relay.pk, {"enabled": False}, format="json"
        )
    assert response.status_code == 403
