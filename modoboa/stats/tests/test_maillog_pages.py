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
