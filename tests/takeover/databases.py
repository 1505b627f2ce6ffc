"""Throwaway databases for the takeover tests, on the engine of the pass.

A database is made empty or from the genuine 1.10.7 fixture
(``../shared/fixtures/modoboa-1.10.7``, copied, never changed), and Django
commands run on it in a subprocess with the test settings, as an
administrator's ``manage.py`` would.
"""

import contextlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _fixture_directories():
    """``shared/fixtures/modoboa-1.10.7`` next to the checkout or one of its
    parents (a worktree sits one level deeper), or MODOBOA_TAKEOVER_FIXTURES."""
    if os.environ.get("MODOBOA_TAKEOVER_FIXTURES"):
        yield os.environ["MODOBOA_TAKEOVER_FIXTURES"]
    directory = TOP
    while os.path.dirname(directory) != directory:
        directory = os.path.dirname(directory)
        yield os.path.join(directory, "shared", "fixtures", "modoboa-1.10.7")


def fixture_path(name):
    for directory in _fixture_directories():
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    pytest.fail("The 1.10.7 fixture %s is missing (../shared/fixtures/modoboa-1.10.7)" % name)


def _server_url(variable):
    url = os.environ.get(variable)
    if not url:
        pytest.fail("%s is not set: run the tests through scripts/test" % variable)
    return url


class Database:
    """One throwaway database."""

    def __init__(self, vendor, directory):
        self.vendor = vendor
        self.name = "takeover_%s" % secrets.token_hex(4)
        if vendor == "sqlite":
            self.path = os.path.join(str(directory), "%s.sqlite3" % self.name)
            open(self.path, "wb").close()
        else:
            variable = (
                "MODOBOA_TEST_PG_URL" if vendor == "postgresql" else "MODOBOA_TEST_MYSQL_URL"
            )
            server = urlsplit(_server_url(variable))
            self.server = server
            self.url = "%s://%s/%s" % (server.scheme, server.netloc, self.name)
            with self._server_cursor() as cursor:
                if vendor == "postgresql":
                    cursor.execute("CREATE DATABASE %s" % self.name)
                else:
                    cursor.execute("CREATE DATABASE %s CHARACTER SET utf8mb4" % self.name)

    @classmethod
    def of_tests(cls):
        """The test database itself (the one the daemons read), for
        commands run in a subprocess; never dropped.
        """
        from django.db import connection

        database = cls.__new__(cls)
        database.vendor = connection.vendor
        database.name = connection.settings_dict["NAME"]
        if database.vendor == "sqlite":
            database.path = database.name
        else:
            variable = (
                "MODOBOA_TEST_PG_URL"
                if database.vendor == "postgresql"
                else "MODOBOA_TEST_MYSQL_URL"
            )
            database.server = urlsplit(_server_url(variable))
            database.url = "%s://%s/%s" % (
                database.server.scheme,
                database.server.netloc,
                database.name,
            )
        return database

    @contextlib.contextmanager
    def _server_cursor(self):
        if self.vendor == "postgresql":
            import psycopg2

            connection = psycopg2.connect(
                dbname=self.server.path.lstrip("/") or "postgres",
                user=self.server.username,
                password=self.server.password,
                host=self.server.hostname,
                port=self.server.port,
            )
            connection.autocommit = True
        else:
            import MySQLdb

            connection = MySQLdb.connect(
                user=self.server.username,
                password=self.server.password or "",
                host=self.server.hostname,
                port=self.server.port,
            )
        try:
            with connection.cursor() as cursor:
                yield cursor
        finally:
            connection.close()

    @contextlib.contextmanager
    def cursor(self):
        """A DB-API cursor on the database, committed on exit."""
        if self.vendor == "sqlite":
            connection = sqlite3.connect(self.path)
        elif self.vendor == "postgresql":
            import psycopg2

            connection = psycopg2.connect(
                dbname=self.name,
                user=self.server.username,
                password=self.server.password,
                host=self.server.hostname,
                port=self.server.port,
            )
        else:
            import MySQLdb

            connection = MySQLdb.connect(
                db=self.name,
                user=self.server.username,
                password=self.server.password or "",
                host=self.server.hostname,
                port=self.server.port,
                charset="utf8mb4",
            )
        try:
            cursor = connection.cursor()
            yield cursor
            connection.commit()
        finally:
            connection.close()

    def query(self, sql, params=()):
        """Rows of ``sql``, written with ``%s`` placeholders on every engine."""
        if self.vendor == "sqlite":
            sql = sql.replace("%s", "?")
        with self.cursor() as cursor:
            cursor.execute(sql, params)
            return [tuple(row) for row in cursor.fetchall()]

    def load_110_fixture(self):
        """Fill the (empty) database with the genuine 1.10.7 database."""
        if self.vendor == "sqlite":
            shutil.copyfile(fixture_path("modoboa-1.10.7.sqlite3"), self.path)
        elif self.vendor == "postgresql":
            # The dump gives its tables to the role "postgres": the test
            # server's user is not a superuser, its tables stay its own.
            with open(fixture_path("modoboa-1.10.7.postgresql.sql"), encoding="utf-8") as fp:
                dump = "".join(line for line in fp if " OWNER TO " not in line)
            subprocess.run(
                ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-", self.url],
                check=True,
                capture_output=True,
                input=dump.encode("utf-8"),
            )
        else:
            raise AssertionError("The 1.10.7 fixture exists for SQLite and PostgreSQL only")
        return self

    def copy_to(self, other):
        """Fill the empty database ``other`` with this one's schema and rows."""
        if self.vendor == "sqlite":
            shutil.copyfile(self.path, other.path)
        elif self.vendor == "postgresql":
            dump = subprocess.run(
                ["pg_dump", "-O", "-x", self.url], capture_output=True, check=True
            ).stdout
            subprocess.run(
                ["psql", "-q", "-v", "ON_ERROR_STOP=1", other.url],
                input=dump,
                capture_output=True,
                check=True,
            )
        else:
            server = self.server
            args = ["-h", server.hostname, "-P", str(server.port), "-u", server.username]
            if server.password:
                args.append("-p%s" % server.password)
            dump = subprocess.run(
                ["mariadb-dump", *args, self.name], capture_output=True, check=True
            ).stdout
            subprocess.run(
                ["mariadb", *args, other.name], input=dump, capture_output=True, check=True
            )
        return other

    def environment(self):
        env = dict(os.environ)
        env["PYTHONPATH"] = TOP
        env["DJANGO_SETTINGS_MODULE"] = "modoboa.test_settings"
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        if self.vendor == "sqlite":
            env["MODOBOA_TEST_DB"] = "sqlite"
            env["MODOBOA_TEST_SQLITE_PATH"] = self.path
        elif self.vendor == "postgresql":
            env["MODOBOA_TEST_DB"] = "postgres"
            env["MODOBOA_TEST_PG_URL"] = self.url
        else:
            env["MODOBOA_TEST_DB"] = "mysql"
            env["MODOBOA_TEST_MYSQL_URL"] = self.url
        return env

    def command(self, *args):
        return [sys.executable, "-m", "django", *args]

    def manage(self, *args, timeout=600):
        """Run ``manage.py <args>`` on the database; return the result."""
        return subprocess.run(
            self.command(*args),
            cwd=TOP,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def schema(self):
        from modoboa.core.takeover.dump import dump

        with self.cursor() as cursor:
            return dump(self.vendor, cursor)

    def tables(self):
        from modoboa.core.takeover.dump import table_names

        with self.cursor() as cursor:
            return table_names(self.vendor, cursor)

    def rows(self, table):
        """Every row of ``table`` as sorted ``(column, value)`` pairs (the
        order of columns may differ), JSON text decoded, sorted."""
        with self.cursor() as cursor:
            cursor.execute("SELECT * FROM %s" % table)
            names = [column[0] for column in cursor.description]
            return sorted(
                (
                    tuple(
                        sorted(
                            (name, _plain(value)) for name, value in zip(names, row, strict=True)
                        )
                    )
                    for row in cursor.fetchall()
                ),
                key=repr,
            )

    def drop(self):
        if self.vendor != "sqlite":
            with self._server_cursor() as cursor:
                cursor.execute("DROP DATABASE IF EXISTS %s" % self.name)


def _plain(value):
    """A value as both engines' drivers give it once decoded."""
    if isinstance(value, str) and value[:1] in ("{", "[", '"'):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, memoryview):
        return bytes(value)
    return value
