"""Permission matrix of the calendars API (with administrators allowed to
manage calendars; without the server, so a request that passes every check
and reaches Radicale answers 503 and writes nothing:
tests/integration/test_radicale.py runs the same calls against the real
server).
"""

import pytest

from modoboa.admin.models import Mailbox
from modoboa.parameters import tools as param_tools
from modoboa.radicale.models import SharedCalendar, UserCalendar

from .extension_matrix import DOMAIN, Case, build_people, expect, extension_routes, statuses

OWNER = "owner@%s" % DOMAIN


def _calendar():
    return UserCalendar.objects.get(name="Plans")


def _shared():
    return SharedCalendar.objects.get(name="Team")


def _listed(getter):
    def found(people, response):
        return getter().pk in [row["pk"] for row in response.body]

    return found


def _shared_with_other(people, person, response):
    assert _calendar().rules.filter(mailbox__address="other").exists()


CASES = {
    ("calendars-list", "GET"): Case(
        lambda client, people: client.get("/api/v1/calendars/"),
        expect("200+", "200+", "200+", "200-", "200+", "200-"),
        found=_listed(_calendar),
    ),
    ("calendars-list", "POST"): Case(
        lambda client, people: client.post(
            "/api/v1/calendars/", {"name": "New", "mailbox": OWNER}, format="json"
        ),
        expect(503, 503, 503, 400, 503, 403),
    ),
    ("calendars-detail", "GET"): Case(
        lambda client, people: client.get("/api/v1/calendars/%d/" % _calendar().pk),
        expect(200, 200, 200, 404, 200, 404),
    ),
    ("calendars-detail", "DELETE"): Case(
        lambda client, people: client.delete("/api/v1/calendars/%d/" % _calendar().pk),
        expect(503, 503, 503, 404, 503, 404),
    ),
    ("calendars-rules", "GET"): Case(
        lambda client, people: client.get("/api/v1/calendars/%d/rules/" % _calendar().pk),
        expect(200, 200, 200, 404, 200, 404),
    ),
    ("calendars-rules", "POST"): Case(
        lambda client, people: client.post(
            "/api/v1/calendars/%d/rules/" % _calendar().pk,
            {"mailbox": "other@%s" % DOMAIN, "read": True},
            format="json",
        ),
        expect(200, 200, 200, 404, 200, 404),
        _shared_with_other,
    ),
    ("shared-calendars-list", "GET"): Case(
        lambda client, people: client.get("/api/v1/shared-calendars/"),
        expect("200+", "200+", "200+", "200-", "200+", "200+"),
        found=_listed(_shared),
    ),
    ("shared-calendars-list", "POST"): Case(
        lambda client, people: client.post(
            "/api/v1/shared-calendars/", {"name": "Board", "domain": DOMAIN}, format="json"
        ),
        expect(503, 503, 503, 400, 403, 403),
    ),
    ("shared-calendars-detail", "GET"): Case(
        lambda client, people: client.get("/api/v1/shared-calendars/%d/" % _shared().pk),
        expect(200, 200, 200, 404, 200, 200),
    ),
    ("shared-calendars-detail", "DELETE"): Case(
        lambda client, people: client.delete("/api/v1/shared-calendars/%d/" % _shared().pk),
        expect(503, 503, 503, 404, 403, 403),
    ),
}


@pytest.fixture
def people(superadmin, settings, tmp_path):
    param_tools.set_global_parameter(
        "allow_calendars_administration", True, app="modoboa_radicale"
    )
    # Nothing listens there: a call that reaches the server gets 503.
    param_tools.set_global_parameter(
        "server_location", "http://127.0.0.1:9/", app="modoboa_radicale"
    )
    param_tools.set_global_parameter(
        "rights_file_path", str(tmp_path / "rights"), app="modoboa_radicale"
    )
    people = build_people(superadmin)
    owner = Mailbox.objects.get(address="owner", domain__name=DOMAIN)
    UserCalendar.objects.create(mailbox=owner, name="Plans")
    SharedCalendar.objects.create(domain=owner.domain, name="Team")
    return people


def test_matrix_covers_every_route():
    assert set(CASES) == extension_routes("modoboa.radicale")


@pytest.mark.parametrize("route", list(CASES), ids="-".join)
def test_permission_matrix(route, people, api, unchanged):
    case = CASES[route]
    assert statuses(case, people, api, unchanged) == case.expected


def test_without_the_parameter_administrators_keep_to_their_own(people, api, unchanged):
    param_tools.set_global_parameter(
        "allow_calendars_administration", False, app="modoboa_radicale"
    )
    client = api(people.user("domain_admin"))
    with unchanged():
        assert client.get("/api/v1/calendars/%d/" % _calendar().pk).status_code == 404
        response = client.post(
            "/api/v1/shared-calendars/", {"name": "Board", "domain": DOMAIN}, format="json"
        )
        assert response.status_code == 403
