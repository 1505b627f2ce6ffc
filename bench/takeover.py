"""Time the takeover of a Modoboa 1.10 database and the PostfixAdmin import.

Usage:
    .venv/bin/python bench/takeover.py                 # 1,000 mailboxes, SQLite
    .venv/bin/python bench/takeover.py --sizes 1k,100k --pg-url postgres://u@host/postgres

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


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def manage(env, *args):
    started = time.monotonic()
    cpu = _children_cpu()
    result = subprocess.run(
        [sys.executable, "-m", "django", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit("%s failed:\n%s" % (" ".join(args), result.stderr[-3000:]))
    LAST_CPU[0] = _children_cpu() - cpu
    return time.monotonic() - started


def environment(engine, target):
    env = dict(os.environ, PYTHONPATH=ROOT, DJANGO_SETTINGS_MODULE="modoboa.test_settings")
    if engine == "sqlite":
        env.update(MODOBOA_TEST_DB="sqlite", MODOBOA_TEST_SQLITE_PATH=target)
    else:
        env.update(MODOBOA_TEST_DB="postgres", MODOBOA_TEST_PG_URL=target)
    return env


def fill_110(cursor, count, placeholder):
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


def bench_takeover(engine, count, pg_url, workdir):
    if engine == "sqlite":
        target = os.path.join(workdir, "takeover.sqlite3")
        shutil.copyfile(FIXTURE, target)
        import sqlite3

        connection = sqlite3.connect(target)
        fill_110(connection.cursor(), count, "?")
        connection.commit()
        connection.close()
    else:
        import psycopg2

        name = "bench_takeover"
        admin = psycopg2.connect(pg_url)
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("DROP DATABASE IF EXISTS %s" % name)
            cursor.execute("CREATE DATABASE %s" % name)
        admin.close()
        target = pg_url.rsplit("/", 1)[0] + "/" + name
        subprocess.run(
            ["psql", "-q", "-f", FIXTURE.replace(".sqlite3", ".postgresql.sql"), target],
            check=True,
            capture_output=True,
        )
        connection = psycopg2.connect(target)
        fill_110(connection.cursor(), count, "%s")
        connection.commit()
        connection.close()
    env = environment(engine, target)
    migrate = manage(env, "migrate", "--no-input")
    migrate_cpu = LAST_CPU[0]
    takeover = manage(env, "modo", "takeover")
    return {
        "migrate_s": round(migrate, 2),
        "migrate_cpu_s": round(migrate_cpu, 2),
        "takeover_s": round(takeover, 2),
        "takeover_cpu_s": round(LAST_CPU[0], 2),
    }


def bench_postfixadmin(count, workdir):
    """SQLite only: PostfixAdmin's schema from its package, N mailboxes."""
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
    target = os.path.join(workdir, "modoboa.sqlite3")
    env = environment("sqlite", target)
    manage(env, "migrate", "--no-input")
    manage(env, "load_initial_data")
    seconds = manage(
        env, "migrate_from_postfixadmin", "-s", "MD5-CRYPT", "--no-progress",
        "--source", "sqlite:///%s" % source,
    )  # fmt: skip
    return {
        "import_s": round(seconds, 2),
        "import_cpu_s": round(LAST_CPU[0], 2),
        "mailboxes_per_s": round(count / seconds, 1),
        "mailboxes_per_cpu_s": round(count / max(LAST_CPU[0], 0.01), 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1k")
    parser.add_argument("--pg-url", help="A PostgreSQL server (its postgres database) to test too")
    parser.add_argument("--no-postfixadmin", action="store_true")
    args = parser.parse_args()
    results = []
    for count in [size(text) for text in args.sizes.split(",")]:
        engines = ["sqlite"] + (["postgresql"] if args.pg_url else [])
        for engine in engines:
            workdir = tempfile.mkdtemp(prefix="bench-takeover-")
            try:
                result = {"size": count, "engine": engine}
                result.update(bench_takeover(engine, count, args.pg_url, workdir))
                if engine == "sqlite" and not args.no_postfixadmin:
                    result.update(bench_postfixadmin(count, workdir))
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
            print(json.dumps(result), flush=True)
            results.append(result)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "takeover.json"), "w") as handle:
        json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
