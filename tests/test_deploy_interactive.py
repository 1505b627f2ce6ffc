"""``modoboa-admin.py deploy`` asks for what the options leave out.

The command runs on a pseudo-terminal, as a postmaster would type: each
answer is sent once its question shows up (getpass flushes typed-ahead input).
"""

import os
import pty
import select
import signal
import time
from urllib.parse import urlsplit

import pytest

from tests.test_deploy import ADMIN_SCRIPT, fresh_database, manage, server_url

pytestmark = pytest.mark.engines("sqlite")


class Terminal:
    """A command on a pseudo-terminal, driven question by question."""

    def __init__(self, argv, cwd):
        self.output = ""
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: becomes the command
            try:
                os.chdir(cwd)
                os.execv(argv[0], argv)  # noqa: S606 - the installed script
            finally:
                os._exit(127)

    def _read(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 4096)
        except OSError:  # EIO: the command exited and closed the terminal
            data = b""
        if not data:
            raise EOFError
        self.output += data.decode("utf-8", "replace")
        return True

    def answer(self, question, text, timeout=60):
        deadline = time.monotonic() + timeout
        while question not in self.output:
            if time.monotonic() > deadline:
                raise AssertionError("no question %r in:\n%s" % (question, self.output))
            try:
                self._read(0.5)
            except EOFError:
                raise AssertionError(
                    "exited before asking %r:\n%s" % (question, self.output)
                ) from None
        # Later questions are searched after this one.
        self.output = self.output.split(question, 1)[1]
        os.write(self.fd, text.encode() + b"\r")

    def wait(self, timeout=600):
        deadline = time.monotonic() + timeout
        while True:
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                raise AssertionError("deploy did not finish:\n%s" % self.output)
            try:
                self._read(0.5)
            except EOFError:
                break
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


def deploy_on_terminal(cwd, *args):
    return Terminal([ADMIN_SCRIPT, "deploy", *args], cwd)


def test_prompts_for_an_sqlite_database_and_the_domain(tmp_path):
    terminal = deploy_on_terminal(str(tmp_path), "instance")
    terminal.answer("Database engine (postgres, mysql, sqlite3) [postgres]:", "sqlite3")
    terminal.answer("Full path of the SQLite database file:", str(tmp_path / "db.sqlite"))
    terminal.answer("Domain name of this instance [localhost]:", "mail.example.org")
    assert terminal.wait() == 0, terminal.output
    assert "Modoboa instance instance is ready" in terminal.output
    shell = manage(
        str(tmp_path / "instance"),
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; from django.contrib.sites.models import Site;"
        "print(settings.DATABASES['default']['NAME'], settings.ALLOWED_HOSTS,"
        " Site.objects.get(pk=1).domain)",
    )
    assert shell.stdout.split() == [
        str(tmp_path / "db.sqlite"),
        "['mail.example.org']",
        "mail.example.org",
    ], shell.stderr


def test_prompts_for_every_server_setting_including_a_hidden_password(tmp_path):
    parts = urlsplit(fresh_database(server_url("MODOBOA_TEST_PG_URL")))
    terminal = deploy_on_terminal(str(tmp_path), "instance", "--domain", "localhost")
    terminal.answer("Database engine (postgres, mysql, sqlite3) [postgres]:", "")
    terminal.answer("Database host [localhost]:", parts.hostname)
    terminal.answer("Database port [5432]:", str(parts.port))
    terminal.answer("Database name [modoboa]:", parts.path.lstrip("/"))
    terminal.answer("Username:", parts.username)
    terminal.answer("Password:", parts.password)
    assert terminal.wait() == 0, terminal.output
    # getpass turned echo off: the password never reached the screen.
    assert parts.password not in terminal.output
    shell = manage(
        str(tmp_path / "instance"),
        "shell",
        "--no-imports",
        "-c",
        "from django.db import connection; from modoboa.core.models import User;"
        "print(connection.vendor, connection.settings_dict['PORT'], User.objects.count())",
    )
    assert shell.stdout.split() == ["postgresql", str(parts.port), "1"], shell.stderr


def test_a_bad_answer_stops_with_nothing_written(tmp_path):
    terminal = deploy_on_terminal(str(tmp_path), "instance", "--domain", "localhost")
    terminal.answer("Database engine (postgres, mysql, sqlite3) [postgres]:", "oracle")
    assert terminal.wait() != 0
    assert "unknown database engine 'oracle'" in terminal.output
    assert not os.path.exists(tmp_path / "instance")
