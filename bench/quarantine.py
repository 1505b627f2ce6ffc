"""Time the quarantine list on a generated quarantine of N messages.

    MODOBOA_TEST_DB=sqlite MODOBOA_TEST_SQLITE_PATH=/tmp/q.sqlite3 \
        DJANGO_SETTINGS_MODULE=modoboa.test_settings \
        python bench/quarantine.py --messages 100000

``--postgres`` (or ``--mysql``) starts a throwaway PostgreSQL (or MariaDB)
server (``bench/servers.py``) and runs there instead; ``--explain`` prints
the plan of every query measured (EXPLAIN ANALYZE, ANALYZE on MariaDB). The database is migrated,
then filled by bulk inserts with N messages for 100 domains (one recipient
each); it prints, for the super administrator and for the administrator of
one domain, the time and the number of queries of the first page, the last
page and a subject search.
"""

import argparse
import datetime
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
BATCH = 5000
DOMAINS = 100
RECIPIENTS = 1000
VIP_ID = RECIPIENTS + 2


def fill(count):
    """N messages, one recipient each, newest last.

    Recipients: ``u<k>@d<k % 100>.test`` for k = index % 1000 (1,000
    addresses over 100 domains), except one message in 100,000 that goes to
    ``vip@d7.test`` (few matches). Senders: ``news<index % 100000>@sender<index
    % 1000>.test`` (one address matches 10 messages). Subjects: ``Offer
    <index>``. No quarantine chunks: the list never reads them.
    """
    from modoboa.amavis.lookups import reversed_domain
    from modoboa.amavis.models import Maddr, Msgrcpt, Msgs

    start = int(time.time()) - count
    addresses = [Maddr(id=1, partition_tag=0, email="spammer@evil.test", domain="test.evil")]
    addresses += [
        Maddr(
            id=index + 2,
            partition_tag=0,
            email="u%d@d%d.test" % (index, index % DOMAINS),
            domain=reversed_domain("d%d.test" % (index % DOMAINS)),
        )
        for index in range(RECIPIENTS)
    ]
    addresses.append(
        Maddr(id=VIP_ID, partition_tag=0, email="vip@d7.test", domain=reversed_domain("d7.test"))
    )
    Maddr.objects.bulk_create(addresses)
    for offset in range(0, count, BATCH):
        messages, rows = [], []
        for index in range(offset, min(count, offset + BATCH)):
            mail_id = "m%011d" % index
            messages.append(
                Msgs(
                    partition_tag=0,
                    mail_id=mail_id,
                    secret_id="s%011d" % index,
                    am_id="%d" % index,
                    time_num=start + index,
                    time_iso=datetime.datetime.fromtimestamp(start + index, datetime.UTC),
                    sid_id=1,
                    size=100,
                    content="S",
                    quar_type="Q",
                    spam_level=999.0,
                    subject="Offer %d" % index,
                    from_addr="news%d@sender%d.test" % (index % 100000, index % 1000),
                    host="bench",
                )
            )
            rid = VIP_ID if index % 100000 == 7 else 2 + index % RECIPIENTS
            rows.append(
                Msgrcpt(
                    partition_tag=0,
                    mail_id=mail_id,
                    rseqnum=1,
                    rid_id=rid,
                    content="S",
                    ds="D",
                    rs=" ",
                    bspam_level=999.0,
                )
            )
        Msgs.objects.bulk_create(messages)
        Msgrcpt.objects.bulk_create(rows)
        if offset % 100000 == 0:
            print("  %d written" % offset, flush=True)


EXPLAIN = False


def explain(queries):
    from django.db import connection

    prefix = {"postgresql": "EXPLAIN ANALYZE ", "mysql": "ANALYZE "}.get(
        connection.vendor, "EXPLAIN QUERY PLAN "
    )
    with connection.cursor() as cursor:
        for query in queries:
            print("    " + query["sql"][:300])
            cursor.execute(prefix + query["sql"])
            for row in cursor.fetchall():
                print("      " + " | ".join(str(value) for value in row))


# (label, search criterion, text): with many matches (about 11% of the
# messages) and with few (10 messages, 1 for the subject).
SEARCHES = [
    ("from, many", "from", "sender1"),
    ("from, few", "from", "news12307@"),
    ("subject, many", "subject", "Offer 5"),
    ("subject, few", "subject", "Offer 123407"),
    ("to, many", "to", "u5"),
    ("to, few", "to", "vip@"),
    ("all, many", "all", "Offer 5"),
    ("all, few", "all", "vip@"),
]


def measure(label, user, case, pages=("first", "last"), **filters):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from modoboa.amavis.services import quarantine
    from modoboa.lib.listing import Listing

    class Request:
        def __init__(self, page):
            self.GET = {"page": str(page)}

    for page_label in pages:
        page = 1 if page_label == "first" else 10**9
        cpu = time.process_time()
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            rows = quarantine.list_rows(user, **filters)
            listing = Listing(
                Request(page),
                rows,
                {"date": ["mail__time_num"]},
                "-date",
                per_page=40,
                tie_breaker=quarantine.message_key(),
                plain_ordering=True,
                count_limit=quarantine.COUNT_LIMIT,
            )
            items = list(listing.items)
            for row in items:
                assert row.rid.email and row.mail.subject
            elapsed = (time.perf_counter() - began) * 1000
        cpu = (time.process_time() - cpu) * 1000
        if getattr(listing, "count_capped", False):
            total = "more than %d" % listing.paginator.lower_bound
        else:
            total = "%d" % listing.paginator.count
        print(
            "%-12s | %-14s | %-5s | %7.1f ms | %2d queries | %2d rows of %-15s | "
            "client CPU %5.1f ms | load %.2f"
            % (
                label,
                case,
                page_label,
                elapsed,
                len(queries),
                len(items),
                total,
                cpu,
                os.getloadavg()[0],
            ),
            flush=True,
        )
        if EXPLAIN:
            explain(queries.captured_queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--postgres", action="store_true", help="on a throwaway PostgreSQL")
    parser.add_argument("--mysql", action="store_true", help="on a throwaway MariaDB")
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    parser.add_argument(
        "--datadir",
        help="keep the database (server files or SQLite file) in this directory; "
        "a later run with the same directory measures again without refilling",
    )
    parser.add_argument("--repeat", type=int, default=2, help="measure this many times")
    args = parser.parse_args()
    global EXPLAIN
    EXPLAIN = args.explain
    server = None
    reuse = False
    if args.datadir:
        os.makedirs(args.datadir, exist_ok=True)
    if args.postgres or args.mysql:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import servers

        cls = servers.PostgreSQL if args.postgres else servers.MariaDB
        server = cls(args.datadir) if args.datadir else cls()
        reuse = server.has_data()
        server.start()
        if args.postgres:
            os.environ["MODOBOA_TEST_DB"] = "postgres"
            os.environ["MODOBOA_TEST_PG_URL"] = server.create_database("quarantine", reuse)
        else:
            os.environ["MODOBOA_TEST_DB"] = "mysql"
            os.environ["MODOBOA_TEST_MYSQL_URL"] = server.create_database("quarantine", reuse)
    else:
        os.environ["MODOBOA_TEST_DB"] = "sqlite"
        if args.datadir:
            path = os.path.join(args.datadir, "quarantine.sqlite3")
            reuse = os.path.exists(path)
            os.environ["MODOBOA_TEST_SQLITE_PATH"] = path
    try:
        run(args, reuse)
    finally:
        if server is not None:
            server.stop()


def run(args, reuse):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modoboa.test_settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from modoboa.admin import services
    from modoboa.admin.models import Domain
    from modoboa.amavis import schema
    from modoboa.core import constants
    from modoboa.core.management.commands.load_initial_data import load_initial_data
    from modoboa.core.models import User

    print("load average before: %.2f %.2f %.2f" % os.getloadavg(), flush=True)
    if not reuse:
        call_command("migrate", verbosity=0)
        superadmin = load_initial_data("admin")
        domain = services.create_domain(
            acting_user=superadmin, name="d7.test", quota=0, default_mailbox_quota=0
        )
        services.create_account(
            acting_user=superadmin,
            username="admin@d7.test",
            password="Bench-Passw0rd!",
            role=constants.DOMAINADMINS,
            domains=[domain.name],
            mailbox={"address": "admin@d7.test"},
        )
        began = time.perf_counter()
        fill(args.messages)
        print("%d messages written in %.1f s" % (args.messages, time.perf_counter() - began))
    assert Domain.objects.filter(name="d7.test").exists()
    began = time.perf_counter()
    schema.create_search_indexes()
    print("search indexes ensured in %.1f s" % (time.perf_counter() - began), flush=True)
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            cursor.execute("ANALYZE TABLE msgs, msgrcpt, maddr")
            cursor.fetchall()
        else:
            cursor.execute("ANALYZE")
    superadmin = User.objects.get(username="admin")
    admin = User.objects.get(username="admin@d7.test")
    for _round in range(args.repeat):
        for label, user in (("superadmin", superadmin), ("domain admin", admin)):
            measure(label, user, "no filter")
            for case, criterion, text in SEARCHES:
                measure(label, user, case, ("first",), search=text, search_in=criterion)
    print("load average after: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
