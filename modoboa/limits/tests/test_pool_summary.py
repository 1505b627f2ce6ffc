"""The resource pool a reseller sees on every console page: what it
consumes of each limit, read in two queries whatever it owns.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from modoboa.admin import services
from modoboa.core import constants
from modoboa.core.models import User
from modoboa.limits import services as limits

pytestmark = pytest.mark.django_db

PASSWORD = "Toto1234!"


def summary_and_queries(user):
    user = User.objects.get(pk=user.pk)
    user.role  # noqa: B018 (the role is cached by the request already)
    with CaptureQueriesContext(connection) as context:
        summary = limits.user_limits_summary(user)
    return summary, len(context.captured_queries)


def test_the_pool_shows_what_the_reseller_consumes_in_two_queries(reseller, make_domain):
    empty, empty_queries = summary_and_queries(reseller)
    assert {row["name"]: row["current"] for row in empty} == {
        "domains": 0,
        "domain_aliases": 0,
        "mailboxes": 0,
        "mailbox_aliases": 0,
        "domain_admins": 0,
        "quota": 0,
    }

    for i in range(2):
        domain = make_domain(
            "r%d.com" % i, acting_user=reseller, quota=100, default_mailbox_quota=10
        )
        services.create_domain_alias(acting_user=reseller, name="alias-r%d.com" % i, target=domain)
        services.create_account(acting_user=reseller, username="u@r%d.com" % i, password=PASSWORD)
        services.create_alias(
            acting_user=reseller, address="a@r%d.com" % i, recipients=["u@r%d.com" % i]
        )
    services.create_account(
        acting_user=reseller, username="da", password=PASSWORD, role=constants.DOMAINADMINS
    )
    # Another reseller's objects do not count.
    services.create_account(acting_user=None, username="x@r0.com", password=PASSWORD)

    full, full_queries = summary_and_queries(reseller)

    assert [(row["name"], row["current"], row["max"], row["usage"]) for row in full] == [
        ("domains", 2, 10, 20),
        ("domain_aliases", 2, 10, 20),
        ("mailboxes", 2, 10, 20),
        ("mailbox_aliases", 2, 10, 20),
        ("domain_admins", 1, 10, 10),
        ("quota", 200, 1000, 20),
    ]
    for row in full:
        limit = limits.get_user_limit(reseller, row["name"])
        assert row["current"] == limits.user_limit_current(limit)
    assert empty_queries == full_queries == 2
