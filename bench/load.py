"""A bounded, loopback-only load run: the panel busy while mail flows.

Runs ``tests/reliability/test_load.py`` (gunicorn with four workers serving
console pages and API reads and writes, while ``postmap -q`` lookups and
Dovecot authentications and LMTP deliveries go on against the same
database) bigger and longer than CI does, on each engine, through the test
runner (which starts throwaway PostgreSQL and MariaDB servers and the real
daemons). Each run writes its figures to ``bench/results/load-<engine>.json``
and the table of all of them to ``bench/results/load.md``.

Usage::

    .venv/bin/python bench/load.py --engine sqlite --mailboxes 1000 --seconds 30
    .venv/bin/python bench/load.py --engine all --mailboxes 100000 --seconds 300 --nginx

``--nginx`` puts Debian's nginx in front of gunicorn, over TLS with a
self-signed certificate on 127.0.0.1 (``tests/reliability/nginx.py``), as
docs/deployment.rst deploys the panel: every client request then goes
through TLS and the proxy.

Every request goes to 127.0.0.1; the run stops by itself after
``--seconds`` (plus the time to create the mailboxes).
"""

import argparse
import json
import os
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(TOP, "bench", "results")
ENGINES = ("sqlite", "postgres", "mysql")
KINDS = (
    "console",
    "api_read",
    "api_create",
    "api_quota",
    "api_delete",
    "postmap",
    "dovecot_auth",
    "lmtp",
)


def run(engine, mailboxes, seconds, nginx=False):
    output = os.path.join(RESULTS, "load-%s.json" % engine)
    if os.path.exists(output):
        os.unlink(output)
    env = dict(
        os.environ,
        PYTHONPATH=TOP,
        MODOBOA_LOAD_MAILBOXES=str(mailboxes),
        MODOBOA_LOAD_SECONDS=str(seconds),
        MODOBOA_LOAD_RESULTS=output,
        MODOBOA_LOAD_NGINX="1" if nginx else "0",
    )
    # The runner itself (scripts/test without its install step: run this
    # script with the project's virtualenv, .venv/bin/python).
    command = [
        sys.executable,
        os.path.join(TOP, "scripts", "testrunner.py"),
        "--engine",
        engine,
        "--no-lint",
        "-n",
        "1",
        "--",
        "tests/reliability/test_load.py",
    ]
    result = subprocess.run(command, cwd=TOP, env=env, check=False)  # noqa: S603
    if not os.path.exists(output):
        return None, result.returncode
    with open(output, encoding="utf-8") as fp:
        return json.load(fp), result.returncode


def markdown(runs):
    lines = [
        "# Load run (bench/load.py)",
        "",
        "Errors first: a request, lookup, authentication or delivery that failed; "
        "lost: a 2xx write missing afterwards, a delivery not counted in the "
        "quota, a pool exceeded.",
        "",
        "| engine | served by | mailboxes | seconds | errors | lost | quota updates missed "
        "| Dovecot dict errors | deliveries | creations | load avg (1 min) start/mean/max "
        "| CPU s (test process + children) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for summary in runs:
        summary.setdefault("served", "gunicorn")
        load = summary.get("load_average_1min")
        cpu = summary.get("cpu_seconds")
        extra = {
            "load": "%(start)s / %(mean)s / %(max)s" % load if load else "not recorded",
            "cpu": "%(test_process)s + %(child_processes)s" % cpu if cpu else "not recorded",
        }
        lines.append(
            "| %(engine)s | %(served)s | %(mailboxes)d | %(seconds)s "
            "| **%(errors)d** | **%(lost)d** | %(quota_misses)d "
            "| %(dovecot_dict_errors)d | %(deliveries)d | %(created)d "
            % summary
            + "| %(load)s | %(cpu)s |" % extra
        )
    lines += ["", "| engine | kind | count | per second | p50 ms | p95 ms | p99 ms | errors |"]
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|")
    for summary in runs:
        for kind in KINDS:
            figures = summary["kinds"].get(kind)
            if figures:
                lines.append(
                    "| %s | %s | %d | %s | %s | %s | %s | %d |"
                    % (
                        summary["engine"],
                        kind,
                        figures["count"],
                        figures["per_second"],
                        figures["p50_ms"],
                        figures["p95_ms"],
                        figures["p99_ms"],
                        figures["errors"],
                    )
                )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=ENGINES + ("all",), default="sqlite")
    parser.add_argument("--mailboxes", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument(
        "--nginx", action="store_true", help="Serve through nginx over TLS (loopback only)"
    )
    args = parser.parse_args()
    if args.seconds > 1800 or args.mailboxes > 200000:
        parser.error("at most 1800 seconds and 200000 mailboxes")
    engines = ENGINES if args.engine == "all" else (args.engine,)
    failed = False
    for engine in engines:
        summary, code = run(engine, args.mailboxes, args.seconds, args.nginx)
        failed = failed or code != 0
        if summary is None:
            print("%s: no figures (the run failed before measuring)" % engine, file=sys.stderr)
    runs = []
    for engine in ENGINES:
        path = os.path.join(RESULTS, "load-%s.json" % engine)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fp:
                runs.append(json.load(fp))
    with open(os.path.join(RESULTS, "load.md"), "w", encoding="utf-8") as fp:
        fp.write(markdown(runs))
    print(markdown(runs))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
