"""Throwaway database and cache servers for the benchmarks.

Each server lives in a temporary directory, listens on a free loopback
port and is stopped by ``stop()`` (the runner calls it in a ``finally``).
PostgreSQL and MariaDB are the test runner's; Redis is for upstream's job
queues and cache.
"""

import os
import shutil
import socket
import subprocess
import sys
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


# The throwaway servers of the test runner (scripts/testrunner.py), with
# what the benchmark needs on top: one database per size and flavour.
sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts")
)
import testrunner  # noqa: E402


class PostgreSQL(testrunner.PostgreSQL):
    """PostgreSQL with ``fsync=off`` (the data is disposable)."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="modoboa-bench-pg-")
        os.chmod(self.tmp, 0o755)  # the server runs as postgres
        super().__init__(self.tmp)

    def start(self):
        super().start()
        return self

    def url(self, name):
        return "postgres://postgres@127.0.0.1:%d/%s" % (self.port, name)

    def psql(self, sql, database="postgres"):
        subprocess.run(
            [
                os.path.join(self.bin, "psql"),
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

    def create_database(self, name):
        self.psql('DROP DATABASE IF EXISTS "%s"' % name)
        self.psql('CREATE DATABASE "%s"' % name)
        return self.url(name)

    def stop(self):
        super().stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


class MariaDB(testrunner.MariaDB):
    """MariaDB (only used to EXPLAIN the mail-server lookups)."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="modoboa-bench-my-")
        os.chmod(self.tmp, 0o755)  # the server runs as mysql
        super().__init__(self.tmp)

    def start(self):
        super().start()
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
                "DROP DATABASE IF EXISTS `%s`; CREATE DATABASE `%s` CHARACTER SET utf8mb4"
                % (name, name),
            ],
            check=True,
        )
        return "mysql://%s:%s@127.0.0.1:%d/%s" % (
            testrunner.DB_USER,
            testrunner.DB_PASSWORD,
            self.port,
            name,
        )

    def stop(self):
        super().stop()
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
