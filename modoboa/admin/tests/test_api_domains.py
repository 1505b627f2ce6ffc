"""The domains/ and domainaliases/ endpoints: what a client sees and the
rules the service layer enforces through them.
"""

import pytest

from modoboa.admin import services
from modoboa.admin.models import Alias, Domain, DomainAlias, Mailbox
from modoboa.parameters import tools as param_tools

PASSWORD = "Toto1234!"


def test_superadmin_creates_a_domain_with_the_defaults(api, superadmin):
    response = api(superadmin).post("/api/v1/domains/", {"name": "Example.COM"}, format="json")
    assert response.status_code == 201, response.body
    body = response.body
    assert body["name"] == "example.com"
    assert body["type"] == "domain"
    assert body["enabled"] is True
    assert body["dkim_key_selector"] == "modoboa"
    assert (body["mailbox_count"], body["mbalias_count"], body["domainalias_count"]) == (0, 0, 0)
    assert Domain.objects.get(pk=body["pk"]).name == "example.com"


def test_counters_count_mailboxes_aliases_and_domain_aliases(
    api, superadmin, domain, simple_user, domain_admin
):
    services.create_alias(acting_user=superadmin, address="al@test.com", recipients=["x@y.org"])
    services.create_domain_alias(acting_user=superadmin, name="other.org", target=domain)
    response = api(superadmin).get("/api/v1/domains/%d/" % domain.pk)
    # Two mailboxes; internal aliases (the mailboxes' own) are not counted.
    assert (
        response.body["mailbox_count"],
        response.body["mbalias_count"],
        response.body["domainalias_count"],
    ) == (2, 1, 1)


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"name": "not a domain"}, "name"),
        ({"name": "exämple.com"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "a.com", "quota": -1}, "quota"),
        ({"name": "a.com", "quota": 10, "default_mailbox_quota": 20}, "default_mailbox_quota"),
        ({"name": "a.com", "quota": "lots"}, "quota"),
        ({"name": "a.com", "quota": 10**20}, "quota"),
        ({"name": "a.com", "dkim_key_length": 123}, "dkim_key_length"),
        ({"name": "a.com", "enable_dkim": True}, "enable_dkim"),
    ],
)
def test_bad_domain_values_are_400_naming_the_field(api, superadmin, unchanged, payload, field):
    client = api(superadmin)
    with unchanged():
        response = client.post("/api/v1/domains/", payload, format="json")
    assert response.status_code == 400
    assert field in response.body


def test_taken_domain_name_is_a_conflict(api, superadmin, domain, unchanged):
    client = api(superadmin)
    with unchanged():
        response = client.post("/api/v1/domains/", {"name": "TEST.com"}, format="json")
    # 409 in the console; 400 under API v1, as in 1.10.
    assert response.status_code == 400
    assert "name" in response.body


def test_read_only_fields_are_ignored_on_write(api, superadmin, domain):
    response = api(superadmin).patch(
        "/api/v1/domains/%d/" % domain.pk,
        {"dkim_public_key": "forged", "type": "relaydomain", "mailbox_count": 99},
        format="json",
    )
    assert response.status_code == 200
    domain.refresh_from_db()
    assert (domain.dkim_public_key, domain.type) == ("", "domain")


def test_renaming_a_domain_renames_its_addresses(api, superadmin, domain, simple_user):
    response = api(superadmin).put(
        "/api/v1/domains/%d/" % domain.pk, {"name": "renamed.com"}, format="json"
    )
    assert response.status_code == 200, response.body
    assert response.body["name"] == "renamed.com"
    simple_user.refresh_from_db()
    assert simple_user.email == "user@renamed.com"
    assert Mailbox.objects.get(user=simple_user).full_address == "user@renamed.com"


def test_enabling_dkim_with_a_key_directory(api, superadmin, domain, tmp_path):
    param_tools.get_localconfig().parameters.set_value(
        "dkim_keys_storage_dir", str(tmp_path), app="admin"
    )
    response = api(superadmin).patch(
        "/api/v1/domains/%d/" % domain.pk,
        {"enable_dkim": True, "dkim_key_selector": "mail", "dkim_key_length": 2048},
        format="json",
    )
    assert response.status_code == 200, response.body
    assert response.body["enable_dkim"] is True
    assert (response.body["dkim_key_selector"], response.body["dkim_key_length"]) == ("mail", 2048)


def test_reseller_domain_quota_comes_from_its_pool(api, reseller, unchanged):
    client = api(reseller)
    with unchanged():
        response = client.post(
            "/api/v1/domains/", {"name": "big.com", "quota": 5000}, format="json"
        )
    assert response.status_code == 400
    assert response.body == "Quota: limit reached"
    response = client.post(
        "/api/v1/domains/",
        {"name": "small.com", "quota": 500, "default_mailbox_quota": 50},
        format="json",
    )
    assert response.status_code == 201, response.body


def test_reseller_domain_limit_reached_is_400(api, reseller, set_limits, unchanged):
    set_limits(reseller, domains=1)
    client = api(reseller)
    payload = {"name": "one.com", "quota": 10, "default_mailbox_quota": 5}
    assert client.post("/api/v1/domains/", payload, format="json").status_code == 201
    with unchanged():
        payload["name"] = "two.com"
        response = client.post("/api/v1/domains/", payload, format="json")
    # 1.10's answer: the message as a bare JSON string.
    assert response.status_code == 400
    assert response.body == "Domains: limit reached"


def test_deleting_a_domain_removes_its_mailboxes(api, superadmin, domain, simple_user):
    response = api(superadmin).delete("/api/v1/domains/%d/" % domain.pk)
    assert response.status_code == 204
    assert not Domain.objects.filter(pk=domain.pk).exists()
    assert not Mailbox.objects.filter(domain_id=domain.pk).exists()


def test_an_administrator_cannot_delete_its_own_domain(api, reseller, superadmin, unchanged):
    client = api(reseller)
    response = client.post(
        "/api/v1/domains/",
        {"name": "mine.com", "quota": 10, "default_mailbox_quota": 5},
        format="json",
    )
    services.create_mailbox(reseller, "reseller@mine.com", acting_user=superadmin)
    with unchanged():
        response = client.delete("/api/v1/domains/%d/" % response.body["pk"])
    assert response.status_code == 403


def test_domain_filter_and_list_order(api, superadmin, make_domain):
    for name in ("b.com", "a.com", "c.com"):
        make_domain(name)
    client = api(superadmin)
    assert [row["name"] for row in client.get("/api/v1/domains/").body] == [
        "a.com",
        "b.com",
        "c.com",
    ]
    assert [row["name"] for row in client.get("/api/v1/domains/?domain=B.com").body] == ["b.com"]


def test_domain_admin_sees_only_its_domains(api, domain_admin, other_domain):
    names = [row["name"] for row in api(domain_admin).get("/api/v1/domains/").body]
    assert names == ["test.com"]


# Domain aliases


def test_domain_alias_creation_makes_the_catchall_mapping(api, superadmin, domain):
    response = api(superadmin).post(
        "/api/v1/domainaliases/", {"name": "alias.org", "target": domain.pk}, format="json"
    )
    assert response.status_code == 201, response.body
    assert response.body == {
        "pk": response.body["pk"],
        "name": "alias.org",
        "target": domain.pk,
        "enabled": True,
    }
    alias = Alias.objects.get(address="@alias.org", internal=True)
    assert alias.recipients == ["@test.com"]


def test_domain_alias_named_like_a_domain_is_a_conflict(
    api, superadmin, domain, other_domain, unchanged
):
    client = api(superadmin)
    with unchanged():
        response = client.post(
            "/api/v1/domainaliases/", {"name": "test2.com", "target": domain.pk}, format="json"
        )
    assert response.status_code == 400
    assert list(response.body) == ["name"]


@pytest.mark.parametrize("target", [999999, 10**12, "abc", True, None, [1]])
def test_domain_alias_with_a_bad_target_is_400(api, superadmin, domain, unchanged, target):
    client = api(superadmin)
    with unchanged():
        response = client.post(
            "/api/v1/domainaliases/", {"name": "alias.org", "target": target}, format="json"
        )
    assert response.status_code == 400
    assert "target" in response.body


def test_domain_alias_retargeted_and_filtered(api, superadmin, domain, other_domain):
    alias = services.create_domain_alias(acting_user=superadmin, name="alias.org", target=domain)
    client = api(superadmin)
    response = client.patch(
        "/api/v1/domainaliases/%d/" % alias.pk, {"target": other_domain.pk}, format="json"
    )
    assert response.status_code == 200, response.body
    assert Alias.objects.get(address="@alias.org", internal=True).recipients == ["@test2.com"]
    assert client.get("/api/v1/domainaliases/?domain=test.com").body == []
    assert [row["name"] for row in client.get("/api/v1/domainaliases/?domain=test2.com").body] == [
        "alias.org"
    ]


def test_reseller_cannot_alias_a_domain_it_does_not_reach(api, reseller, domain, unchanged):
    client = api(reseller)
    with unchanged():
        response = client.post(
            "/api/v1/domainaliases/", {"name": "alias.org", "target": domain.pk}, format="json"
        )
    # The same answer as for a domain that does not exist.
    assert response.status_code == 400
    assert "does not exist" in response.body["target"][0]


def test_deleting_a_domain_alias_removes_its_mapping(api, superadmin, domain):
    alias = services.create_domain_alias(acting_user=superadmin, name="alias.org", target=domain)
    assert api(superadmin).delete("/api/v1/domainaliases/%d/" % alias.pk).status_code == 204
    assert not DomainAlias.objects.exists()
    assert not Alias.objects.filter(address="@alias.org").exists()
