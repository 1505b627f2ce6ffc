"""The lists of the extensions cost the same number of queries for 3 rows
as for 30 (pages and API lists alike): nothing is looked up row by row.
"""

import pytest
from django.test import Client
from django.utils import timezone

from modoboa.amavis.factories import quarantine_message
from modoboa.amavis.services import wblist
from modoboa.dmarc.tests import corpus
from modoboa.radicale.models import AccessRule, SharedCalendar, UserCalendar
from modoboa.stats.models import Maillog

pytestmark = pytest.mark.django_db

PASSWORD = "Toto1234!"


def same_count(request, grow, django_assert_max_num_queries, limit):
    """``request()`` with 3 rows and, after ``grow(27)``, with 30: the same
    number of queries, at most ``limit``; return the second response.
    """
    grow(3)
    request()  # Caches (parameters, sessions) warm up on the first call.
    with django_assert_max_num_queries(limit) as few:
        request()
    grow(27)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        response = request()
    assert len(many.captured_queries) == len(few.captured_queries)
    return response


def console(user):
    client = Client()
    client.force_login(user)
    return client


def test_quarantine_page_and_api(domain_admin, api, django_assert_max_num_queries):
    def grow(count):
        for index in range(count):
            quarantine_message("s%d@evil.test" % index, ["admin@test.com"], subject="Spam")

    page = console(domain_admin)
    response = same_count(
        lambda: page.get("/quarantine/"), grow, django_assert_max_num_queries, 20
    )
    assert response.status_code == 200
    client = api(domain_admin)
    count = {"n": 30}

    def grow_more(number):
        count["n"] += number
        grow(number)

    response = same_count(
        # (The senders' and recipients' addresses come in two queries of
        # their own rather than joins: see the quarantine service; one
        # more reads the addresses out of the administrator's reach.)
        lambda: client.get("/api/v1/quarantine/"),
        grow_more,
        django_assert_max_num_queries,
        15,
    )
    assert response.body["count"] == count["n"]


def test_sender_lists_page_and_api(simple_user, api, django_assert_max_num_queries):
    created = {"n": 0}

    def grow(count):
        for _index in range(count):
            created["n"] += 1
            wblist.set_entry(simple_user, "user@test.com", "f%d@ok.test" % created["n"], "allow")

    client = api(simple_user)
    response = same_count(
        lambda: client.get("/api/v1/quarantine/lists/", {"owner": "user@test.com"}),
        grow,
        django_assert_max_num_queries,
        20,
    )
    assert len(response.body) == 30
    page = console(simple_user)
    response = same_count(
        lambda: page.get("/quarantine/lists/", {"owner": "user@test.com"}),
        grow,
        django_assert_max_num_queries,
        25,
    )
    assert response.content.decode().count("@ok.test") >= 57


def test_message_log_api(superadmin, api, django_assert_max_num_queries):
    def grow(count):
        Maillog.objects.bulk_create(
            Maillog(
                queue_id="Q%d" % index,
                date=timezone.now(),
                sender="a@test.com",
                rcpt="b@test.com",
                status="sent",
                from_domain="test.com",
                to_domain="test.com",
            )
            for index in range(count)
        )

    client = api(superadmin)
    response = same_count(
        lambda: client.get("/api/v1/maillog/"), grow, django_assert_max_num_queries, 10
    )
    assert len(response.body["results"]) == 30


def test_dmarc_report_api(superadmin, domain, api, django_assert_max_num_queries):
    created = {"n": 0}

    def grow(count):
        for _index in range(count):
            created["n"] += 1
            corpus.stored_report(domain, "q-%d" % created["n"], count=1)

    client = api(superadmin)
    response = same_count(
        lambda: client.get("/api/v1/dmarc/reports/"), grow, django_assert_max_num_queries, 10
    )
    rows = response.body["results"] if isinstance(response.body, dict) else response.body
    assert len(rows) == 30


def test_calendar_page(domain_admin, simple_user, django_assert_max_num_queries):
    created = {"n": 0}

    def grow(count):
        for _index in range(count):
            created["n"] += 1
            calendar = UserCalendar.objects.create(
                mailbox=simple_user.mailbox, name="Cal %d" % created["n"]
            )
            AccessRule.objects.create(
                calendar=calendar, mailbox=domain_admin.mailbox, read=True, write=True
            )
            SharedCalendar.objects.create(
                domain=simple_user.mailbox.domain, name="S%d" % created["n"]
            )

    page = console(domain_admin)
    response = same_count(lambda: page.get("/calendars/"), grow, django_assert_max_num_queries, 20)
    content = response.content.decode()
    assert "Cal 30" in content and "S30" in content
