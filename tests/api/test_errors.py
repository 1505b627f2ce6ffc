"""Hostile and malformed input: always a JSON 4xx naming what is wrong,
never a 500, never a partial write.
"""

import pytest


@pytest.fixture
def client(api, superadmin, domain, simple_user):
    return api(superadmin)


def test_malformed_json_is_400(client, unchanged):
    with unchanged():
        response = client.generic(
            "POST", "/api/v1/domains/", '{"name": "a.com",', content_type="application/json"
        )
    assert response.status_code == 400
    assert "JSON parse error" in response.body["detail"]


def test_body_must_be_a_json_object(client, unchanged):
    with unchanged():
        for raw in ('["a.com"]', '"a.com"', "null", "42"):
            response = client.generic(
                "POST", "/api/v1/domains/", raw, content_type="application/json"
            )
            assert response.status_code == 400, raw


def test_form_bodies_are_refused(client, unchanged):
    with unchanged():
        response = client.post("/api/v1/domains/", {"name": "a.com"})
    assert response.status_code == 415


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/domains/999999/",
        "/api/v1/domains/99999999999999999999999/",
        "/api/v1/domains/abc/",
        "/api/v1/domains/-1/",
        "/api/v1/nothing/",
        "/api/v1/domains/%C3%A9%0A/",
    ],
)
def test_unknown_objects_and_paths_are_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.body["detail"]


def test_huge_pk_in_a_write_is_404(client, unchanged):
    with unchanged():
        response = client.put(
            "/api/v1/domains/99999999999999999999/", {"name": "a.com"}, format="json"
        )
    assert response.status_code == 404
    with unchanged():
        response = client.put(
            "/api/v1/accounts/99999999999999999999/password/",
            {"new_password": "Toto1234!"},
            format="json",
        )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "endpoint,payload,field",
    [
        ("domains", {"name": 12}, "name"),
        ("domains", {"name": ["a.com"]}, "name"),
        ("domains", {"name": "a.com", "enabled": "perhaps"}, "enabled"),
        ("domains", {"name": "a\x00.com"}, "name"),
        ("domains", {"name": "a" * 101}, "name"),
        ("domains", {"name": "日本.jp"}, "name"),
        ("domains", {"name": "a.com", "quota": 1.5}, "quota"),
        ("domains", {"name": "a.com", "quota": 2**63}, "quota"),
        ("domains", {"name": "a.com", "default_mailbox_quota": -(2**70)}, "default_mailbox_quota"),
        ("accounts", {"username": "ü@test.com", "password": "Toto1234!"}, "username"),
        (
            "accounts",
            {"username": "x@test.com", "password": "Toto1234!", "mailbox": []},
            "mailbox",
        ),
        (
            "accounts",
            {"username": "x@test.com", "password": "Toto1234!", "domains": "test.com"},
            "domains",
        ),
        ("accounts", {"username": None, "password": "Toto1234!"}, "username"),
        ("aliases", {"address": "a@test.com", "recipients": [None]}, "recipients"),
        ("aliases", {"address": "a@test.com", "recipients": [{"a": 1}]}, "recipients"),
        ("aliases", {"address": "ä@test.com", "recipients": ["x@y.org"]}, "address"),
        ("senderaddresses", {"address": "x@y.org", "mailbox": 10**30}, "mailbox"),
        ("senderaddresses", {"address": "x@y.org", "mailbox": "1; DROP TABLE"}, "mailbox"),
        ("domainaliases", {"name": "b.com", "target": -5}, "target"),
        ("relaydomains", {"name": "r.com", "transport": {"_settings": 7}}, "transport"),
    ],
)
def test_wrong_types_and_values_are_400_naming_the_field(
    client, unchanged, endpoint, payload, field
):
    with unchanged():
        response = client.post("/api/v1/%s/" % endpoint, payload, format="json")
    assert response.status_code == 400, response.body
    assert field in response.body


@pytest.mark.parametrize(
    "query",
    ["domain=%00", "search=" + "x" * 300, "domain=" + "a" * 200, "search=%00"],
)
def test_unusable_filters_are_400(client, query):
    response = client.get("/api/v1/accounts/?" + query)
    assert response.status_code == 400


def test_non_ascii_filters_just_match_nothing(client):
    response = client.get("/api/v1/accounts/?search=%C3%A9t%C3%A9&domain=%E6%97%A5%E6%9C%AC")
    assert response.status_code == 200
    assert response.body == []


def test_service_errors_get_the_v1_status(client, unchanged, simple_user):
    # A Conflict (409 in the console) is a 400 under API v1, as in 1.10.
    with unchanged():
        response = client.post(
            "/api/v1/accounts/",
            {"username": "user@test.com", "password": "Toto1234!"},
            format="json",
        )
    assert response.status_code == 400
    assert response.body == {"username": ["Account user@test.com already exists"]}


def test_method_not_allowed_is_405(client, domain):
    response = client.post("/api/v1/domains/%d/" % domain.pk, {}, format="json")
    assert response.status_code == 405
    response = client.delete("/api/v1/accounts/exists/")
    assert response.status_code == 405


@pytest.mark.parametrize("path", ["/api/v1/token/", "/api/v1/domains/"])
def test_json_nested_too_deeply_is_400(client, unchanged, path):
    """A body nested 100,000 deep exceeded the recursion limit of the JSON
    decoder: a 500 (issue 14, finding 9).
    """
    depth = 100000
    for body in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        with unchanged():
            response = client.generic("POST", path, body, content_type="application/json")
        assert response.status_code == 400, body[:10]
        assert "JSON parse error" in response.body["detail"]
