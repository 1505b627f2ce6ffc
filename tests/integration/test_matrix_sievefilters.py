"""Permission matrix of the message filters API, against the real Dovecot
ManageSieve. Filters are always the caller's own: there is no account in
the URL, so an administrator without a mailbox gets 403, and anybody else
only ever reaches its own filter sets (the owner's ``main`` and ``spare``
are 404 to them).
"""

import pytest

from modoboa.sievefilters import rules, services
from tests.api.extension_matrix import (
    DOMAIN,
    OTHER_DOMAIN,
    Case,
    build_people,
    expect,
    extension_routes,
    statuses,
)
from tests.fixtures.sieve import message

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

RULE = {
    "name": "Matrix",
    "match": "always",
    "actions": [{"name": "discard"}],
}
BASE = "/api/v1/filtersets/"


def _sets_of(people, person):
    return services.list_filter_sets(people.user(person).mailbox).names


def _owner_main_listed(people, response):
    return {"name": "main", "active": True} in response.body


def _created(people, person, response):
    assert "new-%s" % person in _sets_of(people, person)
    assert "new-%s" % person not in _sets_of(people, "owner") or person == "owner"


def _owner_rules(people):
    return [rule.name for rule in services.read_filter_set(people.owner.mailbox, "main").rules()]


CASES = {
    ("filtersets-list", "GET"): Case(
        lambda client, people: client.get(BASE),
        expect(403, 403, "200-", "200-", "200+", "200-"),
        found=_owner_main_listed,
    ),
    ("filtersets-list", "POST"): Case(
        lambda client, people: client.post(BASE, {"name": "new-%s" % client.person}),
        expect(403, 403, 201, 201, 201, 201),
        _created,
    ),
    ("filtersets-detail", "GET"): Case(
        lambda client, people: client.get(BASE + "main/"),
        expect(403, 403, 404, 404, 200, 404),
    ),
    ("filtersets-detail", "PUT"): Case(
        lambda client, people: client.put(BASE + "main/", {"content": "keep;\n"}),
        expect(403, 403, 404, 404, 200, 404),
        lambda people, person, response: response.body["content"] == "keep;\r\n",
    ),
    ("filtersets-detail", "DELETE"): Case(
        lambda client, people: client.delete(BASE + "spare/"),
        expect(403, 403, 404, 404, 204, 404),
        lambda people, person, response: "spare" not in _sets_of(people, "owner"),
    ),
    ("filtersets-activate", "POST"): Case(
        lambda client, people: client.post(BASE + "spare/activate/"),
        expect(403, 403, 404, 404, 200, 404),
    ),
    ("filtersets-rules-list", "POST"): Case(
        lambda client, people: client.post(BASE + "main/rules/", RULE),
        expect(403, 403, 404, 404, 201, 404),
        lambda people, person, response: _owner_rules(people) == ["First", "Second", "Matrix"],
    ),
    ("filtersets-rules-detail", "GET"): Case(
        lambda client, people: client.get(BASE + "main/rules/0/"),
        expect(403, 403, 404, 404, 200, 404),
    ),
    ("filtersets-rules-detail", "PUT"): Case(
        lambda client, people: client.put(BASE + "main/rules/0/", RULE),
        expect(403, 403, 404, 404, 200, 404),
        lambda people, person, response: _owner_rules(people) == ["Matrix", "Second"],
    ),
    ("filtersets-rules-detail", "DELETE"): Case(
        lambda client, people: client.delete(BASE + "main/rules/0/"),
        expect(403, 403, 404, 404, 204, 404),
    ),
    ("filtersets-rules-move", "POST"): Case(
        lambda client, people: client.post(BASE + "main/rules/1/move/", {"direction": "up"}),
        expect(403, 403, 404, 404, 200, 404),
        lambda people, person, response: _owner_rules(people) == ["Second", "First"],
    ),
}


@pytest.fixture
def people(superadmin, sieve_env):
    people = build_people(superadmin)
    # Mail homes exist once something was delivered.
    for local, domain in (("da", DOMAIN), ("da", OTHER_DOMAIN), ("owner", DOMAIN)):
        address = "%s@%s" % (local, domain)
        assert sieve_env.lmtp([address], message("Welcome", to=address)) == {}
    address = "other@%s" % DOMAIN
    assert sieve_env.lmtp([address], message("Welcome", to=address)) == {}
    mailbox = people.owner.mailbox
    services.create_filter_set(mailbox, "main", activate=True)
    services.create_filter_set(mailbox, "spare")
    for name in ("First", "Second"):
        services.save_rule(mailbox, "main", rules.Rule(name, "always", [], [rules.Action("keep")]))
    return people


def test_matrix_covers_every_route():
    assert set(CASES) == extension_routes("modoboa.sievefilters")


@pytest.mark.parametrize("route", list(CASES), ids="-".join)
def test_permission_matrix(route, people, api, unchanged):
    case = CASES[route]
    assert statuses(case, people, api, unchanged) == case.expected
