"""Pages past the middle of a list are read backwards from the end (a
small OFFSET instead of one as large as the list) and hold exactly the
rows a forward read would give, ties and NULLs included.
"""

import re

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from modoboa.admin import services
from modoboa.admin.models import Domain
from modoboa.admin.views.identities import identity_count, identity_rows
from modoboa.lib.listing import Listing

pytestmark = pytest.mark.django_db

PER_PAGE = 3


def pages(queryset, query, **kwargs):
    """Every page of the listing of ``queryset`` for ``query``, and the
    largest OFFSET its SELECTs used.
    """
    first = Listing(RequestFactory().get("/", query), queryset, per_page=PER_PAGE, **kwargs)
    result, offsets = [], [0]
    for number in first.paginator.page_range:
        request = RequestFactory().get("/", dict(query, page=number))
        with CaptureQueriesContext(connection) as context:
            listing = Listing(request, queryset, per_page=PER_PAGE, **kwargs)
            result.append([row for row in listing.items])
        offsets += [
            int(n) for q in context.captured_queries for n in re.findall(r"OFFSET (\d+)", q["sql"])
        ]
    return result, max(offsets)


@pytest.fixture
def domains(make_domain):
    # Ties on the quota, so the order within them comes from the tie breaker.
    quotas = [20, 0, 10, 20, 10, 0, 20, 10, 0, 30, 20]
    return [
        make_domain("d%02d.test" % i, quota=q, default_mailbox_quota=min(q, 1))
        for i, q in enumerate(quotas)
    ]


@pytest.mark.parametrize("sort", ["quota", "-quota", "name", "-name"])
def test_every_page_holds_the_rows_of_a_forward_read(domains, sort):
    queryset = Domain.objects.all()
    fields = {"name": "name", "quota": "quota"}
    forward = Listing(
        RequestFactory().get("/", {"sort": sort}),
        queryset,
        sort_fields=fields,
        default_sort="name",
        per_page=1000,
    )
    expected = [d.pk for d in forward.items]
    assert len(expected) == len(domains)

    result, largest_offset = pages(
        queryset, {"sort": sort}, sort_fields=fields, default_sort="name"
    )

    assert [d.pk for page in result for d in page] == expected
    assert [len(page) for page in result] == [3, 3, 3, 2]
    # The last page starts at row 9: read from the end, it needs no offset.
    assert largest_offset <= PER_PAGE


def test_the_identity_union_pages_backwards_in_the_same_order(superadmin, domain, make_account):
    for name in ("b", "d", "a", "c"):
        make_account("%s@test.com" % name)
    for name in ("b", "e", "a"):
        services.create_alias(
            acting_user=superadmin, address="%s.alias@test.com" % name, recipients=["a@test.com"]
        )
    kwargs = {
        "sort_fields": {"identity": ("identity", "kind")},
        "default_sort": "identity",
        "plain_ordering": True,
        "count": lambda: identity_count(superadmin, {}),
    }
    rows = identity_rows(superadmin, {})
    for sort in ("identity", "-identity"):
        forward = list(
            Listing(RequestFactory().get("/", {"sort": sort}), rows, per_page=1000, **kwargs).items
        )

        result, _largest_offset = pages(rows, {"sort": sort}, **kwargs)

        assert [row for page in result for row in page] == forward
        identities = [row["identity"] for row in forward]
        assert identities == sorted(identities, reverse=sort.startswith("-"))


def capped(query, count_limit, **kwargs):
    return Listing(
        RequestFactory().get("/", query),
        Domain.objects.all(),
        sort_fields={"name": "name"},
        default_sort="name",
        per_page=PER_PAGE,
        count_limit=count_limit,
        **kwargs,
    )


def test_a_capped_count_numbers_the_first_pages_then_the_last(domains):
    names = sorted(domain.name for domain in domains)  # 11 domains
    listing = capped({}, count_limit=6)
    assert listing.count_capped and listing.paginator.lower_bound == 9
    # Pages 1 and 2 (6 rows), then the last page: the 3 last names.
    assert listing.paginator.num_pages == 3
    assert [d.name for d in listing.items] == names[:3]
    assert [d.name for d in capped({"page": 2}, 6).items] == names[3:6]
    last = capped({"page": 10**6}, 6)
    assert last.page.number == 3 and [d.name for d in last.items] == names[-3:]
    assert [d.name for d in capped({"page": 3, "sort": "-name"}, 6).items] == names[:3][::-1]


def test_the_count_is_exact_below_the_limit(domains):
    # 11 rows <= limit + one page: counted exactly, paged as usual.
    listing = capped({"page": 4}, count_limit=8)
    assert not listing.count_capped and listing.paginator.count == 11
    assert [d.name for d in listing.items] == sorted(d.name for d in domains)[9:]


def test_the_capped_count_reads_at_most_the_limit(domains):
    with CaptureQueriesContext(connection) as context:
        list(capped({}, count_limit=3).items)
    counts = [q["sql"] for q in context.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and re.search(r"LIMIT 7\b", counts[0]), counts


def test_a_capped_list_says_more_than(client, superadmin, domains):
    from django.template import engines

    listing = capped({}, count_limit=3)
    html = engines["django"].from_string("{% load modoboa_tags %}{% pagination listing %}")
    text = html.render({"listing": listing})
    assert "More than 6 items" in text and ">Last<" in text
