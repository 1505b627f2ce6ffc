"""Run the whole benchmark: ours and upstream, on SQLite and PostgreSQL, at
each size, and write ``bench/results/latest.md`` and ``latest.json``.

    .venv/bin/python bench/run.py                       # 1k,10k,100k
    .venv/bin/python bench/run.py --sizes 1k,10k,100k,1m  # 1M: opt-in, long
    .venv/bin/python bench/run.py --no-upstream --engines sqlite --sizes 1k

Every process runs under ``nice -n 10`` (the machine is shared). Generated
SQLite databases are kept in ``bench/.cache/data`` (keyed by the
generator's source) so a second run skips generation; PostgreSQL data is
regenerated each run in a throwaway cluster. Upstream ``modoboa`` is
installed from PyPI into ``bench/.cache/upstream-venv`` on first use.
"""

import argparse
import hashlib
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CACHE = os.path.join(HERE, ".cache")
sys.path.insert(0, HERE)

import report  # noqa: E402
import servers  # noqa: E402
import upstream as upstream_harness  # noqa: E402

SIZES = {"1k": 1000, "10k": 10000, "100k": 100000, "1m": 1000000}
OUR_PYTHON = os.path.join(ROOT, ".venv", "bin", "python")


def log(message):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), message), flush=True)


class Flavour:
    def __init__(self, name, python, settings, extra_path, env=None):
        self.name = name
        self.python = python
        self.settings = settings
        self.extra_path = extra_path
        self.env = env or {}

    def environ(self, db_url):
        env = dict(os.environ)
        env.update(self.env)
        env["DJANGO_SETTINGS_MODULE"] = self.settings
        env["PYTHONPATH"] = os.pathsep.join(self.extra_path)
        env["BENCH_DB_URL"] = db_url
        env.pop("MODOBOA_TEST_DB", None)
        return env

    def run(self, args, db_url, capture=True, check=True, timeout=None):
        command = ["nice", "-n", "10", self.python] + args
        done = subprocess.run(
            command,
            env=self.environ(db_url),
            cwd=ROOT,
            capture_output=capture,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise RuntimeError(
                "%s failed (%s): %s" % (" ".join(args), self.name, (done.stderr or "")[-3000:])
            )
        return done

    def manage(self, args, db_url):
        if self.name == "upstream":
            return self.run([upstream_harness.manage_py()] + args, db_url)
        return self.run(["-m", "django"] + args, db_url)


def generator_key():
    digest = hashlib.sha256()
    for name in ("datagen.py",):
        with open(os.path.join(HERE, name), "rb") as handle:
            digest.update(handle.read())
    return digest.hexdigest()[:12]


def initial_data(flavour, db_url):
    flavour.manage(["migrate", "-v0"], db_url)
    if flavour.name == "upstream":
        flavour.manage(["load_initial_data", "--admin-username", "admin"], db_url)
    else:
        flavour.manage(["load_initial_data"], db_url)


def prepare_sqlite(flavour, size, workdir):
    """A generated database for ``size``, copied into ``workdir``."""
    store = os.path.join(CACHE, "data")
    os.makedirs(store, exist_ok=True)
    cached = os.path.join(store, "%s-%d-%s.sqlite3" % (flavour.name, size, generator_key()))
    prefix = "%s-%d-" % (flavour.name, size)
    for name in os.listdir(store):
        # Databases of an older generator are stale.
        if name.startswith(prefix) and not name.startswith(os.path.basename(cached)):
            os.remove(os.path.join(store, name))
    generation = None
    if not os.path.exists(cached):
        tmp = cached + ".tmp"
        if os.path.exists(tmp):
            os.remove(tmp)
        url = "sqlite:///" + tmp
        initial_data(flavour, url)
        done = flavour.run([os.path.join(HERE, "datagen.py"), "--mailboxes", str(size)], url)
        generation = json.loads(done.stdout.strip().splitlines()[-1])
        os.rename(tmp, cached)
        with open(cached + ".json", "w") as handle:
            json.dump(generation, handle)
    else:
        with open(cached + ".json") as handle:
            generation = json.load(handle)
        generation["cached"] = True
    path = os.path.join(workdir, "%s-%d.sqlite3" % (flavour.name, size))
    shutil.copyfile(cached, path)
    # As deployed instances run it (modoboa-admin.py deploy turns WAL on).
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
    return "sqlite:///" + path, generation


def prepare_postgres(flavour, size, pg):
    name = "%s_%d" % (flavour.name, size)
    url = pg.create_database(name)
    initial_data(flavour, url)
    done = flavour.run([os.path.join(HERE, "datagen.py"), "--mailboxes", str(size)], url)
    return url, json.loads(done.stdout.strip().splitlines()[-1])


def measure(flavour, size, url, workdir, args):
    only = args.only
    import_count = args.import_count if flavour.name == "ours" else args.upstream_import_count
    command = [
        os.path.join(HERE, "workloads.py"),
        "--mailboxes",
        str(size),
        "--workdir",
        workdir,
        "--reps",
        str(args.reps),
        "--import-count",
        str(import_count),
        "--clear-count",
        str(args.clear_count if flavour.name == "ours" else args.upstream_clear_count),
        "--only",
        only,
    ]
    if flavour.name == "upstream":
        command += ["--full-lists-max", str(SIZES[args.upstream_full_lists_max.lower()])]
    partial = os.path.join(workdir, "partial.json")
    try:
        done = flavour.run(command, url, check=False, timeout=args.timeout or None)
    except subprocess.TimeoutExpired:
        # Keep the sections measured before the timeout.
        measured = {}
        if os.path.exists(partial):
            with open(partial) as handle:
                measured = json.load(handle)
        measured["timed_out"] = "stopped after %d s, in the sections after %s" % (
            args.timeout,
            ", ".join(measured.get("measured") or ["(none)"]),
        )
        return measured
    if done.returncode != 0:
        return {"error": (done.stderr or "")[-3000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


# Each workload section and the keys of its results.
SECTIONS = {
    "pages": ["pages"],
    "api": ["api"],
    "lookups": ["generate_postfix_maps", "lookups"],
    "import": ["import"],
}


def merge_run(old, new):
    """``new`` results completed with the sections of ``old`` it did not
    measure (a rerun with ``--only``), each keeping its measurement time.
    """
    results = dict(old["results"])
    # The old run's failure is not this run's.
    results.pop("error", None)
    results.pop("timed_out", None)
    measured = dict(results.get("measured") or {})
    for section, keys in SECTIONS.items():
        if section in (new["results"].get("measured") or {}):
            for key in keys:
                results.pop(key, None)
    for key, value in new["results"].items():
        if key != "measured":
            results[key] = value
    measured.update(new["results"].get("measured") or {})
    results["measured"] = measured
    merged = dict(new)
    merged["results"] = results
    return merged


def load_runs(path):
    """The runs of a results file, each section dated (older files date
    every section with the run's start).
    """
    with open(path) as handle:
        old = json.load(handle)
    for run in old["runs"]:
        measured = run["results"].setdefault("measured", {})
        for section, keys in SECTIONS.items():
            if section not in measured and any(k in run["results"] for k in keys):
                measured[section] = old.get("started")
    return old


def mariadb_explain(flavours, size, workdir):
    """EXPLAIN the mail-server lookups on MariaDB (plans only)."""
    results = {}
    my = servers.MariaDB().start()
    try:
        for flavour in flavours:
            url = my.create_database("%s_explain" % flavour.name)
            try:
                initial_data(flavour, url)
                flavour.run([os.path.join(HERE, "datagen.py"), "--mailboxes", str(size)], url)
            except RuntimeError as exc:
                results[flavour.name] = {"error": str(exc)[-2000:]}
                continue
            done = flavour.run(
                [
                    os.path.join(HERE, "workloads.py"),
                    "--mailboxes",
                    str(size),
                    "--workdir",
                    os.path.join(workdir, "my-" + flavour.name),
                    "--explain-only",
                ],
                url,
                check=False,
            )
            if done.returncode != 0:
                results[flavour.name] = {"error": (done.stderr or "")[-2000:]}
            else:
                results[flavour.name] = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        my.stop()
    return results


def main():
    parser = argparse.ArgumentParser(description="Modoboa benchmarks (see docs/benchmarks.rst)")
    parser.add_argument("--sizes", default="1k,10k,100k", help="among 1k,10k,100k,1m")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--no-upstream", action="store_true")
    parser.add_argument(
        "--upstream-only", action="store_true", help="measure upstream only (with --merge)"
    )
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--only", default="pages,api,lookups,import")
    parser.add_argument("--import-count", type=int, default=10000)
    parser.add_argument("--clear-count", type=int, default=2000)
    parser.add_argument("--upstream-import-count", type=int, default=1000)
    parser.add_argument("--upstream-clear-count", type=int, default=200)
    parser.add_argument(
        "--upstream-full-lists-max",
        default="10k",
        help="largest size at which upstream's unpaginated lists are measured "
        "(they run one query per row: many minutes beyond)",
    )
    parser.add_argument(
        "--mariadb-size", default="10k", help="size of the MariaDB EXPLAIN run ('' to skip)"
    )
    parser.add_argument("--output", default=os.path.join(HERE, "results"))
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the runs of the previous latest.json, and the sections of them "
        "this run does not redo",
    )
    parser.add_argument(
        "--merge-from",
        action="append",
        default=[],
        help="with --merge: also keep the runs of this other results file "
        "(for instance a 1M run written to another --output)",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=3600,
        help="seconds after which the workloads of one flavour, size and engine "
        "are stopped (the sections measured so far are kept; 0: none)",
    )
    args = parser.parse_args()
    sizes = [SIZES[s.strip().lower()] for s in args.sizes.split(",") if s.strip()]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    settings_dir = os.path.join(HERE, "settings")
    flavours = [Flavour("ours", OUR_PYTHON, "bench_ours", [ROOT, settings_dir])]
    redis = None
    # Under bench/.cache, not /tmp: test runs of other developers clean
    # their temporary directories there while a long run goes on.
    scratch = os.path.join(CACHE, "tmp")
    os.makedirs(scratch, exist_ok=True)
    tempfile.tempdir = scratch
    workdir = tempfile.mkdtemp(prefix="run-")
    results = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "settings": dict(vars(args)),
        "runs": [],
    }
    previous = {}
    if args.merge and os.path.exists(os.path.join(args.output, "latest.json")):
        old = load_runs(os.path.join(args.output, "latest.json"))
        for path in args.merge_from:
            for run in load_runs(path)["runs"]:
                old["runs"].append(run)
        for run in old["runs"]:
            previous[(run["engine"], run["mailboxes"], run["flavour"])] = run
        results["merged_from"] = old.get("started")
        results["upstream_version"] = old.get("upstream_version")
        if old.get("mariadb_explain") and not args.mariadb_size:
            results["mariadb_explain"] = old["mariadb_explain"]
            results["settings"]["mariadb_size"] = old["settings"].get("mariadb_size")
    results["runs"] = list(previous.values())
    pg = None
    try:
        if not args.no_upstream:
            log("preparing upstream modoboa %s" % upstream_harness.VERSION)
            redis = servers.Redis().start()
            upstream_harness.ensure(redis.url, log)
            flavours.append(
                Flavour(
                    "upstream",
                    upstream_harness.python(),
                    "bench_upstream",
                    # Not ROOT: our modoboa package would shadow upstream's.
                    [upstream_harness.instance_dir(), settings_dir],
                    env={"BENCH_REDIS_URL": redis.url},
                )
            )
            results["upstream_version"] = upstream_harness.VERSION
            if args.upstream_only:
                del flavours[0]
        if "postgres" in engines:
            pg = servers.PostgreSQL().start()
        for engine in engines:
            for size in sizes:
                for flavour in flavours:
                    log("%s / %s / %d mailboxes: generating" % (engine, flavour.name, size))
                    run_dir = os.path.join(workdir, "%s-%s-%d" % (engine, flavour.name, size))
                    os.makedirs(run_dir)
                    if engine == "sqlite":
                        url, generation = prepare_sqlite(flavour, size, run_dir)
                    else:
                        url, generation = prepare_postgres(flavour, size, pg)
                    log("  generated in %s s; measuring" % generation.get("seconds"))
                    load_before = os.getloadavg()[0]
                    measured = measure(flavour, size, url, run_dir, args)
                    measured["load_average"] = [
                        round(load_before, 2),
                        round(os.getloadavg()[0], 2),
                    ]
                    if "error" in measured:
                        log("  ERROR: %s" % measured["error"][-500:])
                    run = {
                        "engine": engine,
                        "flavour": flavour.name,
                        "mailboxes": size,
                        "generation": generation,
                        "results": measured,
                    }
                    key = (engine, size, flavour.name)
                    if key in previous:
                        results["runs"].remove(previous[key])
                        run = merge_run(previous[key], run)
                    results["runs"].append(run)
                    if engine == "sqlite":
                        path = url[len("sqlite:///") :]
                        if os.path.exists(path):
                            os.remove(path)
                    else:
                        pg.psql('DROP DATABASE IF EXISTS "%s_%d"' % (flavour.name, size))
                    write(results, args.output)
        if args.mariadb_size:
            log("MariaDB EXPLAIN at %s" % args.mariadb_size)
            results["mariadb_explain"] = mariadb_explain(
                flavours, SIZES[args.mariadb_size.lower()], workdir
            )
        results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
        write(results, args.output)
        log("wrote %s" % os.path.join(args.output, "latest.md"))
    finally:
        if pg is not None:
            pg.stop()
        if redis is not None:
            redis.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def write(results, output):
    os.makedirs(output, exist_ok=True)
    with open(os.path.join(output, "latest.json"), "w") as handle:
        json.dump(results, handle, indent=1, sort_keys=True)
    with open(os.path.join(output, "latest.md"), "w") as handle:
        handle.write(report.markdown(results))


if __name__ == "__main__":
    main()
