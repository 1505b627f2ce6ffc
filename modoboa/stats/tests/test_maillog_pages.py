"""Pages of the message log read as a union of index scans (an
administrator's domains, a user's addresses): every visible row once, in
order, whatever the page size; nothing of the others.
"""

import datetime

import pytest
from django.utils import timezone

from modoboa.core import constants
from modoboa.stats import services
from modoboa.stats.models import Maillog

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed_log(hosted):
    """Rows from, to and between stats.test and its alias, rows of a user
    as sender, recipient and original recipient (and to itself), and rows
    of nobody's business; some share the same second.
    """
    now = timezone.now()
    shapes = [
        ("u@stats.test", "far@outside.test", ""),
        ("far@outside.test", "u@stats.test", ""),
        ("u@stats.test", "v@alias-stats.test", ""),
        ("x@alias-stats.test", "far@outside.test", ""),
        ("far@outside.test", "other@elsewhere.test", ""),
        ("far@outside.test", "forward@outside.test", "u@stats.test"),
        ("u@stats.test", "u@stats.test", ""),
        ("a@elsewhere.test", "b@elsewhere.test", ""),
    ]
    rows = []
    for index in range(64):
        sender, rcpt, original = shapes[index % len(shapes)]
        rows.append(
            Maillog(
                queue_id="Q%03d" % index,
                # Pairs of rows in the same second: the id breaks the tie.
                date=now - datetime.timedelta(seconds=index // 2),
                sender=sender,
                rcpt=rcpt,
                original_rcpt=original,
                status="bounced" if index % 3 == 0 else "sent",
                from_domain=sender.split("@")[1],
                to_domain=rcpt.split("@")[1],
            )
        )
    Maillog.objects.bulk_create(rows)
    return now


def all_pages(user, size, **filters):
    found, page = [], 1
    while True:
        rows, has_next = services.page_of(services.search_messages(user, **filters), page, size)
        found += [row.queue_id for row in rows]
        if not has_next:
            return found
        assert len(rows) == size
        page += 1


def expected(predicate, status=None):
    rows = Maillog.objects.order_by("-date", "-id")
    return [
        row.queue_id for row in rows if predicate(row) and (status is None or row.status == status)
    ]


def test_an_administrators_pages_hold_each_row_of_its_domains_once(mixed_log, make_account):
    boss = make_account(
        "boss@stats.test",
        role=constants.DOMAINADMINS,
        domains=["stats.test"],
        mailbox={"address": "boss@stats.test"},
    )
    names = {"stats.test", "alias-stats.test"}
    wanted = expected(lambda row: row.from_domain in names or row.to_domain in names)
    assert len(wanted) == 40 and len(set(wanted)) == 40
    for size in (1, 5, 7, 40, 100):
        assert all_pages(boss, size) == wanted
    bounced = expected(
        lambda row: row.from_domain in names or row.to_domain in names, status="bounced"
    )
    assert all_pages(boss, 4, status="bounced") == bounced
    # A page past the end is empty, not an error.
    assert services.page_of(services.search_messages(boss), 50, 10) == ([], False)


def test_a_users_pages_hold_each_of_its_messages_once(mixed_log, make_account):
    user = make_account("u@stats.test")
    address = "u@stats.test"
    wanted = expected(lambda row: address in (row.sender, row.rcpt, row.original_rcpt))
    assert len(wanted) == 40 and len(set(wanted)) == 40
    for size in (1, 3, 40, 41):
        assert all_pages(user, size) == wanted
    assert all_pages(user, 6, rcpt="u@stats.test") == expected(
        lambda row: address in (row.rcpt, row.original_rcpt)
    )


def test_a_page_of_parts_is_one_query(mixed_log, make_account, django_assert_num_queries):
    user = make_account("u@stats.test")
    search = services.search_messages(user)
    with django_assert_num_queries(1):
        rows, has_next = services.page_of(search, 3, 5)
    assert len(rows) == 5 and has_next


def page_ids(user, number, size, **filters):
    rows, has_next = services.page_of(services.search_messages(user, **filters), number, size)
    return [row.queue_id for row in rows], has_next


def role_and_predicate(role, superadmin, make_account):
    if role == "superadmin":
        return superadmin, lambda row: True
    if role == "administrator":
        boss = make_account(
            "boss@stats.test",
            role=constants.DOMAINADMINS,
            domains=["stats.test"],
            mailbox={"address": "boss@stats.test"},
        )
        names = {"stats.test", "alias-stats.test"}
        return boss, lambda row: row.from_domain in names or row.to_domain in names
    address = "u@stats.test"
    user = make_account(address)
    return user, lambda row: address in (row.sender, row.rcpt, row.original_rcpt)


@pytest.mark.parametrize("role", ["superadmin", "administrator", "user"])
def test_page_n_is_the_nth_slice_of_the_whole_order(
    role, mixed_log, superadmin, make_account, django_assert_num_queries
):
    """Any page asked directly (not walked to) is its slice of the rows
    newest first, ties on the date broken by the id, with or without a
    status; past the end, nothing.
    """
    user, predicate = role_and_predicate(role, superadmin, make_account)
    for status in (None, "bounced"):
        wanted = expected(predicate, status=status)
        filters = {"status": status} if status else {}
        for size in (3, 7):
            last = -(-len(wanted) // size)
            for number in (1, 2, 4, last - 1, last, last + 1, last + 5):
                search = services.search_messages(user, **filters)
                with django_assert_num_queries(1):
                    rows, has_next = services.page_of(search, number, size)
                found = [row.queue_id for row in rows]
                assert found == wanted[(number - 1) * size : number * size], (status, size, number)
                assert has_next is (len(wanted) > number * size)


@pytest.fixture
def tied_log(hosted, make_domain):
    """Groups of five rows logged in the same second, the ids in another
    order than the queue ids, from and to two domains.
    """
    make_domain("other.test")
    moment = timezone.now().replace(microsecond=0)
    rows = []
    for index in range(40):
        group, rank = divmod(index, 5)
        domain = "stats.test" if rank % 2 == 0 else "other.test"
        rows.append(
            Maillog(
                queue_id="T%02d" % ((index * 7) % 40),
                date=moment - datetime.timedelta(seconds=group),
                sender="a@%s" % domain,
                rcpt="far@outside.test" if rank != 4 else "b@other.test",
                status="sent",
                from_domain=domain,
                to_domain="outside.test" if rank != 4 else "other.test",
            )
        )
    Maillog.objects.bulk_create(rows)


@pytest.mark.parametrize("role", ["superadmin", "administrator"])
def test_ties_on_the_date_are_cut_by_the_id(role, tied_log, superadmin, make_account):
    user, predicate = role_and_predicate(role, superadmin, make_account)
    wanted = expected(predicate)
    ordered = list(Maillog.objects.order_by("-date", "-id").values_list("date", "id"))
    assert ordered == sorted(ordered, reverse=True)
    for size in (2, 3, 4):
        for number in range(1, len(wanted) // size + 2):
            assert page_ids(user, number, size)[0] == wanted[(number - 1) * size : number * size]


def test_an_administrator_never_sees_another_domains_rows(mixed_log, make_domain, make_account):
    make_domain("elsewhere.test")
    other = make_account(
        "boss@elsewhere.test",
        role=constants.DOMAINADMINS,
        domains=["elsewhere.test"],
        mailbox={"address": "boss@elsewhere.test"},
    )
    seen = []
    for size in (1, 4, 100):
        rows = [
            (row.from_domain, row.to_domain)
            for number in range(1, 70)
            for row in services.page_of(services.search_messages(other), number, size)[0]
        ]
        assert rows
        assert all("elsewhere.test" in pair for pair in rows)
        seen.append(len(rows))
    assert seen == [16, 16, 16]
    # Not through a filter on a domain of the other administrator either.
    assert page_ids(other, 1, 50, sender="stats.test") == ([], False)
    assert page_ids(other, 3, 5, status="bounced")[0] == [
        queue_id
        for queue_id in expected(
            lambda row: "elsewhere.test" in (row.from_domain, row.to_domain), "bounced"
        )[10:15]
    ]


def test_searches_of_an_administrators_own_domain_and_of_an_address(
    mixed_log, superadmin, make_account
):
    """A search by one of its domains (no union needed) and by a recipient
    address (the recipient or the original recipient: a union) give each
    page its slice, for every role.
    """
    boss, visible = role_and_predicate("administrator", superadmin, make_account)
    cases = [
        ({"sender": "stats.test"}, lambda row: row.from_domain == "stats.test"),
        ({"rcpt": "alias-stats.test"}, lambda row: row.to_domain == "alias-stats.test"),
        ({"rcpt": "u@stats.test"}, lambda row: "u@stats.test" in (row.rcpt, row.original_rcpt)),
        ({"sender": "elsewhere.test"}, lambda row: row.from_domain == "elsewhere.test"),
    ]
    user = make_account("u@stats.test")
    for who, allowed in (
        (superadmin, lambda row: True),
        (boss, visible),
        (user, lambda row: "u@stats.test" in (row.sender, row.rcpt, row.original_rcpt)),
    ):
        for filters, predicate in cases:
            wanted = expected(lambda row, a=allowed, p=predicate: a(row) and p(row))
            for size in (2, 5):
                for number in (1, 2, 3, 9):
                    assert (
                        page_ids(who, number, size, **filters)[0]
                        == (wanted[(number - 1) * size : number * size])
                    ), (who, filters, size, number)
    assert page_ids(boss, 1, 50, sender="elsewhere.test") == ([], False)


@pytest.mark.parametrize("listed", [1, 500])
def test_an_address_search_of_an_administrator_with_many_domains(
    listed, mixed_log, superadmin, make_account, monkeypatch
):
    """Past MAX_LISTED_NAMES the domains are subqueries, also inside an
    address search: the same rows either way.
    """
    monkeypatch.setattr(services, "MAX_LISTED_NAMES", listed)
    boss, visible = role_and_predicate("administrator", superadmin, make_account)
    for filters, predicate in (
        ({"rcpt": "u@stats.test"}, lambda row: "u@stats.test" in (row.rcpt, row.original_rcpt)),
        ({"status": "bounced"}, lambda row: row.status == "bounced"),
    ):
        wanted = expected(lambda row, p=predicate: visible(row) and p(row))
        assert wanted
        assert all_pages(boss, 3, **filters) == wanted
