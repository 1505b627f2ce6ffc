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
    """PostgreSQL with ``fsync=off`` (the data is disposable).

    With ``keep``, a directory: the cluster lives there, is left in place by
    ``stop()`` and restarted as it is by a later run (``has_data()``).
    """

    def __init__(self, keep=None):
        self.keep = keep
        self.tmp = keep or tempfile.mkdtemp(prefix="modoboa-bench-pg-")
        os.makedirs(self.tmp, exist_ok=True)
        os.chmod(self.tmp, 0o755)  # the server runs as postgres
        super().__init__(self.tmp)

    def has_data(self):
        return os.path.isdir(os.path.join(self.root, "data"))

    def start(self):
        if not self.has_data():
            super().start()
            return self
        options = (
            "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
            % (self.port, os.path.join(self.root, "sock"))
        )
        self._as_postgres(
            [
                os.path.join(self.bin, "pg_ctl"),
                "-D",
                os.path.join(self.root, "data"),
                "-l",
                os.path.join(self.root, "log"),
                "-o",
                options,
                "-w",
                "start",
            ]
        )
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

    def create_database(self, name, reuse=False):
        if not reuse:
            self.psql('DROP DATABASE IF EXISTS "%s"' % name)
            self.psql('CREATE DATABASE "%s"' % name)
        return self.url(name)

    def stop(self):
        if self.keep:
            data = os.path.join(self.root, "data")
            self._as_postgres([os.path.join(self.bin, "pg_ctl"), "-D", data, "-w", "stop"])
            return
        super().stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


class MariaDB(testrunner.MariaDB):
    """MariaDB; ``buffer_pool`` (bytes) sets ``innodb_buffer_pool_size``
    (the server's default is 128 MiB).
    """

    def __init__(self, keep=None, buffer_pool=None):
        self.keep = keep
        self.buffer_pool = buffer_pool
        self.tmp = keep or tempfile.mkdtemp(prefix="modoboa-bench-my-")
        os.makedirs(self.tmp, exist_ok=True)
        os.chmod(self.tmp, 0o755)  # the server runs as mysql
        super().__init__(self.tmp)

    def has_data(self):
        return os.path.isdir(os.path.join(self.root, "data"))

    def start(self):
        if not self.has_data():
            super().start()
            if self.buffer_pool:
                # Resized while running (the test runner's start is shared).
                subprocess.run(  # noqa: S603 - fixed argv
                    [
                        "mariadb",
                        "--no-defaults",
                        "-S",
                        self.socket,
                        "-uroot",
                        "-e",
                        "SET GLOBAL innodb_buffer_pool_size = %d" % self.buffer_pool,
                    ],
                    check=True,
                )
            return self
        # A kept data directory: the server only (see testrunner.MariaDB).
        data = os.path.join(self.root, "data")
        rundir = os.path.join(self.root, "run")
        # Its own temporary directory: files in /tmp may be cleaned meanwhile.
        tmpdir = os.path.join(self.root, "tmp")
        os.makedirs(tmpdir, exist_ok=True)
        user_args = ["--user=mysql"] if os.getuid() == 0 else []
        if user_args:
            shutil.chown(tmpdir, "mysql", "mysql")
        self.socket = os.path.join(rundir, "mysqld.sock")
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv
            [
                "mariadbd",
                "--no-defaults",
                *user_args,
                "--datadir=%s" % data,
                "--tmpdir=%s" % tmpdir,
                "--socket=%s" % self.socket,
                "--pid-file=%s" % os.path.join(rundir, "pid"),
                "--port=%d" % self.port,
                "--bind-address=127.0.0.1",
                "--log-error=%s" % os.path.join(self.root, "err.log"),
                "--innodb-flush-log-at-trx-commit=0",
                *(["--innodb-buffer-pool-size=%d" % self.buffer_pool] if self.buffer_pool else []),
                "--skip-log-bin",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_unicode_ci",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def ready():
            return (
                subprocess.run(  # noqa: S603 - fixed argv
                    ["mariadb", "--no-defaults", "-S", self.socket, "-uroot", "-e", "SELECT 1"],
                    check=False,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                ).returncode
                == 0
            )

        _wait(ready, "MariaDB", timeout=120)
        return self

    def create_database(self, name, reuse=False):
        if not reuse:
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
        if not self.keep:
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
