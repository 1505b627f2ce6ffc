"""The report page, the domain list badge and the API, for every role."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from modoboa.core import constants
from modoboa.dmarc.models import DomainRecord
from modoboa.dmarc.services import import_mail
from modoboa.dmarc.services import summary as summary_service

from . import corpus

WEEK = "2026-W49"


@pytest.fixture
def world(superadmin, reseller, make_domain, make_account, set_limits):
    """hosted.org (the reseller's, with an administrator) with reports,
    and people who must not see them.
    """
    hosted = corpus.hosted_domains(make_domain, make_account, reseller)
    admin, other_admin = hosted["admin"], hosted["other"]
    other_reseller = make_account("reseller2", role=constants.RESELLERS)
    user = make_account("user@hosted.org")
    for raw in (corpus.google_mail(), corpus.microsoft_mail(), corpus.yahoo_mail()):
        assert import_mail(raw).imported
    return {
        "domain": hosted["domain"],
        "allowed": {"superadmin": superadmin, "reseller": reseller, "admin": admin},
        "denied": {"other_admin": other_admin, "other_reseller": other_reseller, "user": user},
    }


def page_url(domain, **params):
    url = reverse("dmarc:domain_report", args=[domain.pk])
    if params:
        url += "?" + "&".join("%s=%s" % item for item in params.items())
    return url


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_week_page_shows_totals_sources_and_chart(client, world):
    client.force_login(world["allowed"]["admin"])
    response = client.get(page_url(world["domain"], week=WEEK))
    assert response.status_code == 200
    html = response.content.decode()
    # google: 12 full + 3 partial + 5 failed; microsoft: 7 full + 2 failed;
    # yahoo: 4 partial.
    assert re.search(r'id="total-messages">33<', html)
    assert re.search(r'id="total-fully">19<', html)
    assert re.search(r'id="total-partially">7<', html)
    assert re.search(r'id="total-failed">7<', html)
    trusted = html.split('id="trusted-sources"')[1].split("</table>")[0]
    threats = html.split('id="threat-sources"')[1].split("</table>")[0]
    assert "192.0.2.10" in trusted and "2001:db8::25" in trusted and "192.0.2.11" in trusted
    assert "203.0.113.66" in threats and "198.51.100.77" in threats
    assert "203.0.113.66" not in trusted
    assert "Unresolved" in trusted
    assert "Week 49 of 2026" in text(response)
    # Seven bars, each with its counts in a tooltip.
    assert html.count('class="dmarc-bar"') == 7
    assert "12 fully aligned, 3 partially aligned, 5 failed" in html


def test_default_week_is_the_latest_report_and_navigation_moves_by_a_week(client, world):
    client.force_login(world["allowed"]["superadmin"])
    response = client.get(page_url(world["domain"]))
    assert "Week 49 of 2026" in text(response)
    assert 'href="%s"' % page_url(world["domain"], week="2026-W48") in response.content.decode()
    assert 'href="%s"' % page_url(world["domain"], week="2026-W50") in response.content.decode()
    previous = client.get(page_url(world["domain"], week="2026-W48"))
    assert re.search(r'id="total-messages">0<', previous.content.decode())


def test_any_range_of_days(client, world):
    client.force_login(world["allowed"]["reseller"])
    response = client.get(page_url(world["domain"], start="2026-12-01", end="2026-12-02"))
    html = response.content.decode()
    # Microsoft's (Dec 1) and Yahoo's (Dec 2) reports only.
    assert re.search(r'id="total-messages">13<', html)
    assert html.count('class="dmarc-bar"') == 2
    assert "2026-12-01 – 2026-12-02" in text(response)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"week": "2026-W99"}, "week"),
        ({"start": "2026-12-05", "end": "2026-12-01"}, "end"),
        ({"start": "yesterday", "end": "2026-12-01"}, "start"),
        ({"start": "2020-01-01", "end": "2026-12-01"}, "end"),
        ({"start": "9999-12-01", "end": "9999-12-31"}, "start"),
        ({"start": "0001-01-01", "end": "0001-01-02"}, "start"),
        ({"week": "9999-W52"}, "week"),
        ({"week": "0001-W01"}, "week"),
    ],
)
def test_bad_periods_are_named_not_500(client, world, params, field):
    client.force_login(world["allowed"]["admin"])
    response = client.get(page_url(world["domain"], **params))
    assert response.status_code == 400
    assert re.search(r'id="period-error">%s: ' % field, response.content.decode())


@pytest.mark.parametrize("who", ["other_admin", "other_reseller", "user"])
def test_others_get_404(client, world, who):
    client.force_login(world["denied"][who])
    assert client.get(page_url(world["domain"], week=WEEK)).status_code == 404


def test_anonymous_is_sent_to_the_login_page(client, world):
    response = client.get(page_url(world["domain"]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_page_runs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    client.force_login(world["allowed"]["admin"])
    client.get(page_url(world["domain"], week=WEEK))
    with django_assert_max_num_queries(14):
        client.get(page_url(world["domain"], start="2026-01-01", end="2026-12-31"))


def test_yearly_view_buckets_by_week(world):
    period = summary_service.parse_period({"start": "2026-01-05", "end": "2027-01-03"})
    summary = summary_service.summarize(world["domain"], period)
    assert summary.bucket == "week" and len(summary.buckets) == 52
    assert summary.total == 33
    week = [b for b in summary.buckets if b[0] == summary_service.week_of(period.start).start]
    assert week


def test_organisation_domain():
    assert summary_service.organisation_domain("mail-wr1-f41.google.com") == "google.com"
    assert summary_service.organisation_domain("smtp.example.co.uk.") == "example.co.uk"


# Domain list badge -----------------------------------------------------------


def test_domain_list_shows_the_dmarc_status(client, world, django_assert_max_num_queries):
    other = world["domain"].__class__.objects.get(name="other.org")
    DomainRecord.objects.create(
        domain=world["domain"],
        record="v=DMARC1; p=reject",
        policy="reject",
        checked=timezone.now(),
    )
    DomainRecord.objects.create(domain=other, record="", policy="", checked=timezone.now())
    client.force_login(world["allowed"]["superadmin"])
    with django_assert_max_num_queries(20):
        response = client.get(reverse("admin:domain_list"))
    html = response.content.decode()
    row = html.split(">hosted.org<")[1].split("</tr>")[0]
    assert "DMARC p=reject" in row
    assert 'href="%s"' % reverse("dmarc:domain_report", args=[world["domain"].pk]) in row
    assert "No DMARC" in html.split(">other.org<")[1].split("</tr>")[0]


# API -----------------------------------------------------------------------


def test_api_lists_reports_of_reachable_domains_only(api_client, world):
    for who, user in world["allowed"].items():
        api_client.force_authenticate(user)
        response = api_client.get("/api/v1/dmarc/reports/", {"domain": corpus.DOMAIN, "page": 1})
        assert response.status_code == 200, who
        assert sorted(r["org_name"] for r in response.json()["results"]) == [
            "Enterprise Outlook",
            "Yahoo",
            "google.com",
        ]
    for who in ("other_admin", "other_reseller"):
        api_client.force_authenticate(world["denied"][who])
        assert api_client.get("/api/v1/dmarc/reports/", {"page": 1}).json()["count"] == 0, who
    api_client.force_authenticate(world["denied"]["user"])
    assert api_client.get("/api/v1/dmarc/reports/").status_code == 403


def test_api_summary(api_client, world):
    url = "/api/v1/dmarc/domains/%d/summary/" % world["domain"].pk
    api_client.force_authenticate(world["allowed"]["admin"])
    data = api_client.get(url, {"week": WEEK}).json()
    assert (data["total"], data["fully"], data["partially"], data["failed"]) == (33, 19, 7, 7)
    assert data["start"] == "2026-11-30" and data["end"] == "2026-12-06"
    assert [b["fully"] for b in data["buckets"]][:3] == [12, 7, 0]
    threats = {s["ip"]: s for org in data["threats"] for s in org["sources"]}
    assert threats["198.51.100.77"]["reject"] == 2
    bad = api_client.get(url, {"start": "2026-12-05", "end": "2026-12-01"})
    assert bad.status_code == 400 and "end" in bad.json()
    for who in ("other_admin", "other_reseller"):
        api_client.force_authenticate(world["denied"][who])
        assert api_client.get(url).status_code == 404
    api_client.force_authenticate(world["denied"]["user"])
    assert api_client.get(url).status_code == 403


def test_api_calendar_year_shows_the_same_sources_as_the_weeks(api_client, world):
    url = "/api/v1/dmarc/domains/%d/summary/" % world["domain"].pk
    api_client.force_authenticate(world["allowed"]["admin"])
    week = api_client.get(url, {"week": WEEK}).json()
    year = api_client.get(url, {"start": "2026-01-01", "end": "2026-12-31"}).json()
    assert (year["total"], year["fully"], year["partially"], year["failed"]) == (33, 19, 7, 7)
    assert year["bucket"] == "week" and not year["trusted_truncated"]
    for table in ("trusted", "threats"):
        assert year[table] == week[table]


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def test_domain_page_has_a_dmarc_card(client, world):
    DomainRecord.objects.create(
        domain=world["domain"],
        record="v=DMARC1; p=none; rua=mailto:rua@hosted.org",
        policy="none",
        checked=timezone.now(),
    )
    client.force_login(world["allowed"]["admin"])
    response = client.get(reverse("admin:domain_detail", args=[world["domain"].pk]))
    card = response.content.decode().split('id="dmarc-widget"')[1].split("</section>")[0]
    assert "DMARC p=none" in card and "rua=mailto:rua@hosted.org" in card
    assert reverse("dmarc:domain_report", args=[world["domain"].pk]) in card
    assert "Latest report:" in card


def test_report_page_in_french(client, world):
    client.force_login(world["allowed"]["admin"])
    response = client.get(page_url(world["domain"], week=WEEK), HTTP_ACCEPT_LANGUAGE="fr")
    page = text(response)
    assert "Semaine 49 de 2026" in page
    assert "Sources de confiance" in page and "Menaces" in page and "Non résolu" in page


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"week": "abc"}, "week"),
        ({"week": "2026-W00"}, "week"),
        ({"start": "2026-12-01"}, "end"),
        ({"end": "2026-12-01"}, "start"),
        ({"start": "2026-02-30", "end": "2026-03-01"}, "start"),
        ({"start": "2026-12-01\x00", "end": "2026-12-02"}, "start"),
        ({"start": "2" * 300, "end": "2026-12-02"}, "start"),
    ],
)
def test_api_summary_bad_parameters_are_named(api_client, world, params, field):
    api_client.force_authenticate(world["allowed"]["superadmin"])
    url = "/api/v1/dmarc/domains/%d/summary/" % world["domain"].pk
    response = api_client.get(url, params)
    assert response.status_code == 400
    assert field in response.json()


def test_api_unknown_ids_answer_404(api_client, world):
    api_client.force_authenticate(world["allowed"]["superadmin"])
    assert api_client.get("/api/v1/dmarc/domains/99999999999/summary/").status_code == 404
    assert api_client.get("/api/v1/dmarc/reports/99999999999/").status_code == 404
    assert api_client.get("/api/v1/dmarc/reports/", {"domain": "x" * 300}).status_code == 400


def test_api_report_list_runs_a_fixed_number_of_queries(
    api_client, world, django_assert_max_num_queries
):
    api_client.force_authenticate(world["allowed"]["reseller"])
    with django_assert_max_num_queries(6) as first:
        api_client.get("/api/v1/dmarc/reports/", {"page": 1})
    import_mail(
        corpus.mail([("r.xml", "text/xml", corpus.xml("yahoo.xml").replace(b"741258", b"99"))])
    )
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = api_client.get("/api/v1/dmarc/reports/", {"page": 1})
    assert response.json()["count"] == 4
