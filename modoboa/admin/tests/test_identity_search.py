"""The identity list's search: a narrow search is served from the rows it
found (one pass over each table), a broad one is counted and sorted in
SQL; both show the same rows, in the same order, with the same count.
"""

import re

import pytest

from modoboa.admin import services
from modoboa.admin.views import identities
from modoboa.core.models import User
from modoboa.parameters import tools as param_tools

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(client, superadmin, domain, make_account):
    param_tools.set_global_parameter("items_per_page", 2, app="core")
    services.update_domain(domain, acting_user=superadmin, quota=0, default_mailbox_quota=0)
    for name in ("carol", "alice", "bob"):
        make_account("%s@test.com" % name)
    for name in ("sales", "alice.team"):
        services.create_alias(
            acting_user=superadmin, address="%s@test.com" % name, recipients=["bob@test.com"]
        )
    # An account whose email is not its username (an administrator's).
    boss = make_account("boss", role="DomainAdmins", mailbox=None)
    User.objects.filter(pk=boss.pk).update(email="chief@elsewhere.org")
    client.force_login(superadmin)
    return client


def shown(client, query):
    """The identities listed on every page for ``query``, in order, and
    the item count the pages announce.
    """
    names, counts = [], set()
    for number in range(1, 10):
        content = client.get("/admin/identities/", dict(query, page=number)).content.decode()
        names += re.findall(r'<td data-label="[^"]*"><a href="[^"]*">([^<]+)</a>', content)
        counts.update(re.findall(r"(\d+) items?</p>", content))
        if 'rel="next"' not in content:
            return names, counts
    raise AssertionError("more pages than rows")


@pytest.mark.parametrize(
    "search, expected",
    [
        ("ALICE", ["alice.team@test.com", "alice@test.com"]),
        ("elsewhere", ["boss"]),
        (
            "@test.com",
            [
                "alice.team@test.com",
                "alice@test.com",
                "bob@test.com",
                "carol@test.com",
                "sales@test.com",
            ],
        ),
        ("nothing", []),
    ],
)
def test_a_search_lists_the_same_rows_when_narrow_or_broad(listed, monkeypatch, search, expected):
    narrow = shown(listed, {"searchquery": search})
    # With a probe of one row, every search with two matches or more takes
    # the broad path (COUNT queries and a sorted scan).
    monkeypatch.setattr(identities, "SEARCH_PROBE", 0)
    broad = shown(listed, {"searchquery": search})

    assert narrow == broad == (expected, {str(len(expected))})
    reversed_order = shown(listed, {"searchquery": search, "sort": "-identity"})
    assert reversed_order == (expected[::-1], {str(len(expected))})


def test_a_narrow_search_scans_each_table_once(listed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        listed.get("/admin/identities/", {"searchquery": "alice"})
    searching = [q["sql"] for q in context.captured_queries if "LIKE" in q["sql"].upper()]
    # The accounts (username, then email) and the aliases: no COUNT.
    assert len(searching) == 2
    assert not any("COUNT(" in sql.upper() for sql in searching)


@pytest.mark.engines("sqlite")
def test_a_search_fits_the_sqlite_parameter_limit(listed):
    import sqlite3

    from django.db import connection

    expected = shown(listed, {"searchquery": "@test.com"})
    connection.ensure_connection()
    # SQLite before 3.32 takes 999 parameters; here 16, so the keys of
    # more than (16 - 10) // 3 = 2 matches cannot be sent back.
    previous = connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 16)
    try:
        assert identities.search_probe() == 2
        assert shown(listed, {"searchquery": "@test.com"}) == expected
        assert shown(listed, {"searchquery": "ALICE"})[0] == [
            "alice.team@test.com",
            "alice@test.com",
        ]
    finally:
        connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, previous)
