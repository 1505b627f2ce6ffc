"""Time ``logparser`` on generated mail logs, and the message log searches
and a year of graphs on a filled ``stats_maillog``.

    PYTHONPATH=. .venv/bin/python bench/stats_logparser.py \
        --lines 200000,1000000 --rows 10000000 [--postgres | --mysql] [--explain]
    PYTHONPATH=. .venv/bin/python bench/stats_logparser.py --lines 0 \
        --rows 10000000 --datadir ../stats-data/postgres --postgres [--only "page 1000"]

Without ``--postgres``/``--mysql`` the database is the test settings' one
(``MODOBOA_TEST_DB``, ``MODOBOA_TEST_SQLITE_PATH``...); with one of them a
throwaway server is started (``bench/servers.py``). The database is
migrated and emptied of statistics first.

``--lines``: for each size (comma separated, smallest first so that the
peak memory of each run can be compared), a log is written then parsed
into empty tables. The log mixes what a busy Postfix writes: for each
message a connection, its queue id, the sender, a delivery (local or
remote, a few bounces and deferrals), the removal, plus refusals and lines
of other programs, in RFC 3339 format with a negative UTC offset. Printed:
wall clock, CPU seconds of this process and of the database server, peak
memory of this process and the load average.

``--rows``: the message log is filled by the database server itself
(generate_series, MariaDB's sequence engine, a recursive CTE on SQLite):
one row every 3 seconds over about a year for 10,000,000 rows, from and to
100 domains, 85 % sent, 5 % rejected, 5 % bounced, 4 % deferred, 1 %
greylisted; and the counters of a year (hourly rows, plus 8 days of minute
rows as ``logparser`` keeps them) for the server and each domain. Then the
Message log page, its API and the graphs are timed through Django's test
client (the whole request, session and permission checks included) for a
super administrator, the administrator of one of the 100 domains, the
administrator of a domain with a single row and a simple user, with their
query counts.

``--datadir DIR`` keeps the filled message log (the server's files, or
the SQLite file) in ``DIR``: a later run with the same directory and
``--rows`` migrates it and measures again without refilling (``--lines 0``
is then required: the parser's runs empty the tables). ``--fill-only``
fills and stops; ``--only TEXT`` measures only the cases whose label holds
``TEXT``. The fill inserts the rows into the table without its secondary
indexes and builds them afterwards (one sort per index instead of ten
indexes kept up to date row by row), then VACUUM ANALYZE on PostgreSQL
(the visibility map lets index-only scans skip the table). On MariaDB the
buffer pool is set to 2 GiB (the test server's default is 128 MiB). The
issue's targets: 1,000,000 lines under 30 s; a search and
a year of graph under 300 ms with a fixed number of queries.
"""

import argparse
import datetime
import os
import random
import resource
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modoboa.test_settings")

DOMAINS = 100
SERVER = None  # the throwaway database server, if any
EXPLAIN = False
FORMER = False  # also time the administrators' former queries


def generate_log(path, lines, start):
    """Write about ``lines`` lines to ``path``; return the number written."""
    zone = datetime.timezone(datetime.timedelta(hours=-5))
    rng = random.Random(1)
    written = 0
    moment = start
    serial = 0
    step = 2 * 86400 * 6 / lines  # spread the log over about two days
    with open(path, "w") as handle:
        while written < lines:
            moment += datetime.timedelta(seconds=rng.random() * step)
            stamp = moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S.%f-05:00")
            serial += 1
            qid = "%010X" % serial
            domain = "domain%d.test" % rng.randrange(DOMAINS)
            kind = rng.random()
            if kind < 0.1:
                out = [
                    "postfix/smtpd[100]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 550 5.1.1 "
                    "<nobody@%s>: Recipient address rejected: User unknown; "
                    "from=<a@outside.test> to=<nobody@%s> proto=ESMTP helo=<x>" % (domain, domain),
                    "dovecot[200]: imap-login: Login: user=<u@%s>" % domain,
                ]
            else:
                outbound = kind > 0.6
                sender = "user@%s" % domain if outbound else "someone@outside.test"
                rcpt = "far@outside.test" if outbound else "user@%s" % domain
                status = rng.choice(["sent"] * 18 + ["bounced", "deferred"])
                out = [
                    "postfix/smtpd[100]: connect from x[192.0.2.1]",
                    "postfix/smtpd[100]: %s: client=x[192.0.2.1]" % qid,
                    "postfix/cleanup[101]: %s: message-id=<%s@x>" % (qid, qid),
                    "postfix/qmgr[102]: %s: from=<%s>, size=%d, nrcpt=1 (queue active)"
                    % (qid, sender, rng.randrange(500, 50000)),
                    "postfix/%s[103]: %s: to=<%s>, relay=y[192.0.2.2]:25, delay=0.2, "
                    "delays=0/0/0.1/0.1, dsn=2.0.0, status=%s (250 2.0.0 Ok)"
                    % ("smtp" if outbound else "lmtp", qid, rcpt, status),
                    "postfix/qmgr[102]: %s: removed" % qid,
                ]
            for text in out:
                handle.write("%s mx %s\n" % (stamp, text))
            written += len(out)
    return written


def loadavg():
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def server_cpu():
    """CPU seconds used so far by the throwaway server's processes: the
    server, its live backends (whose command lines no longer name the
    server's directory) and, in its children times, the finished ones; 0
    without a server (SQLite works inside this process).
    """
    if SERVER is None:
        return 0.0
    processes = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                command = handle.read()
            with open("/proc/%s/stat" % pid) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        processes[pid] = (fields[1], command, sum(int(value) for value in fields[11:15]))
    servers = {
        pid
        for pid, (_parent, command, _time) in processes.items()
        if SERVER.root.encode() in command
    }
    total = sum(
        used
        for pid, (parent, _command, used) in processes.items()
        if pid in servers or parent in servers
    )
    return total / os.sysconf("SC_CLK_TCK")


def peak_memory():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def bench_parser(sizes, now):
    from modoboa.stats import logparser
    from modoboa.stats.models import Counter, LogState, Maillog, QueueEntry

    for lines in sizes:
        for model in (Counter, Maillog, LogState, QueueEntry):
            model.objects.all().delete()
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "mail.log")
            written = generate_log(path, lines, now - datetime.timedelta(days=2))
            before = peak_memory()
            load = loadavg()
            began, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
            report = logparser.parse_log(path, now=now)
            elapsed = time.perf_counter() - began
            cpu = time.process_time() - cpu
            server = server_cpu() - server
        print(
            "logparser: %d lines in %.1f s wall (%.0f lines/s), CPU %.1f s (this process) "
            "+ %.1f s (database server); peak memory %d MiB (%d MiB before the parse); "
            "load average %s before, %s after"
            % (
                written,
                elapsed,
                written / elapsed,
                cpu,
                server,
                peak_memory(),
                before,
                load,
                loadavg(),
            )
        )
        print("  " + report.summary())
        print(
            "  rows: %d message log, %d counters"
            % (Maillog.objects.count(), Counter.objects.count())
        )


# Server-side generation of the message log and the counters


class Dialect:
    def __init__(self, vendor):
        self.vendor = vendor

    def cat(self, *parts):
        if self.vendor == "mysql":
            return "CONCAT(%s)" % ", ".join(parts)
        return "(" + " || ".join(parts) + ")"

    def div(self, left, right):
        return (
            "(%s DIV %s)" % (left, right)
            if self.vendor == "mysql"
            else "(%s / %s)"
            % (
                left,
                right,
            )
        )

    def text(self, expression):
        if self.vendor == "postgresql":
            return "(%s)::text" % expression
        return "CAST(%s AS CHAR)" % expression if self.vendor == "mysql" else "(%s)" % expression

    def hexa(self, expression):
        return {
            "postgresql": "upper(to_hex(%s))",
            "mysql": "HEX(%s)",
            "sqlite": "printf('%%X', %s)",
        }[self.vendor] % expression

    def stamp(self, seconds):
        return {
            "postgresql": "to_timestamp(%s)",
            "mysql": "FROM_UNIXTIME(%s)",
            "sqlite": "datetime(%s, 'unixepoch')",
        }[self.vendor] % seconds

    def numbers(self, count):
        """A FROM clause giving ``i`` from 1 to ``count``."""
        if self.vendor == "postgresql":
            return "generate_series(1, %d) AS s(i)" % count
        if self.vendor == "mysql":
            return "(SELECT seq AS i FROM seq_1_to_%d) AS s" % count
        return "s"

    def insert(self, table, columns, select, count):
        prefix = ""
        if self.vendor == "sqlite":
            prefix = (
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %d) "
                % count
            )
        if self.vendor == "sqlite":
            return "%sINSERT INTO %s (%s) %s" % (prefix, table, ", ".join(columns), select)
        return "INSERT INTO %s (%s) %s" % (table, ", ".join(columns), select)


def fill(rows, now):
    from django.db import connection

    sql = Dialect(connection.vendor)
    last = int(now.timestamp())
    # A pseudo-random number per row, from which the fields are drawn.
    h = "((i * 2654435761) % 4294967296)"
    status = (
        f"CASE WHEN {h} % 100 < 85 THEN 'sent' WHEN {h} % 100 < 90 THEN 'rejected' "
        f"WHEN {h} % 100 < 95 THEN 'bounced' WHEN {h} % 100 < 99 THEN 'deferred' "
        "ELSE 'greylisted' END"
    )
    domain = sql.cat("'domain'", sql.text("%s %% 100" % sql.div(h, 100)), "'.test'")
    local = sql.cat("'user'", sql.text("%s %% 1000" % sql.div(h, 10000)), "'@'", domain)
    remote_domain = sql.cat("'remote'", sql.text("%s %% 200" % sql.div(h, 10000000)), "'.test'")
    remote = sql.cat("'contact'", sql.text("%s %% 300" % sql.div(h, 1000)), "'@'", remote_domain)
    outbound = "i % 5 < 2"
    columns = [
        "queue_id",
        "date",
        "sender",
        "rcpt",
        "original_rcpt",
        "size",
        "status",
        "relay",
        "answer",
        "from_domain",
        "to_domain",
    ]
    select = (
        "SELECT {qid}, {date}, CASE WHEN {out} THEN {local} ELSE {remote} END, "
        "CASE WHEN {out} THEN {remote} ELSE {local} END, '', 500 + i % 50000, {status}, "
        "CASE WHEN {out} THEN 'mx.remote.test[192.0.2.2]:25' "
        "ELSE 'mail.test[private/dovecot-lmtp]' END, '250 2.0.0 Ok', "
        "CASE WHEN {out} THEN {domain} ELSE {remote_domain} END, "
        "CASE WHEN {out} THEN {remote_domain} ELSE {domain} END FROM {numbers}"
    ).format(
        qid=sql.hexa("i + 1099511627776"),
        date=sql.stamp("%d - i * 3" % last),
        out=outbound,
        local=local,
        remote=remote,
        domain=domain,
        remote_domain=remote_domain,
        status=status,
        numbers=sql.numbers(rows),
    )
    hours = 366 * 24
    scopes = DOMAINS + 1
    first_hour = last // 3600 * 3600 - hours * 3600
    scope = "CASE WHEN i %% %d = 0 THEN '' ELSE %s END" % (
        scopes,
        sql.cat("'domain'", sql.text("i %% %d - 1" % scopes), "'.test'"),
    )
    counter_columns = [
        "step",
        "domain",
        "start",
        "sent",
        "recv",
        "bounced",
        "reject",
        "spam",
        "virus",
        "greylist",
        "size_sent",
        "size_recv",
    ]

    def counters(step, count, first):
        return (
            "SELECT %d, %s, %d + %s * %d, i %% 50, i %% 70, i %% 3, i %% 5, i %% 4, 0, i %% 2, "
            "(i %% 50) * 20000, (i %% 70) * 20000 FROM %s"
            % (step, scope, first, sql.div("i", scopes), step, sql.numbers(count))
        )

    minutes = 8 * 24 * 60
    first_minute = last // 60 * 60 - minutes * 60
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            cursor.execute("SET time_zone = '+00:00'")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA cache_size = -1000000")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous = OFF")
        indexes = drop_indexes(cursor, "stats_maillog")
        began = time.perf_counter()
        cursor.execute(sql.insert("stats_maillog", columns, select, rows))
        print(
            "message log: %d rows written in %.0f s (without its %d secondary indexes)"
            % (rows, time.perf_counter() - began, len(indexes)),
            flush=True,
        )
        began = time.perf_counter()
        build_indexes(cursor, "stats_maillog", indexes)
        print("  its indexes built in %.0f s" % (time.perf_counter() - began), flush=True)
        began = time.perf_counter()
        cursor.execute(
            sql.insert(
                "stats_counter",
                counter_columns,
                counters(3600, hours * scopes, first_hour),
                hours * scopes,
            )
        )
        cursor.execute(
            sql.insert(
                "stats_counter",
                counter_columns,
                counters(60, minutes * scopes, first_minute),
                minutes * scopes,
            )
        )
        print(
            "counters: %d hourly and %d minute rows written in %.0f s"
            % (hours * scopes, minutes * scopes, time.perf_counter() - began)
        )
        began = time.perf_counter()
        if connection.vendor == "mysql":
            cursor.execute("ANALYZE TABLE stats_maillog, stats_counter")
            cursor.fetchall()
        elif connection.vendor == "postgresql":
            # VACUUM also sets the visibility map, without which an
            # index-only scan reads the table anyway (autovacuum does it
            # on a live server, which inserts a little at a time).
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
        print("ANALYZE in %.0f s" % (time.perf_counter() - began), flush=True)


def drop_indexes(cursor, table):
    """Drop the secondary indexes of ``table`` (a bulk insert into a table
    without them, then one sort per index, is several times faster than
    keeping ten indexes up to date row by row); return what
    :func:`build_indexes` needs to create them again.
    """
    from django.db import connection

    constraints = connection.introspection.get_constraints(cursor, table)
    indexes = [
        (name, details["columns"])
        for name, details in sorted(constraints.items())
        if details["index"] and not details["primary_key"] and not details["unique"]
    ]
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        # The definitions as they are (operator classes included, such as
        # the varchar_pattern_ops of a CharField's "_like" index).
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        definitions = dict(cursor.fetchall())
        indexes = [(name, definitions[name]) for name, _columns in indexes]
    for name, _columns in indexes:
        if connection.vendor == "mysql":
            cursor.execute("DROP INDEX %s ON %s" % (quote(name), quote(table)))
        else:
            cursor.execute("DROP INDEX %s" % quote(name))
    return indexes


def build_indexes(cursor, table, indexes):
    from django.db import connection

    quote = connection.ops.quote_name

    def columns(names):
        return ", ".join(quote(column) for column in names)

    if connection.vendor == "mysql":
        # One ALTER: InnoDB reads the table once for all the indexes.
        cursor.execute(
            "ALTER TABLE %s %s"
            % (
                quote(table),
                ", ".join(
                    "ADD INDEX %s (%s)" % (quote(name), columns(names)) for name, names in indexes
                ),
            )
        )
        return
    if connection.vendor == "postgresql":
        cursor.execute("SET maintenance_work_mem = '1GB'")
    for name, names in indexes:
        if isinstance(names, str):  # PostgreSQL's own definition
            cursor.execute(names)
            continue
        cursor.execute("CREATE INDEX %s ON %s (%s)" % (quote(name), quote(table), columns(names)))


def explain(queries):
    from django.db import connection

    prefix = {"postgresql": "EXPLAIN ANALYZE ", "mysql": "ANALYZE "}.get(
        connection.vendor, "EXPLAIN QUERY PLAN "
    )
    with connection.cursor() as cursor:
        for query in queries:
            if "stats_" not in query["sql"]:
                continue
            print("    " + query["sql"][:400])
            cursor.execute(prefix + query["sql"])
            for row in cursor.fetchall():
                print("      " + " | ".join(str(value) for value in row))


def make_users(reuse=False):
    from modoboa.admin import services as admin_services
    from modoboa.core import constants
    from modoboa.core.management.commands.load_initial_data import load_initial_data
    from modoboa.core.models import User

    if reuse:
        return {
            "superadmin": User.objects.get(username="admin"),
            "admin of domain7.test": User.objects.get(username="boss@domain7.test"),
            "admin of bench-stats.test": User.objects.get(username="boss@bench-stats.test"),
            "simple user": User.objects.get(username="user7@domain7.test"),
        }
    superadmin = load_initial_data("admin")
    users = {"superadmin": superadmin}
    for name in ("domain7.test", "bench-stats.test"):
        admin_services.create_domain(
            acting_user=superadmin, name=name, quota=0, default_mailbox_quota=0
        )
        users["admin of %s" % name] = admin_services.create_account(
            acting_user=superadmin,
            username="boss@%s" % name,
            password="Bench-Passw0rd!",
            role=constants.DOMAINADMINS,
            domains=[name],
            mailbox={"address": "boss@%s" % name},
        )
    users["simple user"] = admin_services.create_account(
        acting_user=superadmin,
        username="user7@domain7.test",
        password="Bench-Passw0rd!",
        role=constants.SIMPLEUSERS,
        mailbox={"address": "user7@domain7.test"},
    )
    return users


def fill_log(rows, now):
    from modoboa.stats.models import Counter, Maillog

    Maillog.objects.all().delete()
    Counter.objects.all().delete()
    print("load average before the fill: %s" % loadavg(), flush=True)
    began, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
    fill(rows, now)
    Maillog.objects.create(
        queue_id="RARE",
        date=now - datetime.timedelta(days=100),
        sender="a@outside.test",
        rcpt="boss@bench-stats.test",
        status="sent",
        from_domain="outside.test",
        to_domain="bench-stats.test",
    )
    print(
        "fill: %.0f s wall, CPU %.0f s (this process) + %.0f s (database server); "
        "load average after: %s"
        % (
            time.perf_counter() - began,
            time.process_time() - cpu,
            server_cpu() - server,
            loadavg(),
        ),
        flush=True,
    )


def bench_searches(now, users, only=None):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from modoboa.stats.models import Maillog

    sample = list(Maillog.objects.filter(status="greylisted").order_by("-date")[:2001])[-1]
    day = (now - datetime.timedelta(days=180)).date().isoformat()
    searches = [
        ("newest", ""),
        ("page 100", "page=100"),
        ("page 1000", "page=1000"),
        ("sender address", "sender=contact17@remote17.test"),
        ("sender domain", "sender=domain7.test"),
        ("recipient address", "rcpt=user7@domain7.test"),
        ("recipient domain", "rcpt=domain7.test"),
        ("queue id", "queue_id=%s" % sample.queue_id),
        ("status greylisted", "status=greylisted"),
        ("status greylisted, page 100", "status=greylisted&page=100"),
        ("one day", "start=%s&end=%s" % (day, day)),
        ("status and day", "status=bounced&start=%s&end=%s" % (day, day)),
    ]
    graphs = [
        ("graph: year, server", "/stats/graph/?graph=traffic&scope=global&period=year"),
        ("graph: year, domain7", "/stats/graph/?graph=traffic&scope=domain7.test&period=year"),
        ("graph: day, domain7", "/stats/graph/?graph=size&scope=domain7.test&period=day"),
        ("API series: year", "/api/v1/statistics/?scope=domain7.test&period=year"),
    ]
    print("load average before the searches: %s" % loadavg())
    for label, user in users.items():
        client = Client()
        client.force_login(user)
        client.get("/stats/maillog/")  # warm the session and the caches
        print("%s:" % label)
        wanted = searches if label != "simple user" else searches[:3]
        targets = []
        for name, query in wanted:
            targets.append(("page %s" % name, "/stats/maillog/?" + query))
            targets.append(("API %s" % name, "/api/v1/maillog/?page_size=50&" + query))
        if user.is_admin:
            scope_graphs = (
                graphs if user.is_superuser else graphs[1:] if "domain7" in label else []
            )
            targets += scope_graphs
        for name, url in targets:
            if only and only not in name:
                continue
            timings = []
            for _attempt in range(3):
                with CaptureQueriesContext(connection) as queries:
                    began = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                raise RuntimeError("%s answered %d" % (url, response.status_code))
            database = sum(float(query["time"]) for query in queries.captured_queries) * 1000
            print(
                "  %-38s %7.1f ms (best of 3: %6.1f; SQL %6.1f ms), %d queries"
                % (name, timings[0], min(timings), database, len(queries))
            )
            if EXPLAIN:
                explain(queries.captured_queries)
    # The forms of the domain administrators' query replaced by the union
    # of index scans (services.page_of), for the record.
    from django.db.models import Q

    from modoboa.stats import services

    for label, user in users.items():
        if not FORMER:
            break
        if not user.is_admin or user.is_superuser:
            continue
        domains, aliases = services.domain_names(user)
        names = list(domains.values_list("name", flat=True))
        forms = [
            (
                "OR of subqueries",
                Q(from_domain__in=domains)
                | Q(from_domain__in=aliases)
                | Q(to_domain__in=domains)
                | Q(to_domain__in=aliases),
            ),
            ("OR of name lists", Q(from_domain__in=names) | Q(to_domain__in=names)),
        ]
        for name, condition in forms:
            for page in (1, 1000):
                rows = Maillog.objects.filter(condition).order_by("-date", "-id")
                with CaptureQueriesContext(connection) as queries:
                    began = time.perf_counter()
                    list(rows[(page - 1) * 50 : page * 50 + 1])
                    elapsed = (time.perf_counter() - began) * 1000
                print(
                    "  %s, former query (%s), page %d: %.1f ms, %d queries"
                    % (label, name, page, elapsed, len(queries))
                )
                if EXPLAIN:
                    explain(queries.captured_queries)
    print("load average after: %s" % loadavg())


def main():
    global EXPLAIN, FORMER, SERVER
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", default="1000000", help="log sizes, comma separated; 0: none")
    parser.add_argument("--rows", type=int, default=0, help="message log rows to generate")
    parser.add_argument("--postgres", action="store_true", help="on a throwaway PostgreSQL")
    parser.add_argument("--mysql", action="store_true", help="on a throwaway MariaDB")
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    parser.add_argument(
        "--datadir",
        help="keep the filled message log (server files or SQLite file) in this directory; "
        "a later run with the same directory and --rows measures again without refilling",
    )
    parser.add_argument("--fill-only", action="store_true", help="fill, do not measure")
    parser.add_argument("--only", help="measure only the cases whose label contains this")
    parser.add_argument(
        "--former", action="store_true", help="also time the queries the union of parts replaced"
    )
    options = parser.parse_args()
    EXPLAIN = options.explain
    FORMER = options.former
    reuse = False
    if options.datadir:
        if any(int(size) for size in options.lines.split(",")):
            parser.error("--datadir keeps a filled message log: give --lines 0")
        # A directory without the mark of a complete fill is started afresh.
        if not os.path.exists(os.path.join(options.datadir, "filled")):
            import shutil

            shutil.rmtree(options.datadir, ignore_errors=True)
        os.makedirs(options.datadir, exist_ok=True)
    if options.postgres or options.mysql:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import servers

        cls = servers.PostgreSQL if options.postgres else servers.MariaDB
        SERVER = cls(options.datadir) if options.datadir else cls()
        reuse = SERVER.has_data()
        SERVER.start()
        if options.postgres:
            os.environ["MODOBOA_TEST_DB"] = "postgres"
            os.environ["MODOBOA_TEST_PG_URL"] = SERVER.create_database("stats", reuse)
        else:
            os.environ["MODOBOA_TEST_DB"] = "mysql"
            os.environ["MODOBOA_TEST_MYSQL_URL"] = SERVER.create_database("stats", reuse)
    elif options.datadir:
        os.environ["MODOBOA_TEST_DB"] = "sqlite"
        path = os.path.join(options.datadir, "stats.sqlite3")
        reuse = os.path.exists(path)
        os.environ["MODOBOA_TEST_SQLITE_PATH"] = path
    try:
        run(options, reuse)
    finally:
        if SERVER is not None:
            SERVER.stop()


def run(options, reuse):
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    settings.ALLOWED_HOSTS = ["*"]
    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    print("migrate: %.0f s" % (time.perf_counter() - began), flush=True)
    if connection.vendor == "mysql":
        with connection.cursor() as cursor:
            # The server's default buffer pool (128 MiB) is for tests: the
            # message log of 10M rows and its indexes are about 6 GiB; 2 GiB
            # holds the indexes the searches walk (see docs/benchmarks.rst).
            cursor.execute("SET GLOBAL innodb_buffer_pool_size = 2147483648")
    print("engine: %s" % connection.vendor)
    from modoboa.admin.models import Domain

    existing = set(Domain.objects.values_list("name", flat=True))
    Domain.objects.bulk_create(
        Domain(name="domain%d.test" % index, quota=0, default_mailbox_quota=0)
        for index in range(DOMAINS)
        if "domain%d.test" % index not in existing and index != 7
    )
    mark = os.path.join(options.datadir, "filled") if options.datadir else None
    filled = None
    if reuse and mark and os.path.exists(mark):
        with open(mark) as handle:
            count, stamp = handle.read().split()
        if options.rows and int(count) != options.rows:
            raise SystemExit("%s holds %s rows, not %d" % (options.datadir, count, options.rows))
        filled = datetime.datetime.fromtimestamp(float(stamp), datetime.UTC)
    users = make_users(reuse=filled is not None)
    now = filled or timezone.now()
    sizes = [int(size) for size in options.lines.split(",") if int(size)]
    if sizes:
        bench_parser(sizes, now)
    if options.rows:
        if filled is None:
            fill_log(options.rows, now)
            if mark:
                with open(mark, "w") as handle:
                    handle.write("%d %f\n" % (options.rows, now.timestamp()))
        else:
            print("message log of %d rows filled on %s, reused" % (options.rows, now))
        if not options.fill_only:
            bench_searches(now, users, options.only)


if __name__ == "__main__":
    main()
