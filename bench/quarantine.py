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


def fill(count):
    from modoboa.amavis.lookups import reversed_domain
    from modoboa.amavis.models import Maddr, Msgrcpt, Msgs, Quarantine

    start = int(time.time()) - count
    senders = [Maddr(id=1, partition_tag=0, email="spammer@evil.test", domain="test.evil")]
    recipients = [
        Maddr(
            id=index + 2,
            partition_tag=0,
            email="user@d%d.test" % index,
            domain=reversed_domain("d%d.test" % index),
        )
        for index in range(DOMAINS)
    ]
    Maddr.objects.bulk_create(senders + recipients)
    for offset in range(0, count, BATCH):
        messages, rows, chunks = [], [], []
        for index in range(offset, min(count, offset + BATCH)):
            mail_id = "m%011d" % index
            messages.append(
                Msgs(
                    partition_tag=0,
                    mail_id=mail_id,
                    secret_id="s%011d" % index,
                    am_id="%d" % index,
                    time_num=start + index,
                    time_iso=None,
                    sid_id=1,
                    size=100,
                    content="S",
                    quar_type="Q",
                    spam_level=999.0,
                    subject="Offer %d" % index,
                    from_addr="spammer@evil.test",
                    host="bench",
                )
            )
            rows.append(
                Msgrcpt(
                    partition_tag=0,
                    mail_id=mail_id,
                    rseqnum=1,
                    rid_id=2 + index % DOMAINS,
                    content="S",
                    ds="D",
                    rs=" ",
                    bspam_level=999.0,
                )
            )
            chunks.append(
                Quarantine(partition_tag=0, mail_id=mail_id, chunk_ind=1, mail_text=b"x")
            )
        for message in messages:
            message.time_iso = datetime.datetime.fromtimestamp(message.time_num, datetime.UTC)
        Msgs.objects.bulk_create(messages)
        Msgrcpt.objects.bulk_create(rows)
        Quarantine.objects.bulk_create(chunks)


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


def measure(label, user, **filters):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from modoboa.amavis.services import quarantine
    from modoboa.amavis.views import COUNT_LIMIT
    from modoboa.lib.listing import Listing

    class Request:
        def __init__(self, page):
            self.GET = {"page": str(page)}

    for page_label, page in (("first", 1), ("last", 10**9)):
        rows = quarantine.list_rows(user, **filters)
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            listing = Listing(
                Request(page),
                rows,
                {"date": ["mail__time_num"]},
                "-date",
                per_page=40,
                tie_breaker=quarantine.message_key(),
                plain_ordering=True,
                count_limit=COUNT_LIMIT,
            )
            items = list(listing.items)
            assert [row.rid.email for row in items]
            assert [row.mail.subject for row in items]
            elapsed = (time.perf_counter() - began) * 1000
        if getattr(listing, "count_capped", False):
            total = "more than %d" % listing.paginator.lower_bound
        else:
            total = "%d" % listing.paginator.count
        print(
            "%-12s %-22s %-5s page: %7.1f ms, %d queries, %d rows (of %s)"
            % (label, filters or "", page_label, elapsed, len(queries), len(items), total)
        )
        if EXPLAIN:
            explain(queries.captured_queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--postgres", action="store_true", help="on a throwaway PostgreSQL")
    parser.add_argument("--mysql", action="store_true", help="on a throwaway MariaDB")
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    args = parser.parse_args()
    global EXPLAIN
    EXPLAIN = args.explain
    server = None
    if args.postgres or args.mysql:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import servers

        if args.postgres:
            server = servers.PostgreSQL().start()
            os.environ["MODOBOA_TEST_DB"] = "postgres"
            os.environ["MODOBOA_TEST_PG_URL"] = server.create_database("quarantine")
        else:
            server = servers.MariaDB().start()
            os.environ["MODOBOA_TEST_DB"] = "mysql"
            os.environ["MODOBOA_TEST_MYSQL_URL"] = server.create_database("quarantine")
    try:
        run(args)
    finally:
        if server is not None:
            server.stop()


def run(args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modoboa.test_settings")
    import django

    django.setup()
    from django.core.management import call_command

    from modoboa.admin import services
    from modoboa.core import constants
    from modoboa.core.management.commands.load_initial_data import load_initial_data

    call_command("migrate", verbosity=0)
    superadmin = load_initial_data("admin")
    domain = services.create_domain(
        acting_user=superadmin, name="d7.test", quota=0, default_mailbox_quota=0
    )
    admin = services.create_account(
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
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            cursor.execute("ANALYZE TABLE msgs, msgrcpt, maddr")
        else:
            cursor.execute("ANALYZE")
    for label, user in (("superadmin", superadmin), ("domain admin", admin)):
        measure(label, user)
        measure(label, user, search="Offer 5", search_in="subject")


if __name__ == "__main__":
    main()
