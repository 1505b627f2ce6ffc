"""Permission matrix of the DMARC API."""

import datetime

import pytest
from django.utils import timezone

from modoboa.admin.models import Domain
from modoboa.dmarc.models import Record, Report, Reporter

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
}


@pytest.fixture
def people(superadmin):
    people = build_people(superadmin)
    reporter = Reporter.objects.create(org_name="Reporter", email="dmarc@reporter.test")
    end = timezone.now()
    report = Report.objects.create(
        report_id="matrix-1",
        reporter=reporter,
        start_date=end - datetime.timedelta(days=1),
        end_date=end,
        policy_domain=DOMAIN,
        policy_adkim="r",
        policy_aspf="r",
        policy_p="none",
        policy_sp="none",
        policy_pct=100,
    )
    Record.objects.create(
        report=report,
        source_ip="192.0.2.7",
        count=3,
        disposition="none",
        dkim_result="pass",
        spf_result="pass",
        header_from=Domain.objects.get(name=DOMAIN),
    )
    return people


def test_matrix_covers_every_route():
    assert set(CASES) == extension_routes("modoboa.dmarc")


@pytest.mark.parametrize("route", list(CASES), ids="-".join)
def test_permission_matrix(route, people, api, unchanged):
    case = CASES[route]
    assert statuses(case, people, api, unchanged) == case.expected
