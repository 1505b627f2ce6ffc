"""Measure the workloads on a generated database, inside one Django process
(ours or upstream's, detected as in datagen), and print a JSON report.

    DJANGO_SETTINGS_MODULE=... python bench/workloads.py --mailboxes N \
        --engine sqlite --workdir DIR [--import-count 10000] [--only pages,api]

Requests go through Django's test client (the whole middleware and
rendering stack, no network), logged in with a session for the console
pages and with a token for the API, as the superadmin "admin" and as the
reseller "reseller0". Each request is timed several times after a warm-up;
its SQL queries are counted once, separately, so counting costs nothing in
the timings.
"""

import argparse
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import datagen  # noqa: E402

# Stop repeating a request once it has taken this long in total (upstream
# lists at 1M rows take minutes).
TIME_BUDGET = 20.0


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _consume(response):
    if getattr(response, "streaming", False):
        return sum(len(piece) for piece in response.streaming_content)
    return len(response.content)


class Requester:
    def __init__(self, reps):
        from django.test import Client

        self.reps = reps
        self.Client = Client

    def client(self, user=None, token=None):
        client = self.Client()
        if user is not None:
            client.force_login(user)
        if token is not None:
            client.defaults["HTTP_AUTHORIZATION"] = "Token %s" % token
        return client

    def measure(self, client, url, method="get", body=None, reps=None, count_queries=True):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        reps = reps or self.reps

        def once(data=None):
            if method == "post":
                response = client.post(url, data=data, content_type="application/json")
            else:
                response = client.get(url)
            size = _consume(response)
            return response.status_code, size

        timings = []
        queries = None
        status = size = None
        bodies = iter(body) if body is not None else None
        # Warm-up (and the query count, outside the timings).
        if count_queries:
            with CaptureQueriesContext(connection) as ctx:
                status, size = once(next(bodies) if bodies else None)
            queries = len(ctx.captured_queries)
        else:
            status, size = once(next(bodies) if bodies else None)
        started = time.perf_counter()
        cpu = []
        for _ in range(reps):
            gc.collect()
            t0, c0 = time.perf_counter(), time.process_time()
            status, size = once(next(bodies) if bodies else None)
            timings.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            if time.perf_counter() - started > TIME_BUDGET and len(timings) >= 3:
                break
            if timings[0] > 5000:
                break
        return {
            "median_ms": round(statistics.median(timings), 2),
            # CPU time of this process (SQLite runs in it): what the request
            # costs whatever else the shared machine is running.
            "cpu_median_ms": round(statistics.median(cpu), 2),
            "p95_ms": round(percentile(timings, 0.95), 2),
            "runs": len(timings),
            "queries": queries,
            "status": status,
            "bytes": size,
        }

    def memory(self, client, url):
        """Time and peak Python memory of one full request."""
        gc.collect()
        t0 = time.perf_counter()
        response = client.get(url)
        size = _consume(response)
        elapsed = (time.perf_counter() - t0) * 1000
        gc.collect()
        tracemalloc.start()
        response = client.get(url)
        _consume(response)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return {
            "ms": round(elapsed, 1),
            "peak_mib": round(peak / 1048576, 1),
            "bytes": size,
            "status": response.status_code,
        }


def is_upstream():
    import modoboa

    return os.path.realpath(modoboa.__file__) != os.path.join(ROOT, "modoboa", "__init__.py")


def token_of(user):
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=user)[0].key


def users():
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    admin = user_model.objects.get(username="admin")
    reseller = user_model.objects.get(username="reseller0")
    return admin, reseller, token_of(admin)


def console_pages(req, shape):
    """Our console lists; upstream's 2.x console is an SPA (no pages)."""
    admin, reseller, _token = users()
    results = {}
    lists = {
        "domain list": ("/admin/domains/", "searchquery=domain12"),
        "domain quota list": ("/admin/domains/quotas/", "searchquery=domain12"),
        "identity list": ("/admin/identities/", "searchquery=user3@domain12"),
        "identity quota list": ("/admin/identities/quotas/", "searchquery=user3@domain12"),
    }
    for role, user in (("superadmin", admin), ("reseller", reseller)):
        client = req.client(user=user)
        for name, (url, search) in lists.items():
            for variant, query in (
                ("first", ""),
                ("deep", "?page=999999"),
                ("search", "?" + search),
            ):
                results["%s / %s / %s" % (name, variant, role)] = req.measure(client, url + query)
    return results


def upstream_pages(req, shape, full_lists):
    """The API v2 lists the upstream SPA reads, as the nearest equivalent
    (with a token: upstream's API takes no session). ``full_lists`` False
    skips the unpaginated identity list (minutes at large sizes).
    """
    admin, reseller, _token = users()
    results = {}
    deep_domains = max(1, shape["domains"] // 50)
    lists = {
        "domain list": ("/api/v2/domains/", deep_domains, "search=domain12"),
        "identity list": ("/api/v2/identities/", None, None),
        "account list (v2)": (
            "/api/v2/accounts/",
            max(1, shape["mailboxes"] // 50),
            "search=user3",
        ),
    }
    if not full_lists:
        del lists["identity list"]
    for role, user in (("superadmin", admin), ("reseller", reseller)):
        client = req.client(token=token_of(user))
        for name, (url, deep, search) in lists.items():
            variants = [("first", "?page=1" if deep else "")]
            if deep:
                variants.append(("deep", "?page=%d" % deep))
            if search:
                variants.append(("search", "?page=1&" + search))
            for variant, query in variants:
                results["%s / %s / %s" % (name, variant, role)] = req.measure(client, url + query)
    return results


def api(req, shape, upstream, full_lists=True):
    admin, _reseller, token = users()
    client = req.client(token=token)
    results = {}
    if upstream:
        results["GET accounts page 1"] = req.measure(client, "/api/v2/accounts/?page=1")
        results["GET accounts page 1"]["endpoint"] = "/api/v2/accounts/?page=1"
    else:
        results["GET accounts page 1"] = req.measure(client, "/api/v1/accounts/?page=1")
    # Upstream's unpaginated list runs queries per row: beyond
    # --upstream-full-lists-max it takes many minutes.
    if full_lists:
        results["GET accounts unpaginated"] = req.memory(client, "/api/v1/accounts/")
        results["GET accounts unpaginated"]["queries"] = (
            req.measure(client, "/api/v1/accounts/", reps=1)["queries"]
            if shape["mailboxes"] <= 10000
            else None
        )
    bodies = [
        {
            "username": "bench-post-%d@domain0.test" % i,
            "first_name": "Post",
            "last_name": str(i),
            "password": datagen.PASSWORD,
            "role": "SimpleUsers",
            "mailbox": {"full_address": "bench-post-%d@domain0.test" % i, "quota": 1},
        }
        for i in range(req.reps + 1)
    ]
    results["POST account"] = req.measure(
        client, "/api/v1/accounts/", method="post", body=bodies, reps=req.reps
    )
    return results


def _substitute(query, address, engine):
    local, domain = address.split("@") if "@" in address else ("", address)
    values = {
        "%Lu": address,
        "%Ln": local,
        "%Ld": domain,
        "%u": address,
        "%n": local,
        "%d": domain,
        "%s": address,
    }
    return re.sub(r"%L?[unds]", lambda m: values[m.group(0)], query)


def _placeholders(sql, local_root="/srv/vmail"):
    return (
        sql.replace("<mailboxes_root>", local_root)
        .replace("<uid>", "5000")
        .replace("<gid>", "5000")
    )


def dovecot_queries(engine):
    name = {"sqlite": "sqlite", "postgresql": "pgsql", "mysql": "mysql"}[engine]
    path = os.path.join(
        ROOT, "modoboa", "admin", "contrib", "dovecot", "dovecot-sql-%s.conf.ext" % name
    )
    queries = {}
    with open(path) as handle:
        for line in handle:
            key, _sep, value = line.partition("=")
            key = key.strip()
            if key in ("password_query", "user_query"):
                queries["dovecot " + key] = _placeholders(value.strip())
    queries["dovecot quota dict"] = "SELECT bytes, messages FROM admin_quota WHERE username='%u'"
    queries["dovecot postlogin"] = (
        "UPDATE core_user SET last_login=CURRENT_TIMESTAMP WHERE username='%u'"
    )
    return queries


def map_queries(directory):
    queries = {}
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name)) as handle:
            text = handle.read()
        match = re.search(r"^query\s*=\s*(.+?)(?=^\w+\s*=|\Z)", text, re.M | re.S)
        if match:
            queries["postfix " + name] = " ".join(match.group(1).split())
    return queries


def analyze():
    """Give the planner statistics, as autovacuum (PostgreSQL) or InnoDB's
    automatic statistics would after a while on a live instance: bulk
    inserts just happened.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
        elif connection.vendor == "mysql":
            for table in connection.introspection.table_names(cursor):
                cursor.execute("ANALYZE TABLE `%s`" % table)
                cursor.fetchall()


#: Per engine: the statement that prices table scans out, and its undoing.
SCANS_PRICED_OUT = {
    "postgresql": ("SET enable_seqscan = off", "RESET enable_seqscan"),
    "mysql": ("SET SESSION max_seeks_for_key = 1", "SET SESSION max_seeks_for_key = DEFAULT"),
}


def explain(cursor, vendor, sql):
    """(index-backed, plan summary) of ``sql`` on this engine.

    On a table of a few rows PostgreSQL and MariaDB rightly prefer reading
    the table to an index: that says nothing about the table with a million
    rows. So a lookup is judged with table scans priced out
    (``enable_seqscan = off``; ``max_seeks_for_key = 1`` on MariaDB): a
    scan that remains has no index to replace it.
    """
    if vendor not in SCANS_PRICED_OUT:
        return _explain(cursor, vendor, sql)
    price_out, restore = SCANS_PRICED_OUT[vendor]
    cursor.execute(price_out)
    try:
        return _explain(cursor, vendor, sql)
    finally:
        cursor.execute(restore)


def natural_plan(cursor, vendor, sql):
    """The plan the engine picks by itself, for the record."""
    if vendor == "sqlite":
        return None
    return _explain(cursor, vendor, sql)[1]


def _explain(cursor, vendor, sql):
    if vendor == "sqlite":
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        details = [row[-1] for row in cursor.fetchall()]
        scans = [d for d in details if d.startswith("SCAN") and "CONSTANT ROW" not in d]
        return not scans, "; ".join(details)
    if vendor == "postgresql":
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        nodes = []
        scans = []

        def walk(node):
            label = node["Node Type"]
            if node.get("Relation Name"):
                label += " on " + node["Relation Name"]
            if node.get("Index Name"):
                label += " using " + node["Index Name"]
            # With sequential scans priced out, a table without a usable
            # index is read whole through any index instead: no Index Cond.
            # Except an empty table, which the planner rightly reads first
            # whatever its indexes (the generated data has no sender
            # addresses, mailbox operations, transports, recipient rules).
            if node["Node Type"] == "Seq Scan":
                scans.append(label)
            elif (
                node["Node Type"] in ("Index Scan", "Index Only Scan", "Bitmap Index Scan")
                and "Index Cond" not in node
            ):
                if _pg_rows(cursor, node.get("Relation Name")):
                    label += " (whole index)"
                    scans.append(label)
                else:
                    label += " (whole index of an empty table)"
            nodes.append(label)
            for child in node.get("Plans", []):
                walk(child)

        walk(plan[0]["Plan"])
        return not scans, "; ".join(nodes)
    cursor.execute("EXPLAIN " + sql)
    columns = [c[0] for c in cursor.description]
    rows = [dict(zip(columns, row, strict=False)) for row in cursor.fetchall()]
    # ALL reads the table, index the whole index; <union1,2> and
    # <derivedN> are the small results of the query's own subqueries.
    full = [
        r
        for r in rows
        if r.get("type") in ("ALL", "index") and not str(r.get("table") or "").startswith("<")
    ]
    return not full, "; ".join(
        "%s:%s(%s)" % (r.get("table"), r.get("type"), r.get("key"))
        if r.get("table")
        else str(r.get("Extra"))
        for r in rows
    )


def _pg_rows(cursor, table):
    """Rows of ``table`` as ANALYZE counted them (a Bitmap Index Scan
    names no table: counted as having rows).
    """
    if not table:
        return 1
    cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
    row = cursor.fetchone()
    return row[0] if row else 1


def sample_addresses(count):
    from modoboa.admin.models import Mailbox

    rows = list(
        Mailbox.objects.order_by("?" if count < 50 else "pk").values_list(
            "address", "domain__name"
        )[:200000]
    )
    step = max(1, len(rows) // count)
    picked = rows[::step][:count]
    return ["%s@%s" % row for row in picked]


def lookups(workdir, count=2000, explain_only=False):
    from django.core.management import call_command
    from django.db import DatabaseError, connection, transaction

    vendor = connection.vendor
    results = {}
    destdir = os.path.join(workdir, "maps")
    os.makedirs(destdir, exist_ok=True)
    if not explain_only:
        t0 = time.perf_counter()
        call_command("generate_postfix_maps", destdir=destdir, force_overwrite=True, verbosity=0)
        results["generate_postfix_maps"] = {"ms": round((time.perf_counter() - t0) * 1000, 1)}
    else:
        call_command("generate_postfix_maps", destdir=destdir, force_overwrite=True, verbosity=0)
    queries = map_queries(destdir)
    queries.update(dovecot_queries(vendor))
    addresses = sample_addresses(count)
    aliases = ["alias%d@%s" % (i % 5, a.split("@")[1]) for i, a in enumerate(addresses)]
    lookups_result = {}
    with connection.cursor() as cursor:
        for name, query in queries.items():
            # Keys that hit: a mailbox address, an alias, or a domain name.
            keysets = [addresses, aliases, [a.split("@")[1] for a in addresses]]
            keys = addresses
            for candidate in keysets:
                if name.startswith("dovecot"):
                    break
                try:
                    cursor.execute(_substitute(query, candidate[0], vendor))
                except DatabaseError:
                    break
                if cursor.fetchall():
                    keys = candidate
                    break
            try:
                backed, plan = explain(cursor, vendor, _substitute(query, keys[0], vendor))
            except DatabaseError as exc:  # an upstream map this engine cannot run
                lookups_result[name] = {"error": str(exc)[:300], "index_backed": None, "plan": ""}
                continue
            entry = {"index_backed": backed, "plan": plan}
            chosen = natural_plan(cursor, vendor, _substitute(query, keys[0], vendor))
            if chosen is not None and chosen != plan:
                entry["natural_plan"] = chosen
            if not explain_only:
                with transaction.atomic():
                    t0 = time.perf_counter()
                    for key in keys:
                        cursor.execute(_substitute(query, key, vendor))
                        if cursor.description:
                            cursor.fetchall()
                    elapsed = time.perf_counter() - t0
                    if "UPDATE" in query:
                        transaction.set_rollback(True)
                entry["per_second"] = round(len(keys) / elapsed)
            lookups_result[name] = entry
    results["lookups"] = lookups_result
    return results


def _manage(upstream):
    if upstream:
        return [sys.executable, os.path.join(HERE, ".cache", "upstream_instance", "manage.py")]
    return [sys.executable, "-m", "django"]


def imports(workdir, count, clear_count, upstream):
    """``modo import`` of ``count`` accounts, pre-hashed then clear, in a
    subprocess each, as an administrator runs it.
    """
    from modoboa.parameters import tools as param_tools

    results = {}
    hashed = "{SHA512-CRYPT}" + datagen.crypt.crypt(
        datagen.PASSWORD, datagen.crypt.mksalt(datagen.crypt.METHOD_SHA512)
    )
    for kind, number in (("hashed", count), ("clear", clear_count)):
        if not number:
            continue
        domain = "import-%s.test" % kind
        path = os.path.join(workdir, "import-%s.csv" % kind)
        with open(path, "w") as handle:
            handle.write("domain;%s;0;0;true\n" % domain)
            for i in range(number):
                password = hashed if kind == "hashed" else "Secret-%d-Pw!" % i
                handle.write(
                    "account;imp%d@%s;%s;First%d;Last%d;true;SimpleUsers;imp%d@%s;10\n"
                    % (i, domain, password, i, i, i, domain)
                )
        args = _manage(upstream) + ["modo", "import", path]
        if kind == "clear":
            args.append("--crypt-password")
        if not upstream:
            args.append("--no-progress")
        env = dict(os.environ)
        t0 = time.perf_counter()
        done = subprocess.run(args, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - t0
        results["import %s" % kind] = {
            "accounts": number,
            "seconds": round(elapsed, 2),
            "ok": done.returncode == 0,
        }
        if done.returncode != 0:
            results["import %s" % kind]["error"] = (done.stderr or done.stdout)[-800:]
    if not upstream and clear_count:
        from modoboa.admin.services.bulk import hash_passwords

        params = param_tools.get_global_parameters("core")
        scheme = params["password_scheme"]
        rounds = params.get("rounds_number")
        t0 = time.perf_counter()
        hash_passwords(["Secret-%d-Pw!" % i for i in range(clear_count)], scheme, rounds)
        results["hashing alone"] = {
            "accounts": clear_count,
            "seconds": round(time.perf_counter() - t0, 2),
            "scheme": scheme,
            "rounds": rounds,
        }
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mailboxes", type=int, required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--import-count", type=int, default=10000)
    parser.add_argument("--clear-count", type=int, default=2000)
    parser.add_argument("--only", default="pages,api,lookups,import")
    parser.add_argument("--explain-only", action="store_true")
    parser.add_argument(
        "--full-lists-max",
        type=int,
        default=10**9,
        help="skip unpaginated lists above this many mailboxes",
    )
    args = parser.parse_args()
    import django

    django.setup()
    upstream = is_upstream()
    analyze()
    shape = datagen.plan(args.mailboxes)
    only = set(args.only.split(","))
    req = Requester(args.reps)
    report = {"flavour": "upstream" if upstream else "ours"}
    if args.explain_only:
        report.update(lookups(args.workdir, explain_only=True))
        print(json.dumps(report))
        return
    full_lists = args.mailboxes <= args.full_lists_max
    partial = os.path.join(args.workdir, "partial.json")

    def done(section):
        # What is measured so far, for a runner that stops us at its timeout.
        report.setdefault("measured", {})[section] = time.strftime("%Y-%m-%d %H:%M:%S")
        with open(partial, "w") as handle:
            json.dump(report, handle)

    if "pages" in only:
        report["pages"] = (
            upstream_pages(req, shape, full_lists) if upstream else console_pages(req, shape)
        )
        done("pages")
    if "api" in only:
        report["api"] = api(req, shape, upstream, full_lists)
        done("api")
    if "lookups" in only:
        report.update(lookups(args.workdir))
        done("lookups")
    if "import" in only and args.import_count:
        report["import"] = imports(args.workdir, args.import_count, args.clear_count, upstream)
        done("import")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
