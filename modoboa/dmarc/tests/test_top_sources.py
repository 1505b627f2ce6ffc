"""The top sources of any period, read by the threshold algorithm, are
exactly those of every summary row summed per source (and those of the
records themselves): same addresses, same counters, same order.
"""

import datetime
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from modoboa.dmarc.services import daily
from modoboa.dmarc.services import summary as summary_service

from . import corpus

COUNTERS = summary_service.COUNTERS
FIRST = datetime.date(2025, 6, 1)
DAYS = 760  # to 2027-06-30


@pytest.fixture
def generated(make_domain):
    """A domain with records over three calendar years: a few large
    sources, many small ones (flat, with equal volumes to order by
    address), some days without any report. Returns the domain and the
    records ``(day, ip, passed, counters)``.
    """
    domain = make_domain(corpus.DOMAIN)
    rng = random.Random(21)
    contributions = daily.Contributions()
    records = []
    for _number in range(2500):
        day = FIRST + datetime.timedelta(days=rng.randrange(DAYS))
        if day.month == 2:
            continue  # no data in Februaries
        if rng.random() < 0.2:
            ip, count = "198.51.100.%d" % rng.randrange(1, 9), rng.randint(20, 60)
        else:
            ip, count = (
                "203.0.%d.%d" % (rng.randrange(3), rng.randrange(1, 120)),
                rng.randint(1, 3),
            )
        disposition = rng.choice(("none", "quarantine", "reject"))
        dkim, spf = rng.choice(("pass", "fail")), rng.choice(("pass", "fail"))
        contributions.add(domain.pk, day, ip, disposition, dkim, spf, count)
        records.append((day, ip, disposition, dkim, spf, count))
    contributions.save()
    return domain, records


def from_records(records, period, passed):
    """The ranking computed from the generated records one by one (equal
    volumes in the database's order of addresses).
    """
    sums = {}
    for day, ip, disposition, dkim, spf, count in records:
        if not period.start <= day <= period.end or (dkim == "pass" or spf == "pass") != passed:
            continue
        row = sums.setdefault(ip, dict.fromkeys(COUNTERS, 0))
        row["total"] += count
        row["spf_pass" if spf == "pass" else "spf_fail"] += count
        row["dkim_pass" if dkim == "pass" else "dkim_fail"] += count
        row[disposition] += count
    order = summary_service.address_order
    ranked = sorted(sums.items(), key=lambda item: (-item[1]["total"], order(item[0])))
    return [(ip, *(row[name] for name in COUNTERS)) for ip, row in ranked]


def listed(sources):
    return [(source.ip, *(int(getattr(source, name)) for name in COUNTERS)) for source in sources]


def random_periods(count, seed):
    rng = random.Random(seed)
    periods = [
        ("2025-12-15", "2026-12-14"),  # 365 days across two years
        ("2025-12-31", "2027-02-03"),  # 400 days over three years
        ("2026-01-01", "2026-12-31"),
        ("2026-06-01", "2026-06-30"),
        ("2026-03-30", "2026-04-05"),
        ("2026-05-17", "2026-05-17"),  # one day
        ("2026-02-01", "2026-02-28"),  # no data
        ("2024-01-01", "2024-12-31"),  # long before the first record
        ("2026-12-31", "2027-01-01"),
        ("2026-03-01", "2026-08-31"),  # six months within a year
        ("2026-06-29", "2026-07-05"),  # an ISO week across two months
        ("2026-01-17", "2026-11-12"),  # partial first and last months
        ("2026-06-15", "2026-07-14"),  # 30 days across two months
    ]
    for _number in range(count):
        start = FIRST - datetime.timedelta(days=30) + datetime.timedelta(days=rng.randrange(800))
        length = rng.choice((1, rng.randint(2, 40), rng.randint(41, summary_service.MAX_DAYS)))
        end = start + datetime.timedelta(days=length - 1)
        periods.append((start.isoformat(), end.isoformat()))
    return periods


@pytest.mark.parametrize(
    ("coverage", "rounds", "batch"),
    [
        (summary_service.TOP_COVERAGE, summary_service.TOP_ROUNDS, summary_service.TOP_BATCH),
        (0, 12, 3),  # the threshold algorithm for every period, many small readings
        (0, 1, 2),  # readings run out: the grouped sums take over
    ],
    ids=["defaults", "always-threshold", "budget-exhausted"],
)
def test_top_sources_equal_the_grouped_sums(generated, monkeypatch, coverage, rounds, batch):
    domain, records = generated
    monkeypatch.setattr(summary_service, "TOP_COVERAGE", coverage)
    monkeypatch.setattr(summary_service, "TOP_ROUNDS", rounds)
    monkeypatch.setattr(summary_service, "TOP_BATCH", batch)
    checked = 0
    for start, end in random_periods(40, seed=len(records) + rounds):
        period = summary_service.parse_period({"start": start, "end": end})
        for passed in (True, False):
            expected = from_records(records, period, passed)
            for limit in (1, 7, 30):
                grouped = summary_service.grouped_sources(domain, period, passed, limit)
                top = summary_service.top_sources(domain, period, passed, limit)
                assert listed(grouped) == expected[:limit], (start, end, passed, limit)
                assert listed(top) == expected[:limit], (start, end, passed, limit)
                checked += bool(expected)
            for offset in (0, 5):
                ranked = summary_service.ranked_sources(domain, period, passed, 7, offset)
                assert listed(ranked) == expected[offset : offset + 7], (start, end, passed)
    assert checked > 200


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-03-01", "2026-08-31"),  # six months within their year
        ("2026-06-29", "2026-07-05"),  # an ISO week across two months
        ("2026-06-15", "2026-07-14"),  # 30 days across two months
        ("2025-12-20", "2026-01-10"),  # three weeks across two years
    ],
)
def test_a_small_part_of_its_units_is_summed_from_the_index(generated, monkeypatch, start, end):
    """A period much shorter than its units is not grouped over the whole
    rows: its volumes come from the index (one query), then the counters
    of the sources listed (a second one).
    """
    domain, records = generated

    def refused(*args, **kwargs):
        raise AssertionError("grouped over the whole rows")

    monkeypatch.setattr(summary_service, "grouped_sources", refused)
    period = summary_service.parse_period({"start": start, "end": end})
    for passed in (True, False):
        with CaptureQueriesContext(connection) as queries:
            top = summary_service.top_sources(domain, period, passed, 30)
        assert listed(top) == from_records(records, period, passed)[:30]
        assert len(queries.captured_queries) == 2, start
        ranking, counters = (query["sql"] for query in queries.captured_queries)
        assert "dmarc_sourcevolume_top_idx" in ranking or connection.vendor == "postgresql"
        assert "spf_pass" not in ranking and "spf_pass" in counters


def test_the_threshold_stops_early_on_a_long_period(generated, django_assert_max_num_queries):
    domain, records = generated
    period = summary_service.parse_period({"start": "2025-12-15", "end": "2026-12-14"})
    # Two units (December 2025, the year 2026): one reading of each, then
    # the exact sums of the candidates, per outcome.
    with django_assert_max_num_queries(3):
        top = summary_service.top_sources(domain, period, True, 5)
    assert listed(top) == from_records(records, period, True)[:5]


def test_summarize_stays_within_its_query_bound(generated, django_assert_max_num_queries):
    domain, _records = generated
    for start, end in random_periods(10, seed=5):
        period = summary_service.parse_period({"start": start, "end": end})
        with django_assert_max_num_queries(summary_service.MAX_QUERIES):
            summary_service.summarize(domain, period)
