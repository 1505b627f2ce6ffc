"""Lists of every endpoint: a fixed number of SQL queries whatever the
number of rows, a streamed JSON array by default, pages on request.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from modoboa.admin import services
from modoboa.admin.models import Domain
from modoboa.core import constants
from modoboa.core.models import User
from modoboa.limits import services as limits_services

PASSWORD = "Toto1234!"
RELAY = {"service": "relay", "settings": {"relay_target_host": "192.0.2.1"}}
LIST_ENDPOINTS = (
    "domains",
    "domainaliases",
    "accounts",
    "aliases",
    "senderaddresses",
    "relaydomains",
)
# Whatever the endpoint and the role: the request's savepoint and its
# release, the configuration row, the token with its user, the caller's
# role, the count of a page, the rows and two prefetches.
MAX_QUERIES = 10


@pytest.fixture
def unlimited_reseller(reseller):
    for name in ("domains", "domain_aliases", "mailboxes", "mailbox_aliases", "domain_admins"):
        limits_services.set_user_limit(reseller, name, -1, acting_user=None)
    limits_services.set_user_limit(reseller, "quota", 0, acting_user=None)
    return reseller


@pytest.fixture
def actors(superadmin, unlimited_reseller, domain_admin, make_domain):
    """``role -> (caller, creator, home domain)``: the caller reaches
    whatever the creator makes in the home domain.
    """
    reseller_home = services.create_domain(acting_user=unlimited_reseller, name="reseller.com")
    return {
        constants.SUPERADMINS: (superadmin, superadmin, Domain.objects.get(name="test.com")),
        constants.RESELLERS: (unlimited_reseller, unlimited_reseller, reseller_home),
        constants.DOMAINADMINS: (domain_admin, superadmin, Domain.objects.get(name="test.com")),
    }


def add_rows(endpoint, start, count, caller, creator, home):
    """Create ``count`` rows of ``endpoint`` that ``caller`` reaches."""
    for i in range(start, start + count):
        if endpoint in ("domains", "relaydomains"):
            relay = endpoint == "relaydomains"
            domain = services.create_domain(
                acting_user=creator,
                name="%s%d.com" % ("relay" if relay else "dom", i),
                type="relaydomain" if relay else "domain",
                transport=RELAY if relay else None,
            )
            if caller.role == constants.DOMAINADMINS:
                services.add_domain_admin(domain, caller, acting_user=creator)
        elif endpoint == "domainaliases":
            services.create_domain_alias(acting_user=creator, name="alias%d.org" % i, target=home)
        elif endpoint == "accounts":
            # Every other account administers the home domain, so the
            # prefetch of administered domains has rows to load.
            admin = i % 2 and creator.role != constants.DOMAINADMINS
            services.create_account(
                acting_user=creator,
                username="u%d@%s" % (i, home.name),
                password=PASSWORD,
                role=constants.DOMAINADMINS if admin else constants.SIMPLEUSERS,
                mailbox={"address": "u%d@%s" % (i, home.name), "quota": 1},
                domains=[home.name] if admin else (),
            )
        elif endpoint == "aliases":
            services.create_alias(
                acting_user=creator,
                address="a%d@%s" % (i, home.name),
                recipients=["x%d@elsewhere.org" % i, "y@elsewhere.org"],
            )
        elif endpoint == "senderaddresses":
            box = User.objects.filter(username="sender@%s" % home.name).first()
            if box is None:
                box = services.create_account(
                    acting_user=creator,
                    username="sender@%s" % home.name,
                    password=PASSWORD,
                    mailbox={"address": "sender@%s" % home.name, "quota": 1},
                )
            services.create_sender_address(
                acting_user=creator, address="s%d@elsewhere.org" % i, mailbox=box.mailbox
            )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.body
    return len(context.captured_queries), response


@pytest.mark.parametrize("paged", [False, True], ids=["stream", "page"])
@pytest.mark.parametrize(
    "role", [constants.SUPERADMINS, constants.RESELLERS, constants.DOMAINADMINS]
)
@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS)
def test_list_runs_the_same_queries_for_1_and_30_rows(
    endpoint, role, paged, actors, api, django_assert_max_num_queries
):
    caller, creator, home = actors[role]
    client = api(caller)
    url = "/api/v1/%s/%s" % (endpoint, "?page=1&page_size=100" if paged else "")

    add_rows(endpoint, 0, 1, caller, creator, home)
    queries_for_one, response = count_queries(client, url)
    rows = response.body["results"] if paged else response.body
    before = len(rows)
    assert queries_for_one <= MAX_QUERIES

    add_rows(endpoint, 1, 29, caller, creator, home)
    with django_assert_max_num_queries(queries_for_one):
        response = client.get(url)
    rows = response.body["results"] if paged else response.body
    assert len(rows) == before + 29
    if paged:
        assert response.body["count"] == before + 29


@pytest.mark.parametrize("endpoint", ["domains", "accounts", "aliases"])
def test_filtered_list_runs_a_fixed_number_of_queries(
    endpoint, actors, api, django_assert_max_num_queries
):
    caller, creator, home = actors[constants.SUPERADMINS]
    add_rows(endpoint, 0, 30, caller, creator, home)
    name = "dom3.com" if endpoint == "domains" else home.name
    client = api(caller)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get("/api/v1/%s/?domain=%s&page=1" % (endpoint, name))
    assert response.status_code == 200
    assert response.body["count"] >= 1


def test_full_list_is_a_streamed_json_array(api, superadmin, domain):
    response = api(superadmin).get("/api/v1/domains/")
    assert response.streaming
    assert response["Content-Type"] == "application/json"
    assert [row["name"] for row in response.body] == ["test.com"]


def test_streamed_list_reads_rows_chunk_by_chunk(api, superadmin):
    """The rows are fetched (and their groups prefetched) one chunk at a
    time while the body is sent: reading the first piece of the body runs
    fewer queries than reading all of it.
    """
    User.objects.bulk_create(
        User(username="bulk%05d" % i, password="{PLAIN}!x") for i in range(2500)
    )
    client = api(superadmin)
    from rest_framework.test import APIClient

    raw = APIClient()
    raw.credentials(**client._credentials)
    with CaptureQueriesContext(connection) as context:
        response = raw.get("/api/v1/accounts/")
        pieces = iter(response.streaming_content)
        first = next(pieces)
        after_first = len(context.captured_queries)
        rest = b"".join(pieces)
        at_end = len(context.captured_queries)
    assert first.startswith(b"[")
    assert rest.endswith(b"]")
    assert at_end > after_first
    import json

    assert len(json.loads(first + rest)) == 2501


def test_page_has_count_links_and_results(api, superadmin, make_domain):
    for i in range(12):
        make_domain("page%02d.com" % i)
    response = api(superadmin).get("/api/v1/domains/?page=2&page_size=5")
    assert response.status_code == 200
    assert response.body["count"] == 12
    assert [row["name"] for row in response.body["results"]] == [
        "page%02d.com" % i for i in range(5, 10)
    ]
    assert response.body["next"].endswith("/api/v1/domains/?page=3&page_size=5")
    assert response.body["previous"].endswith("/api/v1/domains/?page_size=5")


def test_page_size_is_capped_at_1000(api, superadmin):
    Domain.objects.bulk_create(Domain(name="bulk%04d.com" % i) for i in range(1005))
    response = api(superadmin).get("/api/v1/domains/?page_size=100000")
    assert response.status_code == 200
    assert response.body["count"] == 1005
    assert len(response.body["results"]) == 1000


@pytest.mark.parametrize("page", ["0", "99", "abc", "99999999999999999999"])
def test_page_out_of_range_is_a_json_404(api, superadmin, domain, page):
    response = api(superadmin).get("/api/v1/domains/?page=%s" % page)
    assert response.status_code == 404
    assert "detail" in response.body
