"""The console's Quarantine pages, as each role sees them."""

import pytest
from django.urls import reverse

from modoboa.amavis import constants
from modoboa.amavis.factories import quarantine_message
from modoboa.amavis.models import Msgrcpt, Policy, Users
from modoboa.amavis.services import quarantine
from modoboa.core import constants as core_constants
from modoboa.parameters import tools as param_tools

pytestmark = pytest.mark.django_db

HOSTILE_HTML = (
    '<p>Hello</p><script>alert("x")</script><img src="http://tracker.example/p.gif">'
    '<a href="javascript:alert(1)">click</a><div style="background:url(http://t.example/)">'
    'styled</div><iframe src="http://evil.example/"></iframe>'
)


@pytest.fixture
def other_admin(make_account, other_domain):
    return make_account(
        "admin@test2.com",
        role=core_constants.DOMAINADMINS,
        domains=["test2.com"],
        mailbox={"address": "admin@test2.com"},
    )


@pytest.fixture
def spam(domain):
    return quarantine_message(
        "spammer@evil.com",
        ["user@test.com"],
        subject='<script>alert("subject")</script>Win',
        html=HOSTILE_HTML,
    )


def test_domain_admin_lists_its_quarantine_only(
    client, domain_admin, other_admin, spam, django_assert_max_num_queries
):
    client.force_login(domain_admin)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("amavis:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "user@test.com" in html
    assert 'title="S">Spam</span>' in html
    assert "&lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt;Win" in html
    assert '<script>alert("subject")' not in html
    client.force_login(other_admin)
    html = client.get(reverse("amavis:index")).content.decode()
    assert "user@test.com" not in html and "Empty quarantine" in html
    assert client.get(reverse("amavis:detail", args=[spam])).status_code == 404
    client.post(reverse("amavis:action", args=[spam, "delete"]))
    assert Msgrcpt.objects.get(mail_id=spam).rs == constants.RS_NEW


def test_list_query_count_does_not_grow_with_the_page(client, domain_admin, domain):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(domain_admin)
    quarantine_message("a@evil.com", ["user@test.com"])
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("amavis:index"))
    for index in range(25):
        quarantine_message("s%d@evil.com" % index, ["user@test.com"])
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("amavis:index")).status_code == 200
    assert len(many.captured_queries) == len(one.captured_queries)


def test_message_view_shows_sanitised_html_without_remote_content(client, domain_admin, spam):
    client.force_login(domain_admin)
    page = client.get(reverse("amavis:detail", args=[spam]))
    assert page.status_code == 200
    html = page.content.decode()
    frame = html.split('srcdoc="', 1)[1].split('"', 1)[0]
    assert "Hello" in frame and "styled" in frame
    for forbidden in ("script", "tracker.example", "javascript:", "t.example", "evil.example"):
        assert forbidden not in frame
    assert 'sandbox=""' in html
    assert Msgrcpt.objects.get(mail_id=spam).rs == constants.RS_VIEWED


def test_simple_user_requests_release_and_admin_sees_the_counter(
    client, simple_user, domain_admin, spam
):
    client.force_login(simple_user)
    page = client.post(reverse("amavis:action", args=[spam, "release"]), follow=True)
    assert "Release request sent" in page.content.decode()
    assert Msgrcpt.objects.get(mail_id=spam).rs == constants.RS_PENDING
    client.force_login(domain_admin)
    notifications = client.get(reverse("core:top_notifications_check")).json()
    assert any("1 pending release request" in item["text"] for item in notifications)
    page = client.get(reverse("amavis:index") + "?pending=1")
    assert "release requested" in page.content.decode()


def test_release_with_amavis_unreachable_says_so_and_changes_nothing(client, domain_admin, spam):
    param_tools.set_global_parameter(
        "am_pdp_socket", "/nonexistent/amavisd.sock", app="modoboa_amavis"
    )
    client.force_login(domain_admin)
    page = client.post(reverse("amavis:action", args=[spam, "release"]), follow=True)
    assert "Connection to Amavis at /nonexistent/amavisd.sock failed" in page.content.decode()
    assert Msgrcpt.objects.get(mail_id=spam).rs == constants.RS_NEW


def test_bulk_delete_skips_other_tenants_messages(client, domain_admin, other_domain, spam):
    foreign = quarantine_message("x@evil.com", ["boss@test2.com"])
    client.force_login(domain_admin)
    page = client.post(
        reverse("amavis:bulk"), {"action": "delete", "selection": [spam, foreign]}, follow=True
    )
    assert "1 message(s) processed" in page.content.decode()
    assert Msgrcpt.objects.get(mail_id=spam).rs == constants.RS_DELETED
    assert Msgrcpt.objects.get(mail_id=foreign).rs == constants.RS_NEW


def test_bad_filters_get_a_clear_message(client, superadmin, spam):
    client.force_login(superadmin)
    page = client.get(reverse("amavis:index") + "?type=Q")
    assert page.status_code == 400
    assert "Unknown message type: Q" in page.content.decode()


def test_content_filter_tab_writes_the_domain_policy(client, superadmin, domain):
    client.force_login(superadmin)
    url = reverse("admin:domain_change", args=[domain.pk])
    page = client.get(url)
    assert "Content filter" in page.content.decode()
    form = page.context["general"]
    data = {key: value for key, value in form.initial.items() if value is not None}
    data["name"] = "test.com"
    data.update(
        {
            "content_filter-virus": "no",
            "content_filter-spam": "yes",
            "content_filter-banned": "default",
            "content_filter-spam_tag2_level": "4.5",
            "content_filter-spam_kill_level": "3",
            "content_filter-spam_subject_tag2": "[SPAM]",
        }
    )
    page = client.post(url, data)
    assert page.status_code == 400
    assert "must not be lower than the tag2 level" in page.content.decode()
    data["content_filter-spam_kill_level"] = "9"
    page = client.post(url, data)
    assert page.status_code == 302, page.content.decode()[:3000]
    policy = Policy.objects.get(pk=Users.objects.get(email="@test.com").policy_id)
    assert (policy.bypass_virus_checks, policy.bypass_spam_checks) == ("Y", "N")
    assert policy.bypass_banned_checks is None
    assert (policy.spam_tag2_level, policy.spam_kill_level) == (4.5, 9.0)
    assert policy.spam_subject_tag2 == "[SPAM]"


def test_lists_page_adds_and_removes_entries(client, domain_admin, other_domain):
    client.force_login(domain_admin)
    url = reverse("amavis:lists")
    page = client.post(url, {"owner": "@test.com", "sender": "not an address", "kind": "block"})
    assert page.status_code == 400
    assert "Enter an address, @domain or @.domain" in page.content.decode()
    page = client.post(url, {"owner": "@test2.com", "sender": "a@b.com", "kind": "block"})
    assert page.status_code == 403
    client.post(url, {"owner": "@test.com", "sender": "@.spam.org", "kind": "block"})
    html = client.get(url + "?owner=@test.com").content.decode()
    assert "@.spam.org" in html
    client.post(url, {"owner": "@test.com", "remove": "@.spam.org"})
    assert "@.spam.org" not in client.get(url + "?owner=@test.com").content.decode()


def test_self_service_needs_the_secret_and_the_parameter(client, spam):
    from modoboa.amavis.models import Msgs

    secret = Msgs.objects.get(mail_id=spam).secret_id
    url = reverse("amavis:self_service", args=[spam])
    assert client.get(url + "?secret_id=" + secret).status_code == 403
    param_tools.set_global_parameter("self_service", True, app="modoboa_amavis")
    assert client.get(url + "?secret_id=wrong").status_code == 404
    page = client.get(url + "?secret_id=" + secret)
    assert page.status_code == 200 and "Hello" in page.content.decode()
    client.post(url, {"secret_id": secret, "action": "delete"})
    assert Msgrcpt.objects.get(mail_id=spam).rs == constants.RS_DELETED


def test_domain_form_without_the_tab_keeps_the_policy(client, superadmin, domain):
    from modoboa.amavis.services import policies

    policies.update_content_filter(domain, acting_user=superadmin, spam="no", spam_kill_level=7)
    client.force_login(superadmin)
    url = reverse("admin:domain_change", args=[domain.pk])
    form = client.get(url).context["general"]
    data = {key: value for key, value in form.initial.items() if value is not None}
    data["name"] = "test.com"
    assert client.post(url, data).status_code == 302
    assert policies.get_content_filter(domain)["spam"] == "no"
    assert policies.get_content_filter(domain)["spam_kill_level"] == 7.0


def test_huge_message_gets_a_clear_message(client, domain_admin, domain, monkeypatch):
    mail = quarantine_message("a@evil.com", ["user@test.com"], body="x" * 40000)
    monkeypatch.setattr(quarantine, "MAX_SOURCE", 20000)
    client.force_login(domain_admin)
    page = client.get(reverse("amavis:detail", args=[mail]))
    assert page.status_code == 400
    assert "too big to be displayed" in page.content.decode()
    assert Msgrcpt.objects.get(mail_id=mail).rs == constants.RS_NEW


def test_a_large_quarantine_is_counted_up_to_a_limit(client, superadmin, domain, monkeypatch):
    """Past COUNT_LIMIT rows the page says "more than" and its last page
    holds the oldest messages.
    """
    import datetime

    from django.utils import timezone

    monkeypatch.setattr(quarantine, "COUNT_LIMIT", 4)
    superadmin.parameters.set_value("messages_per_page", 2, app="modoboa_amavis")
    superadmin.parameters.save()
    start = timezone.now() - datetime.timedelta(days=1)
    for index in range(9):
        quarantine_message(
            "s%d@evil.com" % index,
            ["user@test.com"],
            subject="Offer %d" % index,
            received=start + datetime.timedelta(minutes=index),
        )
    client.force_login(superadmin)
    html = client.get(reverse("amavis:index")).content.decode()
    assert "More than 6 items" in html
    assert "Offer 8" in html and "Offer 7" in html and "Offer 6" not in html
    last = client.get(reverse("amavis:index") + "?page=999").content.decode()
    assert "Offer 1" in last and "Offer 0" in last and "Offer 2" not in last
    assert 'aria-current="page"><span class="page-link">Last<' in last
    # Below the limit, the count is exact.
    few = client.get(reverse("amavis:index") + "?pattern=Offer+1").content.decode()
    assert "1 item" in few and "More than" not in few
