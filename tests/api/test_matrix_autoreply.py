"""Permission matrix of the away message API (pipe mode: no mail server
needed to save a message)."""

import pytest

from modoboa.autoreply.models import ARmessage
from modoboa.parameters import tools as param_tools

from .extension_matrix import Case, build_people, expect, extension_routes, statuses

AWAY = {
    "subject": "Off",
    "content": "Back soon, %(name)s",
    "enabled": True,
    "fromdate": "2020-01-01T00:00:00Z",
    "untildate": "2099-01-01T00:00:00Z",
}


def _url(people):
    return "/api/v1/autoreply/%d/" % people.owner.pk


def _saved(people, person, response):
    message = ARmessage.objects.get(mbox=people.owner.mailbox)
    assert message.subject == "Set by %s" % person and message.enabled


CASES = {
    ("autoreply-detail", "GET"): Case(
        lambda client, people: client.get(_url(people)),
        expect(200, 200, 200, 404, 200, 404),
    ),
    ("autoreply-detail", "PUT"): Case(
        lambda client, people: client.put(
            _url(people), dict(AWAY, subject="Set by %s" % client.person)
        ),
        expect(200, 200, 200, 404, 200, 404),
        _saved,
    ),
}


@pytest.fixture
def people(superadmin):
    param_tools.set_global_parameter("mode", "pipe", app="modoboa_postfix_autoreply")
    return build_people(superadmin)


def test_matrix_covers_every_route():
    assert set(CASES) == extension_routes("modoboa.autoreply")


@pytest.mark.parametrize("route", list(CASES), ids="-".join)
def test_permission_matrix(route, people, api, unchanged):
    case = CASES[route]
    assert statuses(case, people, api, unchanged) == case.expected
