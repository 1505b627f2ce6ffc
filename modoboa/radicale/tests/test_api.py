"""The calendar endpoints for each role, without the server (creations
answer 503 then; tests/integration/test_radicale.py uses the real one).
"""

import pytest

from modoboa.lib.api.testing import api_client
from modoboa.parameters import tools as param_tools
from modoboa.radicale.models import AccessRule, SharedCalendar, UserCalendar

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(domain, domain_admin, make_account, make_domain):
    make_domain("other.com")
    accounts = {
        address: make_account(address, mailbox={"address": address})
        for address in ("alice@test.com", "bob@test.com", "eve@other.com")
    }
    accounts["admin"] = domain_admin
    calendars = {
        "alice": UserCalendar.objects.create(mailbox=accounts["alice@test.com"].mailbox, name="A"),
        "eve": UserCalendar.objects.create(mailbox=accounts["eve@other.com"].mailbox, name="E"),
    }
    shared = {
        "test": SharedCalendar.objects.create(domain=domain, name="Team"),
        "other": SharedCalendar.objects.create(
            domain=accounts["eve@other.com"].mailbox.domain, name="Theirs"
        ),
    }
    return accounts, calendars, shared


def names(response):
    assert response.status_code == 200, response.body
    return sorted(row["name"] for row in response.body)


def test_each_role_lists_what_it_manages(world, superadmin):
    accounts, _calendars, _shared = world
    alice = api_client(accounts["alice@test.com"])
    assert names(alice.get("/api/v1/calendars/")) == ["A"]
    assert names(alice.get("/api/v1/shared-calendars/")) == ["Team"]
    admin = api_client(accounts["admin"])
    # Without allow_calendars_administration an administrator manages (and
    # lists) its own calendars only; it sees its domain's shared ones as a
    # user of the domain.
    assert names(admin.get("/api/v1/calendars/")) == []
    assert names(admin.get("/api/v1/shared-calendars/")) == ["Team"]
    param_tools.set_global_parameter(
        "allow_calendars_administration", True, app="modoboa_radicale"
    )
    assert names(admin.get("/api/v1/calendars/")) == ["A"]
    assert names(admin.get("/api/v1/shared-calendars/")) == ["Team"]
    assert names(api_client(superadmin).get("/api/v1/calendars/")) == ["A", "E"]
    assert names(api_client(superadmin).get("/api/v1/shared-calendars/")) == ["Team", "Theirs"]
    assert api_client(None).get("/api/v1/calendars/").status_code == 401


@pytest.mark.parametrize("who", ["alice@test.com", "bob@test.com", "admin"])
def test_nobody_reaches_another_tenants_calendar(world, who, unchanged):
    accounts, calendars, shared = world
    client = api_client(accounts[who])
    eve = calendars["eve"].pk
    with unchanged():
        for path in ("/api/v1/calendars/%d/" % eve, "/api/v1/calendars/%d/rules/" % eve):
            assert client.get(path).status_code == 404
        assert client.delete("/api/v1/calendars/%d/" % eve).status_code == 404
        response = client.post(
            "/api/v1/calendars/%d/rules/" % eve, {"mailbox": "bob@test.com"}, format="json"
        )
        assert response.status_code == 404
        assert client.get("/api/v1/shared-calendars/%d/" % shared["other"].pk).status_code == 404
        assert client.delete("/api/v1/shared-calendars/%d/" % shared["other"].pk).status_code in (
            403,
            404,
        )
        response = client.post(
            "/api/v1/calendars/", {"name": "Spy", "mailbox": "eve@other.com"}, format="json"
        )
        assert response.status_code in (400, 403)


def test_sharing_targets_reachable_mailboxes_only(world, unchanged):
    accounts, calendars, _shared = world
    alice = api_client(accounts["alice@test.com"])
    path = "/api/v1/calendars/%d/rules/" % calendars["alice"].pk
    with unchanged():
        # Outside its domain, or nobody: the same answer (no enumeration).
        for address in ("eve@other.com", "nobody@other.com", "nobody@test.com"):
            response = alice.post(path, {"mailbox": address, "read": True}, format="json")
            assert response.status_code == 400 and "mailbox" in response.body, address
        response = alice.post(path, {"mailbox": "alice@test.com"}, format="json")
        assert response.status_code == 400
    response = alice.post(path, {"mailbox": "Bob@Test.com", "write": True}, format="json")
    assert response.status_code == 200
    assert response.body == {"mailbox": "bob@test.com", "read": True, "write": True}
    assert alice.get(path).body == [{"mailbox": "bob@test.com", "read": True, "write": True}]
    response = alice.post(path, {"mailbox": "bob@test.com", "read": False}, format="json")
    assert response.status_code == 204
    assert not AccessRule.objects.exists()
    # The domain administrator shares its users' calendars within its reach,
    # when the parameter lets administrators manage calendars.
    admin = api_client(accounts["admin"])
    with unchanged():
        assert admin.post(path, {"mailbox": "bob@test.com"}, format="json").status_code == 404
    param_tools.set_global_parameter(
        "allow_calendars_administration", True, app="modoboa_radicale"
    )
    assert admin.post(path, {"mailbox": "bob@test.com"}, format="json").status_code == 200
    with unchanged():
        response = admin.post(path, {"mailbox": "eve@other.com"}, format="json")
        assert response.status_code == 400


def test_creations_need_the_server_and_the_right_role(world, superadmin, unchanged):
    accounts, _calendars, _shared = world
    alice = api_client(accounts["alice@test.com"])
    admin, root = api_client(accounts["admin"]), api_client(superadmin)
    with unchanged():
        response = alice.post("/api/v1/calendars/", {"name": "Mine"}, format="json")
        assert response.status_code == 503 and "server" in response.body["detail"]
        response = alice.post("/api/v1/calendars/", {"name": "../x"}, format="json")
        assert response.status_code == 400 and "name" in response.body
        response = alice.post(
            "/api/v1/shared-calendars/", {"name": "X", "domain": "test.com"}, format="json"
        )
        assert response.status_code == 403
        # Without allow_calendars_administration, a domain administrator
        # manages its own calendars only.
        response = admin.post(
            "/api/v1/calendars/", {"name": "X", "mailbox": "bob@test.com"}, format="json"
        )
        assert response.status_code == 403
        response = root.post(
            "/api/v1/shared-calendars/", {"name": "X", "domain": "nowhere.com"}, format="json"
        )
        assert response.status_code == 400 and "domain" in response.body
        response = api_client(superadmin).post("/api/v1/calendars/", {"name": "X"}, format="json")
        assert response.status_code == 400 and "mailbox" in response.body
