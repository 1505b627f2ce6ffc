"""The search index of the quarantine's subjects and senders (MariaDB).

Whatever the index holds, a search lists exactly what it lists without
it: the index only says where a text may be. On PostgreSQL and SQLite
there is no index (their own indexes answer) and the same searches list
the same rows.
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from modoboa.amavis import search_index
from modoboa.amavis.dbrouter import amavis_alias
from modoboa.amavis.factories import quarantine_message
from modoboa.amavis.models import Msgrcpt, Msgs
from modoboa.amavis.services import quarantine

pytestmark = pytest.mark.django_db

TRICKY = [
    ("billing@acme.example", "Invoice 2026-001 from ACME"),
    ("Billing@ACME.example", "INVOICE overdue"),
    ("team@vente.example", "Équipe de vente"),
    ("j\u00fcrgen@m\u00fcller.example", "Stra\u00dfe gesperrt"),
    ("casino@win.example", "Win \U0001f4b0 now"),
    ("casino@win.example", "Win \U0001f381 now"),
    ("x_y%z@odd.example", "100% free_gift"),
    ("cafe@paris.example", "na\u00efve caf\u00e9 CREME"),
    ("jp@mail.example", "\u65e5\u672c\u8a9e\u306e\u30e1\u30fc\u30eb"),
    ("space@out.example", "  spaced  out  "),
    ("equipe@vente.example", "equipe"),
]

SEARCHES = [
    "invoice",
    "INVOICE 2026",
    "\u00e9quipe",
    "equipe",
    "stra\u00dfe",
    "STRAS",
    "\U0001f4b0 now",
    "win \U0001f381",
    "100%",
    "free_",
    "_gift",
    "caf\u00e9",
    "cafe",
    "\u65e5\u672c\u8a9e",
    "spaced  out",
    "billing@",
    "acme.ex",
    "m\u00fcller",
    "x_y%z",
    "Offer 17",
    "news7@",
    "nothing like it",
]


def amavis_vendor():
    return connections[amavis_alias()].vendor


def listed(user, search, search_in):
    return sorted(
        (row.mail_id, row.rid.email)
        for row in quarantine.list_rows(user, search=search, search_in=search_in)
    )


def without_index(monkeypatch, user, search, search_in):
    with monkeypatch.context() as patch:
        patch.setattr(search_index, "date_condition", lambda *args, **kwargs: None)
        return listed(user, search, search_in)


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 4 messages, segments of 16: a few hundred messages fill
    many segments, with both encodings of their numbers.
    """
    monkeypatch.setattr(search_index, "BLOCK_SIZE", 4)
    monkeypatch.setattr(search_index, "SEGMENT_SIZE", 16)
    monkeypatch.setattr(search_index, "BITMAP_BYTES", 2)
    monkeypatch.setattr(search_index, "BATCH", 7)


@pytest.fixture
def quarantine_days(domain):
    """240 messages over two days ago, the tricky ones spread among them;
    some share a second.
    """
    start = timezone.now() - datetime.timedelta(days=2)
    ids = []
    tricky = iter(TRICKY)
    for index in range(240):
        received = start + datetime.timedelta(seconds=60 * (index // 3))
        sender, subject = ("news%d@shop.example" % index, "Offer %d" % index)
        if index % 21 == 5:
            sender, subject = next(tricky, (sender, subject))
        ids.append(
            quarantine_message(sender, ["user@test.com"], subject=subject, received=received)
        )
    return start, ids


def index_now():
    """Index every message written so far (they are all "older than an hour")."""
    return search_index.Indexer().run(now=timezone.now().timestamp() + 2 * search_index.LAG)


def test_numbers_are_stored_as_a_list_or_a_bitmap():
    size = search_index.SEGMENT_SIZE
    cases = ([0], [size - 1], list(range(size)), list(range(0, size, 7)), [3, 9, 255])
    for offsets in cases:
        stored = search_index.encode(offsets)
        assert search_index.decode(stored) == offsets
        assert len(stored) <= 1 + search_index.BITMAP_BYTES
    assert search_index.encode([0, 2])[:1] == search_index.SPARSE
    assert search_index.encode(list(range(size)))[:1] == search_index.DENSE
    # The numbers common to lists and bitmaps, in any order.
    sevens, threes = list(range(0, size, 7)), list(range(0, size, 3))
    few = [21, 42, 43, 700, size - 1]
    stored = [search_index.encode(numbers) for numbers in (sevens, threes, few)]
    assert search_index.common_numbers(stored) == [21, 42]
    assert search_index.common_numbers(stored[:2]) == list(range(0, size, 21))
    assert search_index.common_numbers(stored[2:] + [search_index.encode([1])]) == []


def test_trigrams_of_large_scripts_share_a_bounded_set_of_keys():
    latin = "Caf\u00e9".encode("utf-16-be")
    assert search_index.trigrams(latin) == {latin[0:6], latin[2:8]}
    chinese = "".join(chr(0x4E00 + n) for n in range(500)).encode("utf-16-be")
    keys = search_index.trigrams(chinese)
    assert len(keys) == 498 and {len(key) for key in keys} == {4}
    assert all(int.from_bytes(key, "big") < search_index.HASHED_KEYS for key in keys)
    # A trigram mixing both is a large script's.
    mixed = "ab\u4e00".encode("utf-16-be")
    assert {len(key) for key in search_index.trigrams(mixed)} == {4}


def test_searches_list_the_same_rows_with_the_index(
    superadmin, domain_admin, small_blocks, quarantine_days, monkeypatch
):
    added = index_now()
    narrowed = 0
    for search in SEARCHES:
        if search_index.date_condition(search) is not None:
            narrowed += 1
        for criterion in ("from", "subject", "all"):
            for user in (superadmin, domain_admin):
                expected = without_index(monkeypatch, user, search, criterion)
                assert listed(user, search, criterion) == expected, (search, criterion)
    if amavis_vendor() == "mysql":
        assert added == 240
        # The index narrowed nearly every search (the frequent ones are
        # read in date order instead).
        assert narrowed >= len(SEARCHES) - 3
        assert listed(superadmin, "STRAS", "subject") and listed(superadmin, "cafe", "subject")
    else:
        assert added == 0 and narrowed == 0


def test_the_index_narrows_a_search_to_the_dates_of_its_matches(small_blocks, quarantine_days):
    index_now()
    condition = search_index.date_condition("Invoice 2026")
    if amavis_vendor() != "mysql":
        assert condition is None
        return
    matching = Msgs.objects.filter(condition)
    # The second of the one matching message, which two others share (and
    # the unindexed tail: none).
    assert matching.count() == 3
    assert matching.filter(subject="Invoice 2026-001 from ACME").exists()
    # A text with no trigram in common with any message: no block at all.
    assert not Msgs.objects.filter(search_index.date_condition("zzzqqq")).exists()


def test_new_messages_are_found_before_they_are_indexed(superadmin, small_blocks, quarantine_days):
    index_now()
    fresh = quarantine_message("new@fresh.example", ["user@test.com"], subject="Fresh invoice")
    assert listed(superadmin, "fresh inv", "subject") == [(fresh, "user@test.com")]
    # Indexed by the job an hour later, it is still found.
    index_now()
    assert listed(superadmin, "fresh inv", "subject") == [(fresh, "user@test.com")]


def test_the_job_adds_messages_to_a_partial_block_and_forgets_removed_ones(
    superadmin, small_blocks, quarantine_days, monkeypatch
):
    start, ids = quarantine_days
    halfway = (start + datetime.timedelta(minutes=30)).timestamp() + search_index.LAG
    first = search_index.Indexer().run(now=halfway)
    later = index_now()
    if amavis_vendor() != "mysql":
        assert first == later == 0
        return
    assert first + later == 240
    assert index_now() == 0
    connection = connections[amavis_alias()]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), SUM(messages) FROM %s" % search_index.BLOCK_TABLE)
        blocks, messages = cursor.fetchone()
    assert messages == 240 and blocks == 240 // 4
    # Each block keeps the date of each of its messages, in order, across
    # the two runs.
    with connection.cursor() as cursor:
        cursor.execute("SELECT times FROM %s ORDER BY id" % search_index.BLOCK_TABLE)
        stored = b"".join(bytes(times) for (times,) in cursor.fetchall())
    dates = [int.from_bytes(stored[n : n + 4], "little") for n in range(0, len(stored), 4)]
    assert dates == list(Msgs.objects.order_by("time_num").values_list("time_num", flat=True))
    for search in SEARCHES:
        assert listed(superadmin, search, "all") == without_index(
            monkeypatch, superadmin, search, "all"
        )
    # The oldest half removed (as qcleanup does): its blocks and its
    # whole segments are forgotten, the rest is still found.
    old = Msgs.objects.order_by("time_num").values_list("mail_id", flat=True)[:120]
    old = list(old)
    Msgrcpt.objects.filter(mail_id__in=old).delete()
    Msgs.objects.filter(mail_id__in=old).delete()
    assert index_now() == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), COUNT(*) FROM %s" % search_index.BLOCK_TABLE)
        first_block, remaining = cursor.fetchone()
        cursor.execute("SELECT MIN(segment) FROM %s" % search_index.GRAM_TABLE)
        (first_segment,) = cursor.fetchone()
    assert remaining == blocks - first_block and first_block >= blocks // 2 - 1
    assert first_segment == first_block * 4 // 16
    for search in SEARCHES:
        assert listed(superadmin, search, "all") == without_index(
            monkeypatch, superadmin, search, "all"
        )


def test_a_frequent_text_is_read_in_date_order(
    superadmin, small_blocks, quarantine_days, monkeypatch
):
    index_now()
    monkeypatch.setattr(search_index, "MAX_CANDIDATE_MESSAGES", 12)
    # "Offer" is in nearly every block: beyond the limit, no narrowing.
    assert search_index.date_condition("Offer") is None
    rows = listed(superadmin, "offer 2", "subject")
    assert len(rows) == len([n for n in range(240) if str(n).startswith("2")]) - 2


def test_an_index_far_behind_is_not_used(superadmin, small_blocks, quarantine_days, monkeypatch):
    index_now()
    monkeypatch.setattr(search_index, "MAX_UNINDEXED", 2)
    for _ in range(3):
        quarantine_message("late@x.example", ["user@test.com"], subject="Late invoice")
    assert search_index.date_condition("invoice") is None
    assert len(listed(superadmin, "invoice", "subject")) == 5


def test_few_matches_cost_a_fixed_number_of_queries(
    superadmin, small_blocks, quarantine_days, django_assert_num_queries
):
    index_now()
    # Without the index: the matching ids, the rows, their recipients and
    # senders. With it (MariaDB): its end, the messages after it, the
    # trigrams, the blocks.
    extra = 4 if amavis_vendor() == "mysql" else 0
    with django_assert_num_queries(4 + extra):
        rows = list(quarantine.list_rows(superadmin, search="invoice", search_in="subject"))
        assert {row.mail.sid.email for row in rows} == {
            "billing@acme.example",
            "Billing@ACME.example",
        }


def test_qindex_command_reports_its_work(small_blocks, quarantine_days):
    out = io.StringIO()
    call_command("qindex", "--rebuild", stdout=out)
    if amavis_vendor() == "mysql":
        # Every message is more than an hour old except none: all indexed.
        assert "240 message(s) added to the search index" in out.getvalue()
        out = io.StringIO()
        call_command("qindex", stdout=out)
        assert "0 message(s) added to the search index" in out.getvalue()
    else:
        assert out.getvalue() == ""
        call_command("qindex", "-v", "2", stdout=out)
        assert "there is nothing to do" in out.getvalue()
