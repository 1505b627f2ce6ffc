"""Time the takeover of a Modoboa 1.10 database and the PostfixAdmin import.

Usage:
    .venv/bin/python bench/takeover.py                 # 1,000 mailboxes, SQLite
    .venv/bin/python bench/takeover.py --sizes 1k,100k --pg            # and PostgreSQL
    .venv/bin/python bench/takeover.py --sizes 1k --pg-url postgres://u@host/postgres
    .venv/bin/python bench/takeover.py --sizes 5k --only postfixadmin --profile /tmp/p

``--pg`` starts a throwaway PostgreSQL server (bench/servers.py, the test
runner's); its CPU seconds (the server processes' own) are recorded next
to the command's. ``--profile DIR`` writes a cProfile of each timed
command there.

For each size: a 1.10 database of N more mailboxes (the genuine 1.10.7
fixture, plus N accounts with their mailbox, self-alias and quota row
inserted with 1.10's columns) is taken over with ``manage.py migrate`` then
``manage.py modo takeover``; and a PostfixAdmin database of N mailboxes
(schema by Debian's postfixadmin package's ``upgrade.php``, rows inserted
as its pages write them, md5crypt hashes) is imported with
``migrate_from_postfixadmin``. Targets (issue 15): a takeover of 100,000
mailboxes under 2 minutes; at least 2,000 imported mailboxes a second.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

from tests.takeover.databases import fixture_path  # noqa: E402

FIXTURE = fixture_path("modoboa-1.10.7.sqlite3")
MD5_HASH = "$1$c9809462$2m1UpgVYe4FYOp69lEmRf/"  # md5crypt of Toto12345


def size(text):
    text = text.lower()
    factor = {"k": 1000, "m": 1000000}.get(text[-1], 1)
    return int(text.rstrip("km")) * factor


#: CPU seconds (user + system) of the last ``manage`` call: on a shared
#: machine, wall-clock time mostly measures the other processes.
LAST_CPU = [0.0]
#: CPU seconds of the PostgreSQL server during the last ``manage`` call.
LAST_SERVER_CPU = [None]
#: The PostgreSQL server started by ``--pg`` (its postmaster's children's
#: CPU time is the server's work) and the directory of ``--profile``.
SERVER = [None]
PROFILE = [None]
#: ``--ownerless``: the 1.10 data without its access rows.
OWNERLESS = [False]


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _server_cpu():
    """CPU seconds of the ``--pg`` server's processes that have ended (its
    backends: one per connection), or None without that server.
    """
    server = SERVER[0]
    if server is None:
        return None
    with open(os.path.join(server.root, "data", "postmaster.pid")) as handle:
        pid = handle.readline().strip()
    with open("/proc/%s/stat" % pid) as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    # cutime and cstime: fields 16 and 17 of stat(5), counted from the state.
    return (int(fields[13]) + int(fields[14])) / ticks


def manage(env, *args, timed=True):
    command = [sys.executable, "-m", "django", *args]
    if timed and PROFILE[0]:
        output = os.path.join(PROFILE[0], "%s-%s.prof" % (args[0], env.get("MODOBOA_TEST_DB")))
        command = [sys.executable, "-m", "cProfile", "-o", output, "-m", "django", *args]
    started = time.monotonic()
    cpu = _children_cpu()
    server_cpu = _server_cpu() if env.get("MODOBOA_TEST_DB") == "postgres" else None
    LAST_SERVER_CPU[0] = None
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit("%s failed:\n%s" % (" ".join(args), result.stderr[-3000:]))
    LAST_CPU[0] = _children_cpu() - cpu
    if server_cpu is not None:
        # The backend has exited once the command has: its time is counted.
        time.sleep(0.2)
        LAST_SERVER_CPU[0] = _server_cpu() - server_cpu
    return time.monotonic() - started


def load_average():
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def environment(engine, target):
    env = dict(os.environ, PYTHONPATH=ROOT, DJANGO_SETTINGS_MODULE="modoboa.test_settings")
    if engine == "sqlite":
        env.update(MODOBOA_TEST_DB="sqlite", MODOBOA_TEST_SQLITE_PATH=target)
    else:
        env.update(MODOBOA_TEST_DB="postgres", MODOBOA_TEST_PG_URL=target)
    return env


def fill_110(cursor, count, placeholder, ownerless=False):
    """Add ``count`` mailboxes to example.com (domain 1), as 1.10 wrote them."""
    now = "2026-12-05 00:00:00"
    users = [
        (
            "bench%d@example.com" % n, "{SHA512-CRYPT}" + MD5_HASH, False, "", "",
            "bench%d@example.com" % n, False, True, now, True, False, "{}", "en",
        )
        for n in range(count)
    ]  # fmt: skip
    cursor.executemany(
        "INSERT INTO core_user (username, password, is_superuser, first_name, last_name, email, "
        "is_staff, is_active, date_joined, is_local, master_user, _parameters, language) "
        "VALUES (%s)" % ", ".join([placeholder] * 13),
        users,
    )
    cursor.execute("SELECT id, username FROM core_user WHERE username LIKE 'bench%'")
    ids = dict((name, pk) for pk, name in cursor.fetchall())
    cursor.executemany(
        "INSERT INTO admin_mailbox (address, use_domain_quota, domain_id, user_id, creation, "
        "last_modification, quota) VALUES (%s)" % ", ".join([placeholder] * 7),
        [
            ("bench%d" % n, True, 1, ids["bench%d@example.com" % n], now, now, 0)
            for n in range(count)
        ],
    )
    cursor.executemany(
        "INSERT INTO admin_quota (username, bytes, messages) VALUES (%s)"
        % ", ".join([placeholder] * 3),
        [("bench%d@example.com" % n, 0, 0) for n in range(count)],
    )
    cursor.executemany(
        "INSERT INTO admin_alias (address, enabled, internal, domain_id, description, creation, "
        "last_modification) VALUES (%s)" % ", ".join([placeholder] * 7),
        [("bench%d@example.com" % n, True, True, 1, "", now, now) for n in range(count)],
    )
    cursor.execute(
        "INSERT INTO modoboa_admin_aliasrecipient (alias_id, r_mailbox_id, address) "
        "SELECT a.id, m.id, a.address FROM admin_alias a JOIN admin_mailbox m "
        "ON a.address = m.address || '@example.com' WHERE a.address LIKE 'bench%'"
    )
    # 1.10 made its creator (here the superuser, id 1) owner of each account
    # and mailbox; ``ownerless`` leaves them without (``modo takeover``'s
    # repair step then grants them all).
    if ownerless:
        return
    for model, table in (("user", "core_user"), ("mailbox", "admin_mailbox")):
        cursor.execute(
            "INSERT INTO core_objectaccess (user_id, content_type_id, object_id, is_owner) "
            "SELECT 1, (SELECT id FROM django_content_type WHERE model = '%s' AND app_label "
            "IN ('core', 'admin')), t.id, %s FROM %s t WHERE t.%s LIKE 'bench%%'"
            % (model, "TRUE" if placeholder == "%s" else "1", table,
               "username" if table == "core_user" else "address")
        )  # fmt: skip


def _timings(prefix, seconds):
    result = {
        prefix + "_s": round(seconds, 2),
        prefix + "_cpu_s": round(LAST_CPU[0], 2),
    }
    if LAST_SERVER_CPU[0] is not None:
        result[prefix + "_server_cpu_s"] = round(LAST_SERVER_CPU[0], 2)
    result[prefix + "_load"] = load_average()
    return result


def new_pg_database(pg_url, name):
    import psycopg2

    admin = psycopg2.connect(pg_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("DROP DATABASE IF EXISTS %s" % name)
        cursor.execute("CREATE DATABASE %s" % name)
    admin.close()
    return pg_url.rsplit("/", 1)[0] + "/" + name


def bench_takeover(engine, count, pg_url, workdir):
    if engine == "sqlite":
        target = os.path.join(workdir, "takeover.sqlite3")
        shutil.copyfile(FIXTURE, target)
        import sqlite3

        connection = sqlite3.connect(target)
        fill_110(connection.cursor(), count, "?", OWNERLESS[0])
        connection.commit()
        connection.close()
    else:
        import psycopg2

        target = new_pg_database(pg_url, "bench_takeover")
        subprocess.run(
            ["psql", "-q", "-f", FIXTURE.replace(".sqlite3", ".postgresql.sql"), target],
            check=True,
            capture_output=True,
        )
        connection = psycopg2.connect(target)
        fill_110(connection.cursor(), count, "%s", OWNERLESS[0])
        connection.commit()
        connection.close()
    env = environment(engine, target)
    result = _timings("migrate", manage(env, "migrate", "--no-input"))
    result.update(_timings("takeover", manage(env, "modo", "takeover")))
    return result


def postfixadmin_source(count, workdir):
    """A PostfixAdmin database (SQLite) of ``count`` mailboxes, each with
    the alias row PostfixAdmin keeps for it; return its URL.
    """
    from tests.takeover import postfixadmin

    source = os.path.join(workdir, "pfa.sqlite3")
    open(source, "w").close()
    code = os.path.join(workdir, "postfixadmin")
    shutil.copytree(postfixadmin.PACKAGE, code, symlinks=False, ignore_dangling_symlinks=True)
    with open(os.path.join(code, "config.local.php"), "w") as handle:
        handle.write(
            postfixadmin.CONFIG
            % {
                "type": "sqlite",
                "host": "",
                "port": "",
                "user": "",
                "password": "",
                "name": source,
            }
        )
    with open(os.path.join(code, "dbconfig.inc.php"), "w") as handle:
        handle.write("<?php\n$dbtype = $dbserver = $dbport = $dbname = $dbuser = $dbpass = '';\n")
    subprocess.run(["php", "public/upgrade.php"], cwd=code, check=True, capture_output=True)
    import sqlite3

    connection = sqlite3.connect(source)
    connection.execute(
        "INSERT INTO domain (domain, description, aliases, mailboxes, maxquota, quota, transport, "
        "backupmx, active) VALUES ('bench.test', '', 0, 0, 0, 0, 'virtual', 0, 1)"
    )
    connection.executemany(
        "INSERT INTO mailbox (username, password, name, maildir, quota, local_part, domain, "
        "active) VALUES (?, ?, ?, ?, 0, ?, 'bench.test', 1)",
        [
            ("u%d@bench.test" % n, MD5_HASH, "User %d" % n, "bench.test/u%d/" % n, "u%d" % n)
            for n in range(count)
        ],
    )
    connection.executemany(
        "INSERT INTO alias (address, goto, domain, active) VALUES (?, ?, 'bench.test', 1)",
        [("u%d@bench.test" % n, "u%d@bench.test" % n) for n in range(count)],
    )
    connection.commit()
    connection.close()
    return "sqlite:///%s" % source


def bench_postfixadmin(engine, count, pg_url, workdir):
    """PostfixAdmin's schema from its package, N mailboxes (the source is
    SQLite), imported into a fresh Modoboa database on ``engine``.
    """
    source = postfixadmin_source(count, workdir)
    if engine == "sqlite":
        target = os.path.join(workdir, "modoboa.sqlite3")
    else:
        target = new_pg_database(pg_url, "bench_pfxadmin")
    env = environment(engine, target)
    manage(env, "migrate", "--no-input", timed=False)
    manage(env, "load_initial_data", timed=False)
    command = ["migrate_from_postfixadmin", "-s", "MD5-CRYPT", "--no-progress", "--source", source]
    seconds = manage(env, *command)
    result = _timings("import", seconds)
    result.update(
        mailboxes_per_s=round(count / seconds, 1),
        mailboxes_per_cpu_s=round(count / max(LAST_CPU[0], 0.01), 1),
    )
    # A second run finds everything present (the idempotent re-run).
    result.update(_timings("rerun", manage(env, *command, timed=False)))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1k")
    parser.add_argument("--pg-url", help="A PostgreSQL server (its postgres database) to test too")
    parser.add_argument("--pg", action="store_true", help="Start a throwaway PostgreSQL")
    parser.add_argument("--only", choices=["takeover", "postfixadmin"])
    parser.add_argument("--no-postfixadmin", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--profile", metavar="DIR", help="Write a cProfile of each command there")
    parser.add_argument(
        "--ownerless", action="store_true", help="1.10 accounts and mailboxes without owner rows"
    )
    parser.add_argument("--output", default=os.path.join(HERE, "results", "takeover.json"))
    args = parser.parse_args()
    OWNERLESS[0] = args.ownerless
    if args.profile:
        os.makedirs(args.profile, exist_ok=True)
        PROFILE[0] = os.path.abspath(args.profile)
    server = None
    pg_url = args.pg_url
    if args.pg:
        from servers import PostgreSQL

        server = SERVER[0] = PostgreSQL().start()
        pg_url = server.url("postgres")
    steps = ["takeover", "postfixadmin"]
    if args.only:
        steps = [args.only]
    elif args.no_postfixadmin:
        steps = ["takeover"]
    results = []
    try:
        for count in [size(text) for text in args.sizes.split(",")]:
            engines = ([] if args.no_sqlite else ["sqlite"]) + (["postgresql"] if pg_url else [])
            for engine in engines:
                workdir = tempfile.mkdtemp(prefix="bench-takeover-")
                try:
                    result = {"size": count, "engine": engine, "load_before": load_average()}
                    if "takeover" in steps:
                        result.update(bench_takeover(engine, count, pg_url, workdir))
                    if "postfixadmin" in steps:
                        result.update(bench_postfixadmin(engine, count, pg_url, workdir))
                finally:
                    shutil.rmtree(workdir, ignore_errors=True)
                print(json.dumps(result), flush=True)
                results.append(result)
    finally:
        if server is not None:
            server.stop()
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w") as handle:
        json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
