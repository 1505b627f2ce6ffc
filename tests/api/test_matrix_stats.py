"""Permission matrix of the statistics and message log API."""

import pytest
from django.utils import timezone

from modoboa.stats.models import Maillog

from .extension_matrix import DOMAIN, Case, build_people, expect, extension_routes, statuses


def _owner_row_listed(people, response):
    return "OWNERQ" in [row["queue_id"] for row in response.body["results"]]


CASES = {
    ("statistics", "GET"): Case(
        lambda client, people: client.get("/api/v1/statistics/", {"scope": DOMAIN}),
        expect(200, 200, 200, 403, 403, 403),
    ),
    ("maillog", "GET"): Case(
        lambda client, people: client.get("/api/v1/maillog/"),
        expect("200+", "200+", "200+", "200-", "200+", "200-"),
        found=_owner_row_listed,
    ),
}


@pytest.fixture
def people(superadmin):
    people = build_people(superadmin)
    Maillog.objects.create(
        queue_id="OWNERQ",
        date=timezone.now(),
        sender="someone@outside.test",
        rcpt="owner@%s" % DOMAIN,
        status="sent",
        from_domain="outside.test",
        to_domain=DOMAIN,
    )
    return people


def test_matrix_covers_every_route():
    assert set(CASES) == extension_routes("modoboa.stats")


@pytest.mark.parametrize("route", list(CASES), ids="-".join)
def test_permission_matrix(route, people, api, unchanged):
    case = CASES[route]
    assert statuses(case, people, api, unchanged) == case.expected
