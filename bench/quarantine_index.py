"""The quarantine's search index (MariaDB) on texts of many scripts.

    PYTHONPATH=. .venv/bin/python bench/quarantine_index.py --messages 200000

``bench/quarantine.py`` measures the pages on generated subjects of a few
words and numbers; this one measures what those favour: the size and the
build time of the index (``modoboa/amavis/search_index.py``) when the
subjects are as varied as a spam trap's. On a throwaway MariaDB (1 GiB
buffer pool), it writes N messages whose subjects are, in turns, English-
like words from a vocabulary of 20,000, Chinese (random characters: the
worst case, each trigram nearly unique), Russian-like words and a mix of
emoji, digits and words, with senders from 50,000 addresses; then builds
the index (wall clock, CPU of the client and the server, peak memory of
the client), prints its size beside Amavis' tables, and times searches
with few matches in every script with and without the index, checking
both find the same messages.
"""

import argparse
import glob
import os
import random
import re
import resource
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
BATCH = 5000


def words(rng, alphabet, count, low=3, high=9):
    return [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high))) for _ in range(count)
    ]


def english_words():
    """The words of the project's documentation with their frequencies: a
    Zipf-like English vocabulary (a few words everywhere, many rare).
    """
    counts = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "docs", "*.rst"))):
        with open(path, encoding="utf-8") as page:
            for word in re.findall(r"[A-Za-z]{2,}", page.read()):
                counts[word.lower()] = counts.get(word.lower(), 0) + 1
    words = sorted(counts, key=lambda word: (-counts[word], word))
    return words, [counts[word] for word in words]


def texts(count, seed=7):
    """(sender, subject) pairs, in turns of four kinds."""
    rng = random.Random(seed)
    english, weights = english_words()
    latin = words(rng, "abcdefghijklmnopqrstuvwxyz", 20000)
    cyrillic = words(rng, "абвгдежзийклмнопрстуфхцчшщыэюя", 20000)
    emoji = [chr(code) for code in range(0x1F300, 0x1F5FF)]
    senders = ["%s@%s.example" % (rng.choice(latin), rng.choice(english)) for _ in range(50000)]
    for index in range(count):
        kind = index % 4
        if kind == 0:
            length = rng.randint(3, 9)
            subject = " ".join(rng.choices(english, weights, k=length)).capitalize()
        elif kind == 1:
            subject = "".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(rng.randint(8, 20)))
        elif kind == 2:
            subject = " ".join(rng.choice(cyrillic) for _ in range(rng.randint(3, 7)))
        else:
            subject = "%s %d%% %s %s" % (
                rng.choice(emoji),
                rng.randint(1, 99),
                " ".join(rng.choices(english, weights, k=2)).upper(),
                rng.choice(emoji),
            )
        yield senders[rng.randrange(len(senders))], subject[:255]


def word_found_about(matches, count):
    """A word of seven letters or more found in about ``matches`` messages,
    estimated from the first 20,000 (the vocabulary follows the
    documentation, which changes: the words are read back).
    """
    from modoboa.amavis.models import Msgs

    sample = Msgs.objects.order_by("time_num").values_list("subject", flat=True)[:20000]
    seen = {}
    for subject in sample:
        for word in set(re.findall(r"[a-z]{7,}", (subject or "").lower())):
            seen[word] = seen.get(word, 0) + 1
    scale = count / 20000
    return min(sorted(seen), key=lambda word: abs(seen[word] * scale - matches))


def fill(connection, count):
    from modoboa.amavis.models import Maddr

    Maddr.objects.create(id=1, partition_tag=0, email="spammer@evil.test", domain="test.evil")
    start = int(time.time()) - count - 7200
    rows = []
    with connection.cursor() as cursor:
        for index, (sender, subject) in enumerate(texts(count)):
            mail_id = "m%011d" % index
            rows.append((mail_id, mail_id, start + index, sender, subject))
            if len(rows) == BATCH or index == count - 1:
                cursor.executemany(
                    "INSERT INTO msgs (partition_tag, mail_id, secret_id, am_id, time_num, "
                    "time_iso, sid, policy, client_addr, size, originating, content, "
                    "quar_type, quar_loc, spam_level, message_id, from_addr, subject, host) "
                    "VALUES (0, %s, %s, '1', %s, '20260101T000000Z', 1, '', '', 100, ' ', "
                    "'S', 'Q', '', 999.0, '', %s, %s, 'bench')",
                    rows,
                )
                rows = []


def server_cpu(pid):
    with open("/proc/%d/stat" % pid) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=100000)
    parser.add_argument(
        "--datadir", help="keep the database in this directory and reuse it in a later run"
    )
    parser.add_argument("--no-build", action="store_true", help="time the kept index only")
    args = parser.parse_args()
    import servers

    server = servers.MariaDB(args.datadir, buffer_pool=1024 * 1024 * 1024)
    reuse = server.has_data()
    server.start()
    try:
        os.environ["MODOBOA_TEST_DB"] = "mysql"
        os.environ["MODOBOA_TEST_MYSQL_URL"] = server.create_database("qindex", reuse)
        args.reuse = reuse
        run(args, server.process.pid)
    finally:
        server.stop()


def run(args, server_pid):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modoboa.test_settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from modoboa.amavis import search_index
    from modoboa.amavis.lookups import CaselessContains
    from modoboa.amavis.models import Msgs
    from modoboa.amavis.services.quarantine import COUNT_LIMIT

    if not args.reuse:
        call_command("migrate", verbosity=0)
        began = time.perf_counter()
        fill(connection, args.messages)
        print("%d messages written in %.1f s" % (args.messages, time.perf_counter() - began))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE TABLE msgs")
            cursor.fetchall()
    print("load average before: %.2f %.2f %.2f" % os.getloadavg(), flush=True)
    began, cpu, server = time.perf_counter(), time.process_time(), server_cpu(server_pid)
    added = 0 if args.no_build else search_index.rebuild()
    print(
        "index built: %d messages in %.1f s (CPU client %.1f s, server %.1f s), "
        "client peak memory %d MiB"
        % (
            added,
            time.perf_counter() - began,
            time.process_time() - cpu,
            server_cpu(server_pid) - server,
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        )
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE TABLE modoboa_qsearch_gram, modoboa_qsearch_block")
        cursor.fetchall()
        cursor.execute(
            "SELECT table_name, table_rows, data_length + index_length "
            "FROM information_schema.tables WHERE table_schema = DATABASE() "
            "AND table_name IN ('msgs', 'modoboa_qsearch_gram', 'modoboa_qsearch_block')"
        )
        for name, rows, size in cursor.fetchall():
            print("  %-22s %10s rows (estimated) %8.1f MiB" % (name, rows, size / 2**20))
        cursor.execute("SELECT COUNT(*), SUM(LENGTH(bits)) FROM modoboa_qsearch_gram")
        grams, octets = cursor.fetchone()
        print("  %d trigram rows, %.1f MiB of bitmaps" % (grams, (octets or 0) / 2**20))
    # Texts of each kind from messages near the end (read back: the
    # vocabulary follows the documentation, which changes), English words
    # from rare to frequent, and a text found nowhere.
    last = args.messages - 100 - args.messages % 4
    near_end = {
        int(mail_id[1:]) % 4: (sender, subject)
        for mail_id, sender, subject in Msgs.objects.filter(
            mail_id__in=["m%011d" % index for index in range(last, last + 4)]
        ).values_list("mail_id", "from_addr", "subject")
    }
    searches = [
        ("phrase", " ".join(near_end[0][1].split()[1:3])),
        ("chinese", near_end[1][1][2:6]),
        ("cyrillic", " ".join(near_end[2][1].split()[:2])),
        ("emoji mix", near_end[3][1][2:9]),
        ("rare word", word_found_about(400, args.messages)),
        ("word", word_found_about(700, args.messages)),
        ("word", word_found_about(1500, args.messages)),
        ("word", word_found_about(2000, args.messages)),
        ("word", word_found_about(5000, args.messages)),
        ("word", word_found_about(12000, args.messages)),
        ("sender", near_end[0][0].split("@")[0]),
        ("nowhere", "zqxjkvw"),
    ]
    for label, text in searches:
        for _round in range(3):
            condition = CaselessContains("subject", text) | CaselessContains("from_addr", text)
            began = time.perf_counter()
            scanned = set(Msgs.objects.filter(condition).values_list("mail_id", flat=True))
            without = (time.perf_counter() - began) * 1000
            began = time.perf_counter()
            dates = search_index.date_condition(text)
            narrowing = (time.perf_counter() - began) * 1000
            query = Msgs.objects.filter(condition)
            if dates is not None:
                query = query.filter(dates)
            indexed = set(query.values_list("mail_id", flat=True))
            elapsed = (time.perf_counter() - began) * 1000
            assert indexed == scanned, (label, text)
            # As the console asks: the first COUNT_LIMIT + 1 matches.
            listed = COUNT_LIMIT + 1
            began = time.perf_counter()
            list(Msgs.objects.filter(condition).values_list("mail_id")[:listed])
            scan_listed = (time.perf_counter() - began) * 1000
            began = time.perf_counter()
            dates = search_index.date_condition(text)
            query = Msgs.objects.filter(condition)
            if dates is not None:
                query = query.filter(dates)
            list(query.values_list("mail_id")[:listed])
            index_listed = (time.perf_counter() - began) * 1000
            read = Msgs.objects.filter(dates).count() if dates is not None else None
            print(
                "%-10s %-22r %6d match(es): scan %7.1f ms, index %7.1f ms "
                "(%s; narrowing %.1f ms); first %d: scan %7.1f ms, index %7.1f ms"
                % (
                    label,
                    text,
                    len(scanned),
                    without,
                    elapsed,
                    "not narrowed" if read is None else "%d messages compared" % read,
                    narrowing,
                    listed,
                    scan_listed,
                    index_listed,
                ),
                flush=True,
            )
    print("load average after: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
