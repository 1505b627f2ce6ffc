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
