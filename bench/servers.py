"""Throwaway database and cache servers for the benchmarks.

Each server lives in a temporary directory, listens on a free loopback
port and is stopped by ``stop()`` (the runner calls it in a ``finally``).
The recipes are those of the integration tests: PostgreSQL's ``initdb`` as
the ``postgres`` user, MariaDB with ``--no-defaults``, Redis for upstream's
job queues.
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(check, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError("%s did not start in %d s" % (what, timeout))


def _as_postgres(command):
    if os.geteuid() == 0:
        return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(command)]
    return ["sh", "-c", " ".join(command)]


class PostgreSQL:
    """A PostgreSQL cluster with ``fsync=off`` (the data is disposable)."""

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            raise RuntimeError(
                "PostgreSQL server binaries are missing (apt-get install postgresql)"
            )
        self.bindir = os.path.dirname(bins[-1])
        self.tmp = tempfile.mkdtemp(prefix="modoboa-bench-pg-")
        self.port = free_port()
        self.data = os.path.join(self.tmp, "data")

    def start(self):
        os.chmod(self.tmp, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.tmp, "postgres", "postgres")
        initdb = os.path.join(self.bindir, "initdb")
        subprocess.run(
            _as_postgres(
                [
                    initdb,
                    "-D",
                    self.data,
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = (
            "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=512MB "
            "-c work_mem=32MB -c maintenance_work_mem=256MB -c max_connections=50"
            % (self.port, self.tmp)
        )
        pg_ctl = os.path.join(self.bindir, "pg_ctl")
        subprocess.run(
            _as_postgres(
                [
                    pg_ctl,
                    "-D",
                    self.data,
                    "-l",
                    os.path.join(self.tmp, "log"),
                    "-o",
                    "'%s'" % options,
                    "-w",
                    "start",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return self

    def url(self, name):
        return "postgres://postgres@127.0.0.1:%d/%s" % (self.port, name)

    def psql(self, sql, database="postgres"):
        subprocess.run(
            [
                os.path.join(self.bindir, "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-q",
                "-c",
                sql,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def create_database(self, name, template=None):
        self.psql('DROP DATABASE IF EXISTS "%s"' % name)
        extra = ' TEMPLATE "%s"' % template if template else ""
        self.psql('CREATE DATABASE "%s"%s' % (name, extra))
        return self.url(name)

    def stop(self):
        pg_ctl = os.path.join(self.bindir, "pg_ctl")
        subprocess.run(
            _as_postgres([pg_ctl, "-D", self.data, "-m", "immediate", "stop"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(self.tmp, ignore_errors=True)


class MariaDB:
    """A MariaDB server (only used to EXPLAIN the mail-server lookups)."""

    def __init__(self):
        if not shutil.which("mariadbd"):
            raise RuntimeError("mariadbd is missing (apt-get install mariadb-server)")
        self.tmp = tempfile.mkdtemp(prefix="modoboa-bench-my-")
        self.port = free_port()
        self.socket = os.path.join(self.tmp, "mysqld.sock")
        self.process = None

    def start(self):
        data = os.path.join(self.tmp, "data")
        os.makedirs(data)
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", "mysql:mysql", self.tmp], check=True)
        subprocess.run(
            [
                "mariadb-install-db",
                "--no-defaults",
                "--user=mysql",
                "--datadir=" + data,
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.process = subprocess.Popen(
            [
                "mariadbd",
                "--no-defaults",
                "--user=mysql",
                "--datadir=" + data,
                "--socket=" + self.socket,
                "--port=%d" % self.port,
                "--bind-address=127.0.0.1",
                "--innodb-flush-log-at-trx-commit=0",
                "--innodb-buffer-pool-size=512M",
                "--log-error=" + os.path.join(self.tmp, "err.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(
            lambda: (
                subprocess.run(
                    ["mariadb-admin", "--no-defaults", "-S", self.socket, "-uroot", "ping"],
                    capture_output=True,
                ).returncode
                == 0
            ),
            "MariaDB",
        )
        return self

    def create_database(self, name):
        subprocess.run(
            [
                "mariadb",
                "--no-defaults",
                "-S",
                self.socket,
                "-uroot",
                "-e",
                "DROP DATABASE IF EXISTS `%s`; CREATE DATABASE `%s` CHARACTER SET utf8mb4;"
                "CREATE USER IF NOT EXISTS 'bench'@'127.0.0.1';"
                "GRANT ALL ON *.* TO 'bench'@'127.0.0.1';" % (name, name),
            ],
            check=True,
        )
        return "mysql://bench@127.0.0.1:%d/%s" % (self.port, name)

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


class Redis:
    """Upstream queues jobs and caches in Redis: give it a private one."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="modoboa-bench-redis-")
        self.port = free_port()
        self.process = None

    def start(self):
        if not shutil.which("redis-server"):
            raise RuntimeError("redis-server is missing (apt-get install redis-server)")
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                self.tmp,
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )

        def ready():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return True
            except OSError:
                return False

        _wait(ready, "Redis")
        return self

    @property
    def url(self):
        return "redis://127.0.0.1:%d/0" % self.port

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(30)
        shutil.rmtree(self.tmp, ignore_errors=True)
