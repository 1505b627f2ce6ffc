"""Statistics page, graphs, message log page, dashboard widget and API, for
every role.
"""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.utils import timezone

from modoboa.core import constants
from modoboa.stats import logparser, svg
from modoboa.stats.models import GLOBAL, HOUR, MINUTE, AccountCounter, Counter, Maillog

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def world(hosted, domain, other_domain, make_account, log_copy):
    """stats.test (traffic of the fixture log, today), test.com and
    test2.com (one message each).
    """
    now = timezone.now()
    logparser.parse_log(
        str(log_copy("rfc3339_negative.txt")),
        now=datetime.datetime(2026, 3, 11, tzinfo=datetime.UTC),
    )
    # The counters of the fixture log, moved to the current hour (and its
    # minutes to the last minute): in the past, and today.
    moment = int(now.timestamp())
    Counter.objects.filter(step=MINUTE).delete()
    Counter.objects.filter(step=HOUR).update(start=moment // HOUR * HOUR)
    for row in Counter.objects.filter(step=HOUR):
        row.pk, row.step, row.start = None, MINUTE, moment // MINUTE * MINUTE - MINUTE
        row.save()
    Maillog.objects.update(date=now - datetime.timedelta(minutes=10))
    for name in ("test.com", "test2.com"):
        Maillog.objects.create(
            queue_id="Q%s" % name.replace(".", ""),
            date=now,
            sender="someone@outside.test",
            rcpt="user@%s" % name,
            status="sent",
            size=10,
            from_domain="outside.test",
            to_domain=name,
        )
    return now


@pytest.fixture
def stats_admin(make_account, hosted):
    return make_account(
        "boss@stats.test",
        role=constants.DOMAINADMINS,
        domains=["stats.test"],
        mailbox={"address": "boss@stats.test"},
    )


def svg_texts(response):
    root = ET.fromstring(response.content)
    return [element.text for element in root.iter() if element.text]


# Statistics page and pictures


def test_superadmin_sees_the_server_graphs(client, superadmin, world):
    client.force_login(superadmin)
    response = client.get("/stats/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "/stats/graph/?scope=global&amp;period=day&amp;graph=traffic" in content
    assert "graph=accounts" in content
    picture = client.get("/stats/graph/?scope=global&period=day&graph=traffic")
    assert picture.status_code == 200
    assert picture["Content-Type"].startswith("image/svg+xml")
    assert picture["Content-Security-Policy"].startswith("default-src 'none'")
    texts = svg_texts(picture)
    assert "Mail traffic: Global" in texts and "received" in texts and "bounced" in texts
    polylines = list(ET.fromstring(picture.content).iter(SVG + "polyline"))
    assert len(polylines) == 6


def test_a_domain_admin_sees_its_domains_only(client, stats_admin, world):
    client.force_login(stats_admin)
    response = client.get("/stats/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "scope=stats.test" in content and "graph=accounts" not in content
    assert '<option value="alias-stats.test">' in content
    assert "test.com" not in content
    assert client.get("/stats/graph/?scope=stats.test&graph=size").status_code == 200
    assert client.get("/stats/graph/?scope=alias-stats.test&graph=traffic").status_code == 200
    for scope in ("test.com", "global", "unknown.test"):
        assert client.get("/stats/graph/?scope=%s&graph=traffic" % scope).status_code == 403
        assert client.get("/stats/?scope=%s" % scope).status_code == 403
    assert client.get("/stats/graph/?scope=stats.test&graph=accounts").status_code == 403


def test_a_reseller_sees_the_domains_it_created(client, reseller, make_domain, world):
    make_domain("resold.test", acting_user=reseller, quota=10, default_mailbox_quota=1)
    client.force_login(reseller)
    assert client.get("/stats/graph/?scope=resold.test&graph=traffic").status_code == 200
    assert client.get("/stats/graph/?scope=stats.test&graph=traffic").status_code == 403


def test_a_simple_user_has_no_statistics_page(client, simple_user, world):
    client.force_login(simple_user)
    assert client.get("/stats/").status_code == 403
    assert client.get("/stats/graph/?scope=test.com&graph=traffic").status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        "graph=pie",
        "graph=traffic&period=decade",
        "graph=traffic&period=custom",
        "graph=traffic&period=custom&start=2026-03-10&end=2026-03-01",
        "graph=traffic&period=custom&start=2020-01-01&end=2026-03-01",
        "graph=traffic&period=custom&start=yesterday&end=2026-03-01",
    ],
)
def test_bad_graph_queries_are_clear_400s(client, superadmin, world, query):
    client.force_login(superadmin)
    response = client.get("/stats/graph/?" + query)
    assert response.status_code == 400
    assert response.content


def test_the_graph_of_a_custom_period(client, superadmin, world):
    client.force_login(superadmin)
    today = timezone.localdate()
    response = client.get(
        "/stats/graph/?scope=stats.test&graph=traffic&period=custom&start=%s&end=%s"
        % (today - datetime.timedelta(days=40), today)
    )
    assert response.status_code == 200


def test_hostile_text_stays_text_in_a_picture():
    document = svg.line_chart(
        '<script>alert(1)</script>"&', [0, 60], [("sent", "<b>x</b>", [1, 2])], 60
    )
    root = ET.fromstring(document)
    assert root.find(SVG + "title").text == '<script>alert(1)</script>"&'
    assert not [e for e in root.iter() if e.tag.endswith("script") or e.tag.endswith("b")]


# Series


def test_series_sum_the_minutes_of_each_point(superadmin, world):
    from modoboa.stats import services

    day = services.series(superadmin, "stats.test", "day")
    assert day["step"] == 300
    assert sum(point["recv"] for point in day["points"]) == 2
    assert sum(point["bounced"] for point in day["points"]) == 1
    year = services.series(superadmin, "global", "year")
    assert year["step"] == 24 * 3600
    assert sum(point["recv"] for point in year["points"]) == 3
    assert len(year["points"]) in (365, 366)


def test_a_year_of_points_costs_one_query(superadmin, world, django_assert_num_queries):
    from modoboa.stats import services

    with django_assert_num_queries(1):
        services.series(superadmin, "global", "year")


# Message log


def test_domain_admin_searches_the_log_of_its_domains(client, stats_admin, world):
    client.force_login(stats_admin)
    response = client.get("/stats/maillog/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "ghost@outside.test" in content and "user@test.com" not in content
    response = client.get("/stats/maillog/?status=bounced")
    content = response.content.decode()
    assert "ghost@outside.test" in content and "far@outside.test" not in content
    content = client.get("/stats/maillog/?queue_id=Qtestcom").content.decode()
    assert "No message found." in content


def test_a_simple_user_sees_its_own_messages(client, make_account, world):
    owner = make_account("user@test.com")
    client.force_login(owner)
    response = client.get("/stats/maillog/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "user@test.com" in content and "user@test2.com" not in content
    assert "stats.test" not in content
    # Its menu has the message log, not the statistics.
    assert 'href="/stats/maillog/"' in content and 'href="/stats/"' not in content


def test_administrators_menu_has_both_pages(client, stats_admin, world):
    client.force_login(stats_admin)
    content = client.get("/stats/maillog/").content.decode()
    assert 'href="/stats/maillog/"' in content and 'href="/stats/"' in content


def test_bad_searches_are_clear_400s(client, superadmin, world):
    client.force_login(superadmin)
    for query in ("status=lost", "start=2026-03-10&end=2026-03-01", "page=0", "start=never"):
        response = client.get("/stats/maillog/?" + query)
        assert response.status_code == 400, query
        assert "alert-danger" in response.content.decode()


def test_message_log_pages_cost_a_fixed_number_of_queries(
    client, superadmin, stats_admin, world, django_assert_max_num_queries
):
    now = timezone.now()
    Maillog.objects.bulk_create(
        Maillog(
            queue_id="BULK%d" % index,
            date=now - datetime.timedelta(seconds=index),
            sender="user@stats.test",
            rcpt="r%d@outside.test" % index,
            status="sent",
            from_domain="stats.test",
            to_domain="outside.test",
        )
        for index in range(120)
    )
    # The base page costs the same whatever the page (the middlewares and the
    # top bar of the other applications included, and for an administrator
    # the mailboxes of its domains it does not administer); one query on
    # the log.
    for user in (superadmin, stats_admin):
        client.force_login(user)
        for page in (1, 2, 3):
            with django_assert_max_num_queries(13) as queries:
                response = client.get("/stats/maillog/?page=%d" % page)
            assert sum("stats_maillog" in query["sql"] for query in queries.captured_queries) == 1
            assert response.status_code == 200
        content = client.get("/stats/maillog/?page=2").content.decode()
        assert 'rel="prev"' in content and 'rel="next"' in content


# Dashboard


def test_the_dashboard_shows_todays_totals(client, superadmin, stats_admin, world):
    client.force_login(superadmin)
    content = client.get("/dashboard/").content.decode()
    assert 'data-counter="recv">3<' in content and 'data-counter="reject">1<' in content
    client.force_login(stats_admin)
    content = client.get("/dashboard/").content.decode()
    # stats.test and its alias.
    assert 'data-counter="recv">3<' in content and 'data-counter="sent">1<' in content


def test_yesterdays_traffic_is_not_in_todays_totals(superadmin, hosted):
    from modoboa.stats import services

    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    Counter.objects.create(
        step=HOUR, domain=GLOBAL, start=int(midnight.timestamp()) - HOUR, recv=5
    )
    Counter.objects.create(step=HOUR, domain=GLOBAL, start=int(midnight.timestamp()), recv=2)
    Counter.objects.create(step=MINUTE, domain=GLOBAL, start=int(midnight.timestamp()), recv=2)
    assert services.today_totals(superadmin)["recv"] == 2


# API


def test_api_statistics_follow_the_same_permissions(api, superadmin, stats_admin, world):
    response = api(superadmin).get("/api/v1/statistics/?scope=global&period=week")
    assert response.status_code == 200
    assert response.body["step"] == 3600
    assert sum(point["recv"] for point in response.body["points"]) == 3
    response = api(stats_admin).get("/api/v1/statistics/?scope=stats.test")
    assert response.status_code == 200
    assert sum(point["reject"] for point in response.body["points"]) == 1
    assert api(stats_admin).get("/api/v1/statistics/?scope=test.com").status_code == 403
    assert api(stats_admin).get("/api/v1/statistics/?scope=global").status_code == 403
    assert api(stats_admin).get("/api/v1/statistics/?graph=accounts").status_code == 403
    assert api(None).get("/api/v1/statistics/").status_code == 401


def test_api_statistics_bad_input(api, superadmin, world):
    response = api(superadmin).get("/api/v1/statistics/?period=decade")
    assert response.status_code == 400 and "period" in response.body
    response = api(superadmin).get("/api/v1/statistics/?period=custom&start=2026-01-01")
    assert response.status_code == 400 and "start" in response.body


def test_api_account_statistics(api, superadmin, simple_user):
    call_command("update_statistics")
    response = api(superadmin).get("/api/v1/statistics/?graph=accounts&period=day")
    assert response.status_code == 200
    # The super administrator and the simple user.
    assert sum(point["new_accounts"] for point in response.body["points"]) == 2


def test_api_message_log_search(api, superadmin, stats_admin, make_account, world):
    body = api(superadmin).get("/api/v1/maillog/?rcpt=test.com").body
    assert [row["rcpt"] for row in body["results"]] == ["user@test.com"]
    body = api(stats_admin).get("/api/v1/maillog/?page_size=2").body
    assert len(body["results"]) == 2 and body["has_next"] is True
    assert {row["status"] for row in api(stats_admin).get("/api/v1/maillog/").body["results"]} == {
        "sent",
        "bounced",
        "rejected",
        "greylisted",
    }
    assert api(stats_admin).get("/api/v1/maillog/?rcpt=user@test.com").body["results"] == []
    owner = make_account("user@test2.com", role=constants.SIMPLEUSERS)
    body = api(owner).get("/api/v1/maillog/").body
    assert [row["rcpt"] for row in body["results"]] == ["user@test2.com"]
    response = api(superadmin).get("/api/v1/maillog/?status=lost")
    assert response.status_code == 400 and "status" in response.body
    assert api(None).get("/api/v1/maillog/").status_code == 401


# update_statistics


def test_update_statistics_counts_accounts_per_hour_and_twice_the_same(superadmin, simple_user):
    call_command("update_statistics")
    call_command("update_statistics")
    assert sum(AccountCounter.objects.values_list("new_accounts", flat=True)) == 2
    simple_user.delete()
    call_command("update_statistics", rebuild=True)
    assert sum(AccountCounter.objects.values_list("new_accounts", flat=True)) == 1


def test_api_page_numbers_give_the_same_slices_as_the_console(api, client, superadmin):
    now = timezone.now().replace(microsecond=0)
    Maillog.objects.bulk_create(
        Maillog(
            queue_id="P%03d" % index,
            date=now - datetime.timedelta(seconds=index // 3),
            sender="user@stats.test",
            rcpt="r@outside.test",
            status="sent",
            from_domain="stats.test",
            to_domain="outside.test",
        )
        for index in range(130)
    )
    newest = list(Maillog.objects.order_by("-date", "-id").values_list("queue_id", flat=True))
    for page in (1, 3, 7, 13, 14):
        body = api(superadmin).get("/api/v1/maillog/?page=%d&page_size=10" % page).body
        assert [row["queue_id"] for row in body["results"]] == newest[(page - 1) * 10 : page * 10]
        assert body["page"] == page and body["has_next"] is (page < 13)
    client.force_login(superadmin)
    content = client.get("/stats/maillog/?page=3").content.decode()
    shown = sorted(
        (content.index(">%s<" % queue_id), queue_id)
        for queue_id in newest
        if ">%s<" % queue_id in content
    )
    assert [queue_id for _position, queue_id in shown] == newest[100:130]


def test_an_administrator_without_a_domain_sees_an_empty_log(client, api, reseller, world):
    """A reseller who has created no domain yet may see nothing: an empty
    message log on the page and in the API (was a 500: the page's SQL was
    built from a search that can match nothing).
    """
    client.force_login(reseller)
    response = client.get("/stats/maillog/")
    assert response.status_code == 200
    assert "Qtestcom" not in response.content.decode()
    response = api(reseller).get("/api/v1/maillog/")
    assert response.status_code == 200
    assert response.body["results"] == []
    assert not response.body["has_next"]
    assert api(reseller).get("/api/v1/maillog/?page=3").status_code == 200
