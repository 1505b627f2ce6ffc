"""The aliases/ and senderaddresses/ endpoints."""

import pytest

from modoboa.admin import services
from modoboa.admin.models import Alias, SenderAddress


def create(client, **payload):
    return client.post("/api/v1/aliases/", payload, format="json")


def test_alias_with_local_and_external_recipients(api, superadmin, simple_user):
    response = create(
        api(superadmin),
        address="Team@test.com",
        recipients=["user@test.com", "Someone@Elsewhere.org"],
        description="The team",
    )
    assert response.status_code == 201, response.body
    body = response.body
    assert body["address"] == "team@test.com"
    assert body["recipients"] == ["someone@elsewhere.org", "user@test.com"]
    assert (body["enabled"], body["internal"], body["description"]) == (True, False, "The team")
    alias = Alias.objects.get(pk=body["pk"])
    assert alias.aliasrecipient_set.get(address="user@test.com").r_mailbox == simple_user.mailbox


def test_catchall_alias(api, superadmin, domain):
    response = create(api(superadmin), address="@test.com", recipients=["all@elsewhere.org"])
    assert response.status_code == 201, response.body
    assert response.body["address"] == "@test.com"


def test_alias_expiry_round_trip(api, superadmin, domain):
    response = create(
        api(superadmin),
        address="temp@test.com",
        recipients=["x@elsewhere.org"],
        expire_at="2030-01-02T03:04:05Z",
    )
    assert response.status_code == 201, response.body
    assert response.body["expire_at"] == "2030-01-02T03:04:05Z"


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"address": "a@test.com", "recipients": []}, "recipients"),
        ({"address": "a@test.com"}, "recipients"),
        ({"address": "a@test.com", "recipients": "x@y.org"}, "recipients"),
        ({"address": "a@test.com", "recipients": ["not an address"]}, "recipients"),
        ({"address": "a@test.com", "recipients": ["ghost@test.com"]}, "recipients"),
        ({"address": "a@nowhere.com", "recipients": ["x@y.org"]}, "address"),
        ({"address": "not an address", "recipients": ["x@y.org"]}, "address"),
        ({"address": "a@test.com", "recipients": ["x@y.org"], "expire_at": "soon"}, "expire_at"),
    ],
)
def test_bad_alias_values_are_400_naming_the_field(
    api, superadmin, domain, unchanged, payload, field
):
    client = api(superadmin)
    with unchanged():
        response = client.post("/api/v1/aliases/", payload, format="json")
    assert response.status_code == 400, response.body
    assert field in response.body


def test_alias_on_an_existing_address_is_a_conflict(api, superadmin, domain, unchanged):
    client = api(superadmin)
    assert create(client, address="a@test.com", recipients=["x@y.org"]).status_code == 201
    with unchanged():
        response = create(client, address="A@test.com", recipients=["z@y.org"])
    # 409 in the console; 400 under API v1, as in 1.10.
    assert response.status_code == 400
    assert list(response.body) == ["address"]


def test_domain_admin_cannot_alias_other_domains(api, domain_admin, other_domain, unchanged):
    client = api(domain_admin)
    with unchanged():
        response = create(client, address="a@test2.com", recipients=["x@y.org"])
    assert response.status_code == 400
    assert "does not exist" in response.body["address"][0]


def test_domain_admin_alias_limit_is_400(api, domain_admin, set_limits, unchanged):
    set_limits(domain_admin, mailbox_aliases=0)
    client = api(domain_admin)
    with unchanged():
        response = create(client, address="a@test.com", recipients=["x@y.org"])
    assert response.status_code == 400
    assert response.body == "Mailbox aliases: limit reached"


def test_internal_aliases_are_not_exposed(api, superadmin, simple_user):
    client = api(superadmin)
    assert client.get("/api/v1/aliases/").body == []
    internal = Alias.objects.get(address="user@test.com", internal=True)
    assert client.get("/api/v1/aliases/%d/" % internal.pk).status_code == 404
    assert client.delete("/api/v1/aliases/%d/" % internal.pk).status_code == 404
    assert Alias.objects.filter(pk=internal.pk).exists()


def test_alias_update_replaces_recipients(api, superadmin, domain):
    alias = services.create_alias(
        acting_user=superadmin, address="a@test.com", recipients=["x@y.org", "z@y.org"]
    )
    client = api(superadmin)
    response = client.put(
        "/api/v1/aliases/%d/" % alias.pk,
        {"address": "b@test.com", "recipients": ["w@y.org"]},
        format="json",
    )
    assert response.status_code == 200, response.body
    assert (response.body["address"], response.body["recipients"]) == ("b@test.com", ["w@y.org"])
    response = client.patch("/api/v1/aliases/%d/" % alias.pk, {"enabled": False}, format="json")
    assert response.body["enabled"] is False
    assert response.body["recipients"] == ["w@y.org"]


def test_alias_domain_filter_and_delete(api, superadmin, domain, other_domain):
    first = services.create_alias(
        acting_user=superadmin, address="a@test.com", recipients=["x@y.org"]
    )
    services.create_alias(acting_user=superadmin, address="a@test2.com", recipients=["x@y.org"])
    client = api(superadmin)
    assert [row["address"] for row in client.get("/api/v1/aliases/?domain=test.com").body] == [
        "a@test.com"
    ]
    assert client.delete("/api/v1/aliases/%d/" % first.pk).status_code == 204
    assert not Alias.objects.filter(pk=first.pk).exists()


# Sender addresses


def test_sender_address_lifecycle(api, superadmin, simple_user, make_account):
    other = make_account("other@test.com")
    client = api(superadmin)
    response = client.post(
        "/api/v1/senderaddresses/",
        {"address": "Me@Elsewhere.org", "mailbox": simple_user.mailbox.pk},
        format="json",
    )
    assert response.status_code == 201, response.body
    assert response.body == {
        "pk": response.body["pk"],
        "address": "me@elsewhere.org",
        "mailbox": simple_user.mailbox.pk,
    }
    url = "/api/v1/senderaddresses/%d/" % response.body["pk"]
    response = client.patch(url, {"mailbox": other.mailbox.pk}, format="json")
    assert response.status_code == 200
    assert SenderAddress.objects.get(address="me@elsewhere.org").mailbox == other.mailbox
    response = client.put(
        url, {"address": "you@elsewhere.org", "mailbox": other.mailbox.pk}, format="json"
    )
    assert response.body["address"] == "you@elsewhere.org"
    assert client.delete(url).status_code == 204
    assert not SenderAddress.objects.exists()


def test_duplicate_sender_address_is_a_conflict(api, superadmin, simple_user, unchanged):
    client = api(superadmin)
    payload = {"address": "me@elsewhere.org", "mailbox": simple_user.mailbox.pk}
    assert client.post("/api/v1/senderaddresses/", payload, format="json").status_code == 201
    with unchanged():
        response = client.post("/api/v1/senderaddresses/", payload, format="json")
    assert response.status_code == 400
    assert list(response.body) == ["address"]


def test_domain_admin_sender_addresses_stay_in_its_reach(
    api, domain_admin, simple_user, superadmin, make_account, other_domain, unchanged
):
    far = make_account("far@test2.com")
    client = api(domain_admin)
    with unchanged():
        # Another domain's mailbox: the answer of a mailbox that does not exist.
        response = client.post(
            "/api/v1/senderaddresses/",
            {"address": "x@elsewhere.org", "mailbox": far.mailbox.pk},
            format="json",
        )
        assert response.status_code == 400
        assert "mailbox" in response.body
        # An address of a hosted domain it does not administer.
        response = client.post(
            "/api/v1/senderaddresses/",
            {"address": "x@test2.com", "mailbox": simple_user.mailbox.pk},
            format="json",
        )
        # 400, as 1.10 answered (and docs/api.rst says).
        assert response.status_code == 400
        assert list(response.body) == ["address"]
