"""The API of the filters and away messages, against the real Dovecot, for
each role: own mailbox only for filters; the account and the administrators
who reach it for the away message.
"""

import pytest

from modoboa.autoreply.models import ARmessage
from modoboa.core import constants
from modoboa.parameters import tools as param_tools
from modoboa.sievefilters import services
from tests.fixtures.mailserver import free_port
from tests.fixtures.sieve import APP, message, subjects

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

AWAY = {
    "subject": "Off",
    "content": "Back soon, %(name)s",
    "enabled": True,
    "fromdate": "2020-01-01T00:00:00Z",
    "untildate": "2099-01-01T00:00:00Z",
}


def test_a_user_manages_its_filter_sets_through_the_api(api, alice, sieve_env):
    client = api(alice.user)
    client.default_format = "json"
    assert client.get("/api/v1/filtersets/").body == []
    response = client.post("/api/v1/filtersets/", {"name": "main", "active": True})
    assert response.status_code == 201
    script = 'require ["fileinto"];\nif header :contains "subject" "junk" { discard; }\n'
    response = client.put("/api/v1/filtersets/main/", {"content": script})
    assert response.status_code == 200, response.body
    assert response.body["content"] == script.replace("\n", "\r\n")
    assert sieve_env.lmtp(["alice@sieve.test"], message("Some junk")) == {}
    assert "Some junk" not in subjects(sieve_env, "INBOX")
    # A script the server refuses: its message and line, nothing changed.
    response = client.put("/api/v1/filtersets/main/", {"content": "keep;\nfrobnicate;\n"})
    assert response.status_code == 400
    assert response.body["line"] == ["2"]
    assert services.get_script(alice, "main") == script.replace("\n", "\r\n")
    client.post("/api/v1/filtersets/", {"name": "other"})
    assert client.post("/api/v1/filtersets/other/activate/").status_code == 200
    assert client.get("/api/v1/filtersets/").body == [
        {"name": "main", "active": False},
        {"name": "other", "active": True},
    ]
    assert client.delete("/api/v1/filtersets/main/").status_code == 204
    assert client.get("/api/v1/filtersets/main/").status_code == 404
    assert client.delete("/api/v1/filtersets/other/").status_code == 400
    assert client.post("/api/v1/filtersets/", {"name": "a/b"}).status_code == 400


def test_filter_endpoints_refuse_accounts_without_mailbox_and_anonymous(api, superadmin, alice):
    assert api(superadmin).get("/api/v1/filtersets/").status_code == 403
    assert api(None).get("/api/v1/filtersets/").status_code == 401


def test_managesieve_down_answers_503(api, alice):
    param_tools.set_global_parameter("port", free_port(), app=APP)
    response = api(alice.user).get("/api/v1/filtersets/")
    assert response.status_code == 503
    assert "does not answer" in response.body["detail"]


def test_away_message_permissions(api, alice, sieve_env, make_domain, make_account):
    make_domain("other.test")
    bob = make_account("bob@sieve.test", mailbox={"address": "bob@sieve.test"})
    sieve_admin = make_account(
        "boss@sieve.test", role=constants.DOMAINADMINS, domains=["sieve.test"]
    )
    other_admin = make_account(
        "boss@other.test", role=constants.DOMAINADMINS, domains=["other.test"]
    )
    url = "/api/v1/autoreply/%d/" % alice.user.pk
    own = api(alice.user)
    own.default_format = "json"
    response = own.get(url)
    assert response.status_code == 200 and response.body["enabled"] is False
    response = own.put(url, AWAY)
    assert response.status_code == 200, response.body
    assert ARmessage.objects.get(mbox=alice).enabled
    assert services.read_filter_set(alice, services.list_filter_sets(alice).active).away_text()
    for outsider in (bob, other_admin):
        client = api(outsider)
        client.default_format = "json"
        assert client.get(url).status_code == 404
        assert client.put(url, dict(AWAY, subject="Hacked")).status_code == 404
    admin = api(sieve_admin)
    admin.default_format = "json"
    response = admin.put(url, dict(AWAY, subject="Set by the admin"))
    assert response.status_code == 200
    assert ARmessage.objects.get(mbox=alice).subject == "Set by the admin"
    response = admin.put(url, dict(AWAY, untildate="2019-01-01T00:00:00Z", subject="x"))
    assert response.status_code == 400 and "untildate" in response.body
    response = admin.put(url, dict(AWAY, subject="Two\nlines"))
    assert response.status_code == 400 and "subject" in response.body
    assert ARmessage.objects.get(mbox=alice).subject == "Set by the admin"
    assert api(None).get(url).status_code == 401


HAND_WRITTEN = '# Written by hand\nif header :is "X-Spam" "yes" { discard; }\n'
RULE = {
    "name": "Invoices",
    "match": "any",
    "conditions": [{"field": "Subject", "operator": "contains", "value": "invoice"}],
    "actions": [{"name": "fileinto", "argument": "Invoices"}],
}


def test_a_user_edits_single_filters_through_the_api(api, alice, sieve_env):
    client = api(alice.user)
    client.default_format = "json"
    client.post("/api/v1/filtersets/", {"name": "main", "active": True})
    assert client.put("/api/v1/filtersets/main/", {"content": HAND_WRITTEN}).status_code == 200
    url = "/api/v1/filtersets/main/rules/"
    response = client.post(url, RULE)
    assert response.status_code == 201, response.body
    assert response.body["index"] == 0 and response.body["name"] == "Invoices"
    assert response.body["actions"] == [
        {"name": "fileinto", "argument": "Invoices", "copy": False}
    ]
    second = dict(RULE, name="Noise", actions=[{"name": "discard"}])
    assert client.post(url, second).body["index"] == 1
    assert [r["name"] for r in client.get("/api/v1/filtersets/main/").body["rules"]] == [
        "Invoices",
        "Noise",
    ]
    # Reordering: the second goes up; the first cannot go further up.
    response = client.post(url + "1/move/", {"direction": "up"})
    assert response.status_code == 200 and response.body["name"] == "Noise"
    assert client.get(url + "0/").body["name"] == "Noise"
    response = client.post(url + "0/move/", {"direction": "up"})
    assert response.status_code == 400 and "direction" in response.body
    # Replacing one rule; the hand-written part stays byte for byte.
    response = client.put(url + "1/", dict(RULE, name="Bills", enabled=False))
    assert response.status_code == 200, response.body
    assert response.body["enabled"] is False and response.body["name"] == "Bills"
    content = services.get_script(alice, "main").replace("\r\n", "\n")
    assert HAND_WRITTEN in content and "# Filter: Bills" in content
    assert "# Filter: Invoices" not in content
    # Deleting one rule.
    assert client.delete(url + "0/").status_code == 204
    assert [r["name"] for r in client.get("/api/v1/filtersets/main/").body["rules"]] == ["Bills"]
    assert HAND_WRITTEN in services.get_script(alice, "main").replace("\r\n", "\n")


def test_filter_errors_name_the_field_and_change_nothing(api, alice, sieve_env):
    client = api(alice.user)
    client.default_format = "json"
    client.post("/api/v1/filtersets/", {"name": "main", "active": True})
    url = "/api/v1/filtersets/main/rules/"
    assert client.post(url, RULE).status_code == 201
    before = services.get_script(alice, "main")
    bad = {
        "name": dict(RULE, name="two\nlines"),
        "match": dict(RULE, match="sometimes"),
        "conditions": dict(RULE, conditions=[]),
        "conditions[0].operator": dict(
            RULE, conditions=[{"field": "Subject", "operator": "near", "value": "x"}]
        ),
        "conditions[0].value": dict(
            RULE, conditions=[{"field": "size", "operator": "over", "value": "big"}]
        ),
        "actions[0].argument": dict(RULE, actions=[{"name": "redirect", "argument": "nobody"}]),
        "actions[0].name": dict(RULE, actions=[{"name": "explode"}]),
    }
    for field, body in bad.items():
        for method, target in ((client.post, url), (client.put, url + "0/")):
            response = method(target, body)
            assert response.status_code == 400, (field, response.body)
            assert list(response.body) == [field], response.body
    assert services.get_script(alice, "main") == before
    # A quote or a line break in a value cannot inject Sieve.
    response = client.post(
        url,
        dict(RULE, conditions=[{"field": "Subject", "operator": "is", "value": 'a" { stop; }'}]),
    )
    assert response.status_code == 201
    assert services.read_filter_set(alice, "main").rules()[1].conditions[0].value == (
        'a" { stop; }'
    )
    assert client.put(url + "7/", RULE).status_code == 404
    assert client.delete(url + "7/").status_code == 404
    assert client.post(url + "7/move/", {"direction": "down"}).status_code == 404
    assert client.get(url + "7/").status_code == 404
    assert client.post("/api/v1/filtersets/nothere/rules/", RULE).status_code == 404
