"""Permission matrix of the quarantine API (Amavis' tables)."""

import pytest

from modoboa.admin.models import Domain
from modoboa.amavis.factories import quarantine_message
from modoboa.amavis.models import Msgrcpt
from modoboa.amavis.services import wblist

from .extension_matrix import DOMAIN, Case, build_people, expect, extension_routes, statuses

OWNER = "owner@%s" % DOMAIN
Q = "/api/v1/quarantine/"


def _fresh_mail():
    return quarantine_message("s@evil.test", [OWNER], subject="Matrix")


def _listed(people, response):
    return OWNER in [row["recipient"] for row in response.body["results"]]


def _mail_id(people):
    return Msgrcpt.objects.filter(rid__email=OWNER).values_list("mail_id", flat=True).first()


def _action(name, expected):
    # Each request acts on a message of its own (an action may consume it).
    return Case(
        lambda client, people: client.post("%s%s/%s/" % (Q, client.prepared, name)),
        expected,
        prepare=lambda people, person: _fresh_mail(),
    )


def _filter_url():
    return "%scontentfilter/%d/" % (Q, Domain.objects.get(name=DOMAIN).pk)


def _entry(person):
    return {
        "owner": OWNER,
        "sender": "%s@friends.test" % person.replace("_", "-"),
        "kind": "allow",
    }


def _listed_entry(people, person, response):
    senders = [sender for sender, _kind in wblist.entries(people.owner, OWNER)]
    return _entry(person)["sender"] in senders


def _add_entry(people, person):
    wblist.set_entry(people.user("superadmin"), **_entry(person))


def _removed(people, person, response):
    return not _listed_entry(people, person, response)


CASES = {
    ("quarantine-list", "GET"): Case(
        lambda client, people: client.get(Q),
        expect("200+", "200+", "200+", "200-", "200+", "200-"),
        found=_listed,
    ),
    ("quarantine-detail", "GET"): Case(
        lambda client, people: client.get("%s%s/" % (Q, _mail_id(people))),
        expect(200, 200, 200, 404, 200, 404),
    ),
    # Administrators release through Amavis' release port: 502 here, where
    # no Amavis runs, shows they got past the permission checks (the real
    # release is tests/integration/test_amavis.py's); a user requests it.
    ("quarantine-release", "POST"): _action("release", expect(502, 502, 502, 404, 200, 404)),
    ("quarantine-delete", "POST"): _action("delete", expect(200, 200, 200, 404, 200, 404)),
    ("quarantine-mark-spam", "POST"): _action("mark_spam", expect(200, 200, 200, 404, 200, 404)),
    ("quarantine-mark-ham", "POST"): _action("mark_ham", expect(200, 200, 200, 404, 200, 404)),
    ("quarantine-contentfilter", "GET"): Case(
        lambda client, people: client.get(_filter_url()),
        expect(200, 200, 200, 404, 404, 404),
    ),
    ("quarantine-contentfilter", "PATCH"): Case(
        lambda client, people: client.patch(_filter_url(), {"spam_kill_level": 15}),
        expect(200, 200, 403, 404, 404, 404),
    ),
    ("quarantine-lists", "GET"): Case(
        lambda client, people: client.get(Q + "lists/", {"owner": OWNER}),
        expect(200, 200, 200, 403, 200, 403),
    ),
    ("quarantine-lists", "POST"): Case(
        lambda client, people: client.post(Q + "lists/", _entry(client.person)),
        expect(201, 201, 201, 403, 201, 403),
        _listed_entry,
    ),
    ("quarantine-lists", "DELETE"): Case(
        lambda client, people: client.delete(Q + "lists/", _entry(client.person)),
        expect(204, 204, 204, 403, 204, 403),
        _removed,
        prepare=_add_entry,
    ),
}


@pytest.fixture
def people(superadmin):
    people = build_people(superadmin)
    _fresh_mail()
    return people


def test_matrix_covers_every_route():
    assert set(CASES) == extension_routes("modoboa.amavis")


@pytest.mark.parametrize("route", list(CASES), ids="-".join)
def test_permission_matrix(route, people, api, unchanged):
    case = CASES[route]
    assert statuses(case, people, api, unchanged) == case.expected
