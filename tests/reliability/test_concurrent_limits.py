"""Limits and quota pools hold under real parallelism: gunicorn with four
workers serves the test database, and twenty clients send their requests
at the same moment.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db.models import Sum
from rest_framework.authtoken.models import Token

from modoboa.admin.models import Domain, Mailbox
from modoboa.core import constants
from modoboa.limits.models import UserObjectLimit
from modoboa.limits.services import get_user_limit, user_limit_current
from tests.fixtures.mailserver import manage_py_environment

from .instance import account_payload, serve_test_database

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CLIENTS = 20


@pytest.fixture
def server(tmp_path):
    with serve_test_database(tmp_path / "gunicorn.log", manage_py_environment()) as url:
        yield url


def at_once(url, user, requests_to_send):
    """Send ``[(method, path, body)]`` from one client each, all released at
    the same moment; return the statuses."""
    token = Token.objects.get_or_create(user=user)[0].key
    barrier = threading.Barrier(len(requests_to_send))

    def send(item):
        method, path, body = item
        session = requests.Session()
        session.headers["Authorization"] = "Token %s" % token
        barrier.wait(timeout=60)
        return session.request(method, url + path, json=body, timeout=120).status_code

    with ThreadPoolExecutor(len(requests_to_send)) as pool:
        return list(pool.map(send, requests_to_send))


def no_server_error(statuses):
    assert [s for s in statuses if s >= 500] == [], statuses


def test_twenty_creations_against_one_remaining_slot_create_exactly_one(server, domain_admin):
    limit = get_user_limit(domain_admin, "mailboxes")
    used = user_limit_current(limit)
    UserObjectLimit.objects.filter(pk=limit.pk).update(max_value=used + 1)
    before = Mailbox.objects.count()
    statuses = at_once(
        server,
        domain_admin,
        [
            ("POST", "/api/v1/accounts/", account_payload("racer%d@test.com" % i))
            for i in range(CLIENTS)
        ],
    )
    no_server_error(statuses)
    assert statuses.count(201) == 1, statuses
    assert Mailbox.objects.count() == before + 1
    assert user_limit_current(get_user_limit(domain_admin, "mailboxes")) == used + 1


def test_concurrent_quota_raises_never_exceed_the_domain_quota(server, superadmin, domain):
    # test.com: 50 MB to share. Ten mailboxes of 1 MB leave 40 MB; each
    # client raises one mailbox to 9 MB (+8): five fit.
    from modoboa.admin import services

    accounts = [
        services.create_account(
            acting_user=superadmin,
            username="box%d@test.com" % i,
            role=constants.SIMPLEUSERS,
            password="Toto1234!",  # noqa: S106 - test account
            mailbox={"address": "box%d@test.com" % i, "quota": 1},
        )
        for i in range(10)
    ]
    statuses = at_once(
        server,
        superadmin,
        [
            ("PATCH", "/api/v1/accounts/%d/" % account.pk, {"mailbox": {"quota": 9}})
            for account in accounts
        ],
    )
    no_server_error(statuses)
    assert statuses.count(200) == 5, statuses
    total = Mailbox.objects.filter(domain=domain).aggregate(total=Sum("quota"))["total"]
    assert total == 50


def test_concurrent_domain_creations_never_exceed_the_reseller_quota_pool(server, reseller):
    # 1000 MB in the reseller's pool: three domains of 300 MB fit.
    statuses = at_once(
        server,
        reseller,
        [
            (
                "POST",
                "/api/v1/domains/",
                {"name": "pool%d.example" % i, "quota": 300, "default_mailbox_quota": 10},
            )
            for i in range(CLIENTS)
        ],
    )
    no_server_error(statuses)
    assert statuses.count(201) == 3, statuses
    total = Domain.objects.filter(name__startswith="pool").aggregate(total=Sum("quota"))
    assert total["total"] == 900
