"""Run the test suite on SQLite, PostgreSQL and MariaDB (``scripts/test``).

Throwaway PostgreSQL and MariaDB servers are started in a temporary
directory on free loopback ports and stopped at the end. pytest runs once
per engine; browser tests run on the SQLite pass only. With ``CI=true``,
daemons are required (``MODOBOA_REQUIRE_DAEMONS=1``) and any skipped test
fails the run.
"""

import argparse
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.join(TOP, ".venv", "bin")
ENGINES = ("sqlite", "postgres", "mysql")
DB_USER = "modoboa"
DB_PASSWORD = "modopw"  # noqa: S105 - throwaway test server
VMAIL_ID = 5000


def log(message):
    print("\033[1m==> %s\033[0m" % message, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(command, **kwargs):
    kwargs.setdefault("check", True)
    return subprocess.run(command, **kwargs)  # noqa: S603 - fixed argv


def wait_for(predicate, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise RuntimeError("%s did not start within %ss" % (what, timeout))


def ensure_vmail_user():
    """The integration tests deliver mail as vmail (uid/gid 5000)."""
    if os.getuid() != 0:
        return
    try:
        grp.getgrnam("vmail")
    except KeyError:
        run(["groupadd", "-g", str(VMAIL_ID), "vmail"])
    try:
        pwd.getpwnam("vmail")
    except KeyError:
        run(
            [
                "useradd",
                "-r",
                "-u",
                str(VMAIL_ID),
                "-g",
                "vmail",
                "-d",
                "/var/vmail",
                "-s",
                "/usr/sbin/nologin",
                "vmail",
            ],
            stderr=subprocess.DEVNULL,
        )


class PostgreSQL:
    """A PostgreSQL cluster in a temporary directory."""

    name = "PostgreSQL"

    def __init__(self, root):
        self.root = os.path.join(root, "pg")
        self.port = free_port()
        bindir = "/usr/lib/postgresql"
        versions = []
        if os.path.isdir(bindir):
            versions = sorted(os.listdir(bindir), key=int)
        if not versions:
            raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.bin = os.path.join(bindir, versions[-1], "bin")

    def _as_postgres(self, command):
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--"] + command
        return run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def start(self):
        os.makedirs(os.path.join(self.root, "sock"))
        if os.getuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(os.path.join(self.root, "sock"), "postgres", "postgres")
        data = os.path.join(self.root, "data")
        self._as_postgres(
            [
                os.path.join(self.bin, "initdb"),
                "-D",
                data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )
        options = (
            "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
            % (self.port, os.path.join(self.root, "sock"))
        )
        self._as_postgres(
            [
                os.path.join(self.bin, "pg_ctl"),
                "-D",
                data,
                "-l",
                os.path.join(self.root, "log"),
                "-o",
                options,
                "-w",
                "start",
            ]
        )
        psql = [
            os.path.join(self.bin, "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-q",
            "-c",
        ]
        run(
            psql + ["CREATE ROLE %s LOGIN CREATEDB PASSWORD '%s'" % (DB_USER, DB_PASSWORD)],
            stdout=subprocess.DEVNULL,
        )
        run(psql + ["CREATE DATABASE modoboa OWNER %s" % DB_USER], stdout=subprocess.DEVNULL)
        return "postgres://%s:%s@127.0.0.1:%d/modoboa" % (DB_USER, DB_PASSWORD, self.port)

    def stop(self):
        data = os.path.join(self.root, "data")
        if os.path.isdir(data):
            self._as_postgres(
                [os.path.join(self.bin, "pg_ctl"), "-D", data, "-m", "immediate", "stop"]
            )


class MariaDB:
    """A MariaDB server in a temporary directory."""

    name = "MariaDB"

    def __init__(self, root):
        self.root = os.path.join(root, "my")
        self.port = free_port()
        self.process = None

    def start(self):
        data = os.path.join(self.root, "data")
        rundir = os.path.join(self.root, "run")
        os.makedirs(data)
        os.makedirs(rundir)
        user_args = []
        if os.getuid() == 0:
            for path in (self.root, data, rundir):
                shutil.chown(path, "mysql", "mysql")
            user_args = ["--user=mysql"]
        run(  # noqa: S607 - Debian's mariadb-server binaries, on PATH
            [
                "mariadb-install-db",
                "--no-defaults",
                *user_args,
                "--datadir=%s" % data,
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.socket = os.path.join(rundir, "mysqld.sock")
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv
            [
                "mariadbd",
                "--no-defaults",
                *user_args,
                "--datadir=%s" % data,
                "--socket=%s" % self.socket,
                "--pid-file=%s" % os.path.join(rundir, "pid"),
                "--port=%d" % self.port,
                "--bind-address=127.0.0.1",
                "--log-error=%s" % os.path.join(self.root, "err.log"),
                "--innodb-flush-log-at-trx-commit=0",
                "--skip-log-bin",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_unicode_ci",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = ["mariadb", "--no-defaults", "-S", self.socket, "-uroot"]

        def ready():
            return (
                run(
                    client + ["-e", "SELECT 1"],
                    check=False,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                ).returncode
                == 0
            )

        wait_for(ready, "MariaDB")
        statements = ["CREATE DATABASE modoboa CHARACTER SET utf8mb4"]
        for host in ("127.0.0.1", "localhost"):
            statements += [
                "CREATE USER '%s'@'%s' IDENTIFIED BY '%s'" % (DB_USER, host, DB_PASSWORD),
                "GRANT ALL ON *.* TO '%s'@'%s'" % (DB_USER, host),
            ]
        run(client + ["-e", "; ".join(statements)])
        return "mysql://%s:%s@127.0.0.1:%d/modoboa" % (DB_USER, DB_PASSWORD, self.port)

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def junit_counts(path):
    """Return ``(tests, failures, errors, skipped, skipped names)``."""
    tree = ET.parse(path)  # noqa: S314 - the report pytest just wrote
    tests = failures = errors = skipped = 0
    names = []
    for suite in tree.iter("testsuite"):
        tests += int(suite.get("tests", 0))
        failures += int(suite.get("failures", 0))
        errors += int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
    for case in tree.iter("testcase"):
        skip = case.find("skipped")
        if skip is not None:
            names.append(
                "%s::%s (%s)" % (case.get("classname"), case.get("name"), skip.get("message"))
            )
    return tests, failures, errors, skipped, names


def run_pytest(engine, urls, pytest_args, artifacts, ci, workers, position=""):
    env = dict(os.environ)
    env["MODOBOA_TEST_DB"] = engine
    env.update(urls)
    if ci:
        env["MODOBOA_REQUIRE_DAEMONS"] = "1"
    env["MODOBOA_TEST_ARTIFACTS"] = artifacts
    junit = os.path.join(artifacts, "junit-%s.xml" % engine)
    command = [
        os.path.join(VENV_BIN, "pytest"),
        "-p",
        "no:cacheprovider",
        "-q",
        "-ra",
        "--junitxml=%s" % junit,
    ]
    if workers > 1:
        command += ["-n", str(workers), "--dist", "loadfile"]
    if engine != "sqlite":
        command += ["-m", "not browser"]
    command += pytest_args or ["modoboa", "tests"]
    log("%spytest on %s: %s" % (position, engine, " ".join(command[1:])))
    started = time.monotonic()
    result = subprocess.run(command, cwd=TOP, env=env, check=False)  # noqa: S603
    duration = time.monotonic() - started
    counts = junit_counts(junit) if os.path.exists(junit) else (0, 0, 1, 0, [])
    return result.returncode, duration, counts


def stop_on_signal(signum, frame):
    # SystemExit unwinds through main's finally, which stops the servers
    # (the Python equivalent of a shell trap on TERM and HUP).
    raise SystemExit(128 + signum)


def main():
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop_on_signal)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=ENGINES + ("all",), default="all")
    parser.add_argument("--no-lint", action="store_true", help="skip ruff")
    parser.add_argument("-n", "--workers", type=int, default=2, help="pytest-xdist workers")
    parser.add_argument("pytest_args", nargs="*", help="arguments given to pytest (after --)")
    args = parser.parse_args()
    ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    engines = ENGINES if args.engine == "all" else (args.engine,)
    # A run inside a test keeps its reports out of the outer run's.
    artifacts = os.environ.get("MODOBOA_TEST_ARTIFACTS") or os.path.join(TOP, "test-artifacts")
    os.makedirs(artifacts, exist_ok=True)

    if not args.no_lint:
        log("ruff check, ruff format --check")
        ruff = os.path.join(VENV_BIN, "ruff")
        for command in ([ruff, "check", "."], [ruff, "format", "--check", "."]):
            if run(command, cwd=TOP, check=False).returncode:
                log("ruff found problems (ruff format . fixes the formatting)")
                return 1

    ensure_vmail_user()
    root = tempfile.mkdtemp(prefix="modoboa-tests-")
    os.chmod(root, 0o755)  # noqa: S103 - daemons running as other users read it
    servers = []
    urls = {}
    summary = []
    totals = [0, 0, 0]  # passed, failed (failures and errors), skipped
    status = 0
    try:
        if "postgres" in engines:
            server = PostgreSQL(root)
            servers.append(server)
            urls["MODOBOA_TEST_PG_URL"] = server.start()
            log("PostgreSQL on 127.0.0.1:%d" % server.port)
        if "mysql" in engines:
            server = MariaDB(root)
            servers.append(server)
            urls["MODOBOA_TEST_MYSQL_URL"] = server.start()
            log("MariaDB on 127.0.0.1:%d" % server.port)
        for number, engine in enumerate(engines, 1):
            position = "[engine %d/%d, %s] " % (number, len(engines), engine)
            code, duration, counts = run_pytest(
                engine, urls, args.pytest_args, artifacts, ci, args.workers, position
            )
            tests, failures, errors, skipped, skipped_names = counts
            totals[0] += tests - failures - errors - skipped
            totals[1] += failures + errors
            totals[2] += skipped
            line = "%-8s %5d tests  %3d failed  %3d errors  %3d skipped  %6.0fs" % (
                engine,
                tests,
                failures,
                errors,
                skipped,
                duration,
            )
            if code not in (0, 5):
                status = 1
                line += "  FAILED"
            if ci and skipped:
                status = 1
                line += "  (skips are not allowed in CI)"
                for name in skipped_names:
                    print("  skipped: %s" % name, file=sys.stderr)
            summary.append(line)
            # Where the run stands, between two engines' passes.
            log("%sdone: %s" % (position, line.strip()))
    finally:
        for server in reversed(servers):
            try:
                server.stop()
            except Exception as exc:  # noqa: BLE001 - keep stopping the others
                log("could not stop %s: %s" % (server.name, exc))
        shutil.rmtree(root, ignore_errors=True)
    log("Summary")
    for line in summary:
        print(line, file=sys.stderr)
    # One closing line over every engine, in pytest's words.
    print("Total: %d passed, %d failed, %d skipped" % tuple(totals), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
