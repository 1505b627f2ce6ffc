"""Beyond the report page's 100 largest sources: every source of a period,
a page at a time, on the console and in the API, for the same people.
"""

import datetime
import re

import pytest
from django.urls import reverse

from modoboa.core import constants
from modoboa.dmarc.services import daily
from modoboa.dmarc.services import summary as summary_service

from . import corpus

WEEK = "2026-W49"
DAY = datetime.date(2026, 12, 2)


def expected_order():
    """250 trusted sources over two days of the week: volumes 300 down to
    51, every fifth volume shared by two addresses (ordered by address).
    """
    sources = []
    for rank in range(250):
        volume = 300 - rank - (rank % 5 == 1)
        sources.append(("10.0.%d.%d" % divmod(rank, 250), volume))
    order = summary_service.address_order
    ranked = sorted(sources, key=lambda item: (-item[1], order(item[0])))
    return [ip for ip, _volume in ranked], sources


@pytest.fixture
def world(superadmin, reseller, make_domain, make_account):
    hosted = corpus.hosted_domains(make_domain, make_account, reseller)
    domain = hosted["domain"]
    contributions = daily.Contributions()
    _order, sources = expected_order()
    for ip, volume in sources:
        contributions.add(domain.pk, DAY, ip, "none", "pass", "fail", volume - 1)
        contributions.add(
            domain.pk, DAY + datetime.timedelta(days=1), ip, "none", "pass", "pass", 1
        )
    contributions.add(domain.pk, DAY, "192.0.2.66", "reject", "fail", "fail", 4)
    contributions.save()
    return {
        "domain": domain,
        "allowed": {"superadmin": superadmin, "reseller": reseller, "admin": hosted["admin"]},
        "denied": {
            "other_admin": hosted["other"],
            "other_reseller": make_account("reseller2", role=constants.RESELLERS),
            "user": make_account("user@hosted.org"),
        },
    }


def list_url(domain, kind="trusted", **params):
    url = reverse("dmarc:domain_sources", args=[domain.pk, kind])
    params = {"week": WEEK, **params}
    return url + "?" + "&".join("%s=%s" % item for item in params.items())


def listed_ips(response):
    table = response.content.decode().split('id="sources"')[1].split("</table>")[0]
    return re.findall(r"<code>([^<]+)</code>", table)


@pytest.mark.parametrize("who", ["superadmin", "reseller", "admin"])
def test_report_page_links_to_the_following_sources(client, world, who):
    client.force_login(world["allowed"][who])
    page = client.get(reverse("dmarc:domain_report", args=[world["domain"].pk]), {"week": WEEK})
    links = re.findall(r'href="([^"]+)" class="more-sources"', page.content.decode())
    # Only the trusted sources go beyond 100.
    assert [link.replace("&amp;", "&") for link in links] == [list_url(world["domain"], page=2)]


def test_pages_follow_the_report_page_order(client, world, django_assert_max_num_queries):
    order, _sources = expected_order()
    client.force_login(world["allowed"]["admin"])
    first = client.get(list_url(world["domain"]))
    assert listed_ips(first) == order[:100]
    assert 'id="previous-page"' not in first.content.decode()
    with django_assert_max_num_queries(20):
        second = client.get(list_url(world["domain"], page=2))
    assert second.status_code == 200 and listed_ips(second) == order[100:200]
    text = second.content.decode()
    assert 'id="page-number">Page 2<' in text
    assert re.search(r'id="previous-page"', text) and re.search(r'id="next-page"', text)
    third = client.get(list_url(world["domain"], page=3))
    assert listed_ips(third) == order[200:]
    assert 'id="next-page"' not in third.content.decode()
    assert listed_ips(client.get(list_url(world["domain"], page=4))) == []
    threats = client.get(list_url(world["domain"], kind="threats"))
    assert listed_ips(threats) == ["192.0.2.66"]


def test_deep_pages_come_from_the_summed_volumes(client, world, monkeypatch):
    order, _sources = expected_order()
    monkeypatch.setattr(summary_service, "TOP_DEPTH", 150)
    for name in ("top_sources", "grouped_sources"):  # neither read that way
        monkeypatch.setattr(summary_service, name, None)
    client.force_login(world["allowed"]["reseller"])
    assert listed_ips(client.get(list_url(world["domain"], page=2))) == order[100:200]
    assert listed_ips(client.get(list_url(world["domain"], page=3))) == order[200:]


@pytest.mark.parametrize("page", ["0", "-1", "x", "100001", "1e3"])
def test_bad_page_numbers_are_named(client, world, page):
    client.force_login(world["allowed"]["admin"])
    response = client.get(list_url(world["domain"], page=page))
    assert response.status_code == 400
    assert 'id="period-error">page: ' in response.content.decode()


def test_bad_period_is_named(client, world):
    client.force_login(world["allowed"]["admin"])
    response = client.get(list_url(world["domain"], week="", start="2026-12-05", end="2026-12-01"))
    assert response.status_code == 400 and 'id="period-error">end: ' in response.content.decode()


@pytest.mark.parametrize("who", ["other_admin", "other_reseller", "user"])
def test_other_tenants_get_404(client, world, who):
    client.force_login(world["denied"][who])
    assert client.get(list_url(world["domain"])).status_code == 404
    assert client.get(list_url(world["domain"], page=2)).status_code == 404


def test_unknown_kind_and_anonymous(client, world):
    response = client.get(list_url(world["domain"]))
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(world["allowed"]["admin"])
    assert client.get(list_url(world["domain"], kind="friends")).status_code == 404


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def api_url(domain):
    return "/api/v1/dmarc/domains/%d/sources/" % domain.pk


def test_api_pages(api_client, world, django_assert_max_num_queries):
    order, _sources = expected_order()
    api_client.force_authenticate(world["allowed"]["admin"])
    summary = api_client.get("/api/v1/dmarc/domains/%d/summary/" % world["domain"].pk).json()
    assert summary["trusted_truncated"] and not summary["threats_truncated"]
    first = api_client.get(api_url(world["domain"]), {"week": WEEK}).json()
    assert [s["ip"] for s in first["sources"]] == order[:100]
    assert first["next_page"] == 2 and first["kind"] == "trusted"
    assert sorted(first["sources"], key=lambda s: s["ip"]) == sorted(
        (s for org in summary["trusted"] for s in org["sources"]), key=lambda s: s["ip"]
    )
    with django_assert_max_num_queries(20):
        second = api_client.get(api_url(world["domain"]), {"week": WEEK, "page": 2}).json()
    assert [s["ip"] for s in second["sources"]] == order[100:200]
    top = second["sources"][0]
    assert (top["total"], top["dkim_pass"], top["spf_pass"], top["spf_fail"]) == (
        top["total"],
        top["total"],
        1,
        top["total"] - 1,
    )
    third = api_client.get(api_url(world["domain"]), {"week": WEEK, "page": 3}).json()
    assert [s["ip"] for s in third["sources"]] == order[200:] and third["next_page"] is None
    threats = api_client.get(api_url(world["domain"]), {"week": WEEK, "kind": "threats"}).json()
    assert [(s["ip"], s["reject"]) for s in threats["sources"]] == [("192.0.2.66", 4)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"kind": "friends"}, "kind"),
        ({"start": "2026-12-05", "end": "2026-12-01"}, "end"),
        ({"week": "2026-W99"}, "week"),
    ],
)
def test_api_bad_parameters_are_named(api_client, world, params, field):
    api_client.force_authenticate(world["allowed"]["reseller"])
    response = api_client.get(api_url(world["domain"]), params)
    assert response.status_code == 400 and field in response.json()


def test_api_other_tenants_refused(api_client, world):
    for who in ("other_admin", "other_reseller"):
        api_client.force_authenticate(world["denied"][who])
        assert api_client.get(api_url(world["domain"]), {"week": WEEK}).status_code == 404
    api_client.force_authenticate(world["denied"]["user"])
    assert api_client.get(api_url(world["domain"])).status_code == 403
    api_client.force_authenticate(world["allowed"]["superadmin"])
    assert api_client.get("/api/v1/dmarc/domains/99999999/sources/").status_code == 404
