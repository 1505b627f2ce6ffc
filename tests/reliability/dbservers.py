"""Throwaway PostgreSQL and MariaDB servers that a test may stop and start
again (never the servers of the test run itself): the test runner's
servers, with a pause and a resume on the same data.
"""

import os
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "scripts"))
import testrunner  # noqa: E402


def available(engine):
    if os.getuid() != 0:
        return False
    if engine == "postgres":
        return os.path.isdir("/usr/lib/postgresql")
    return any(os.path.exists(os.path.join(d, "mariadbd")) for d in ("/usr/sbin", "/usr/bin"))


class PostgreSQL(testrunner.PostgreSQL):
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="modoboa-fault-pg-")
        os.chmod(self.tmp, 0o755)  # noqa: S103 - the server runs as postgres
        super().__init__(self.tmp)

    def start(self):
        self.url = super().start()
        return self

    def stop(self):
        if os.path.exists(os.path.join(self.root, "data", "postmaster.pid")):
            super().stop()

    def pause(self):
        data = os.path.join(self.root, "data")
        self._as_postgres([os.path.join(self.bin, "pg_ctl"), "-D", data, "-m", "fast", "stop"])

    def resume(self):
        data = os.path.join(self.root, "data")
        options = "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off" % (
            self.port,
            os.path.join(self.root, "sock"),
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


class MariaDB(testrunner.MariaDB):
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="modoboa-fault-my-")
        os.chmod(self.tmp, 0o755)  # noqa: S103 - the server runs as mysql
        super().__init__(self.tmp)

    def start(self):
        self.url = super().start()
        self.argv = self._argv()
        return self

    def _argv(self):
        with open("/proc/%d/cmdline" % self.process.pid, "rb") as fp:
            return [part.decode() for part in fp.read().split(b"\0") if part]

    def stop(self):
        if self.process.poll() is None:
            super().stop()

    def pause(self):
        self.process.terminate()
        self.process.wait(timeout=60)

    def resume(self):
        self.process = subprocess.Popen(  # noqa: S603 - the argv it started with
            self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        client = ["mariadb", "--no-defaults", "-S", self.socket, "-uroot", "-e", "SELECT 1"]
        testrunner.wait_for(
            lambda: (
                subprocess.run(  # noqa: S603 - fixed argv
                    client, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
                ).returncode
                == 0
            ),
            "MariaDB",
            timeout=60,
        )
