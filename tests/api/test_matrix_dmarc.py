"""Permission matrix of the DMARC API."""

import pytest

from modoboa.admin.models import Domain
from modoboa.dmarc.models import Report
from modoboa.dmarc.tests import corpus

from .extension_matrix import DOMAIN, Case, build_people, expect, extension_routes, statuses


def _report():
    return Report.objects.get(report_id="matrix-1")


def _listed(people, response):
    rows = response.body["results"] if isinstance(response.body, dict) else response.body
    return _report().pk in [row["pk"] for row in rows]


CASES = {
    ("dmarc-report-list", "GET"): Case(
        lambda client, people: client.get("/api/v1/dmarc/reports/"),
        expect("200+", "200+", "200+", "200-", 403, 403),
        found=_listed,
    ),
    ("dmarc-report-detail", "GET"): Case(
        lambda client, people: client.get("/api/v1/dmarc/reports/%d/" % _report().pk),
        expect(200, 200, 200, 404, 403, 403),
    ),
    ("dmarc-domain-summary", "GET"): Case(
        lambda client, people: client.get(
            "/api/v1/dmarc/domains/%d/summary/" % Domain.objects.get(name=DOMAIN).pk
        ),
        expect(200, 200, 200, 404, 403, 403),
    ),
    ("dmarc-domain-sources", "GET"): Case(
        lambda client, people: client.get(
            "/api/v1/dmarc/domains/%d/sources/?kind=threats" % Domain.objects.get(name=DOMAIN).pk
        ),
        expect(200, 200, 200, 404, 403, 403),
    ),
}


@pytest.fixture
def people(superadmin):
    people = build_people(superadmin)
    corpus.stored_report(Domain.objects.get(name=DOMAIN), "matrix-1")
    return people


def test_matrix_covers_every_route():
    assert set(CASES) == extension_routes("modoboa.dmarc")


@pytest.mark.parametrize("route", list(CASES), ids="-".join)
def test_permission_matrix(route, people, api, unchanged):
    case = CASES[route]
    assert statuses(case, people, api, unchanged) == case.expected
