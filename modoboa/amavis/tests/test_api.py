"""The quarantine API: same permission model as the console."""

import pytest

from modoboa.amavis import constants
from modoboa.amavis.factories import quarantine_message
from modoboa.amavis.models import Msgrcpt, Policy, Users

pytestmark = pytest.mark.django_db


@pytest.fixture
def mails(domain, other_domain):
    return (
        quarantine_message("s@evil.com", ["user@test.com"], subject="Mine", html="<b>x</b>"),
        quarantine_message("s@evil.com", ["boss@test2.com"], subject="Theirs"),
    )


def test_list_is_filtered_by_role(api, superadmin, domain_admin, simple_user, mails):
    response = api(superadmin).get("/api/v1/quarantine/")
    assert response.status_code == 200 and response.body["count"] == 2
    response = api(domain_admin).get("/api/v1/quarantine/")
    assert [row["subject"] for row in response.body["results"]] == ["Mine"]
    response = api(simple_user).get("/api/v1/quarantine/?search=mine&criteria=subject")
    assert [row["recipient"] for row in response.body["results"]] == ["user@test.com"]
    assert api(None).get("/api/v1/quarantine/").status_code == 401
    response = api(superadmin).get("/api/v1/quarantine/?type=Z")
    assert response.status_code == 400 and "type" in response.body


def test_detail_and_actions_refuse_other_tenants(api, domain_admin, mails, unchanged):
    mine, theirs = mails
    response = api(domain_admin).get("/api/v1/quarantine/%s/" % mine)
    assert response.status_code == 200 and response.body["html"].strip() == "<b>x</b>"
    with unchanged():
        assert api(domain_admin).get("/api/v1/quarantine/%s/" % theirs).status_code == 404
        for action in ("release", "delete", "mark_spam"):
            response = api(domain_admin).post("/api/v1/quarantine/%s/%s/" % (theirs, action))
            assert response.status_code == 404, action
    response = api(domain_admin).post("/api/v1/quarantine/%s/delete/" % mine)
    assert response.status_code == 200 and response.body == {"result": "deleted"}
    assert Msgrcpt.objects.get(mail_id=mine).rs == constants.RS_DELETED


def test_simple_user_release_is_a_request(api, simple_user, mails):
    response = api(simple_user).post("/api/v1/quarantine/%s/release/" % mails[0])
    assert response.body == {"result": "requested"}
    response = api(simple_user).post("/api/v1/quarantine/%s/release/" % mails[0])
    assert response.status_code == 400


def test_content_filter(api, superadmin, domain_admin, domain, other_domain, simple_user):
    url = "/api/v1/quarantine/contentfilter/%d/" % domain.pk
    assert api(domain_admin).get(url).body["spam"] == "default"
    # Like the domain form, changing it needs admin.change_domain.
    response = api(domain_admin).patch(url, {"spam": "no"}, format="json")
    assert response.status_code == 403
    response = api(superadmin).patch(url, {"spam": "no", "spam_kill_level": 12}, format="json")
    assert response.status_code == 200 and response.body["spam"] == "no"
    policy = Policy.objects.get(pk=Users.objects.get(email="@test.com").policy_id)
    assert (policy.bypass_spam_checks, policy.spam_kill_level) == ("Y", 12.0)
    response = api(superadmin).patch(url, {"spam": "maybe"}, format="json")
    assert response.status_code == 400 and "spam" in response.body
    other = "/api/v1/quarantine/contentfilter/%d/" % other_domain.pk
    assert api(domain_admin).get(other).status_code == 404
    assert api(simple_user).get(url).status_code == 404


def test_sender_lists(api, simple_user, domain_admin):
    client = api(simple_user)
    response = client.post(
        "/api/v1/quarantine/lists/",
        {"owner": "user@test.com", "sender": "friend@ok.org", "kind": "allow"},
        format="json",
    )
    assert response.status_code == 201
    response = client.get("/api/v1/quarantine/lists/?owner=user@test.com")
    assert response.body == [
        {"owner": "user@test.com", "sender": "friend@ok.org", "kind": "allow"}
    ]
    response = client.post(
        "/api/v1/quarantine/lists/",
        {"owner": "@test.com", "sender": "x@ok.org", "kind": "block"},
        format="json",
    )
    assert response.status_code == 403
    response = client.delete(
        "/api/v1/quarantine/lists/",
        {"owner": "user@test.com", "sender": "friend@ok.org"},
        format="json",
    )
    assert response.status_code == 204
    assert client.get("/api/v1/quarantine/lists/?owner=user@test.com").body == []


def test_a_large_quarantine_is_counted_up_to_a_limit(api, superadmin, domain, monkeypatch):
    """Like the console: past COUNT_LIMIT rows, count is a lower bound,
    count_capped says so and page=last holds the oldest messages.
    """
    import datetime

    from django.utils import timezone

    from modoboa.amavis.services import quarantine

    monkeypatch.setattr(quarantine, "COUNT_LIMIT", 4)
    start = timezone.now() - datetime.timedelta(days=1)
    for index in range(9):
        quarantine_message(
            "s%d@evil.com" % index,
            ["user@test.com"],
            subject="Offer %d" % index,
            received=start + datetime.timedelta(minutes=index),
        )
    client = api(superadmin)
    body = client.get("/api/v1/quarantine/?page_size=2").body
    assert body["count"] == 6 and body["count_capped"] is True
    assert [row["subject"] for row in body["results"]] == ["Offer 8", "Offer 7"]
    assert "page=2" in body["next"] and body["previous"] is None
    body = client.get("/api/v1/quarantine/?page_size=2&page=last").body
    assert [row["subject"] for row in body["results"]] == ["Offer 1", "Offer 0"]
    assert body["next"] is None and "page=2" in body["previous"]
    body = client.get("/api/v1/quarantine/?page_size=2&page=2").body
    assert [row["subject"] for row in body["results"]] == ["Offer 6", "Offer 5"]
    response = client.get("/api/v1/quarantine/?page_size=2&page=9")
    assert response.status_code == 404 and response.body["detail"] == "Invalid page."
    # Below the limit, the count is exact.
    body = client.get("/api/v1/quarantine/?search=Offer+1&criteria=subject").body
    assert body["count"] == 1 and body["count_capped"] is False
