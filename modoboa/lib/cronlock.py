"""A non-blocking lock for jobs that cron may start twice at once, on one
machine or on several machines sharing the database.

The lock lives where every node sees it: in the database server.

- PostgreSQL: a session advisory lock (``pg_try_advisory_lock``), per
  database;
- MySQL/MariaDB: a named lock (``GET_LOCK``), named after the database and
  the job (the names are server-wide);
- SQLite: every process using the database works on the same file, so the
  lock is a ``flock`` on a file beside it (``<db>.<job>.lock``).

Each lock is held by a connection of its own, opened for the job: the job's
transactions, or its closing of its own connection, never release it. The
database server (or the kernel, for SQLite) releases it when the process
dies, so a job killed half-way never blocks the next run.
"""

import fcntl
import hashlib
import os
import tempfile
from contextlib import ExitStack, contextmanager

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections


class AlreadyRunning(Exception):
    """Another copy of the job holds the lock."""


def skipped(name):
    """The line a job prints (with ``-v 2``) when another copy, on this node
    or another one, holds its lock. Quiet by default: on two nodes the
    identical crontabs collide on every run, and cron would mail the line.
    """
    return "%s: another run holds its lock (on this node or another one); nothing done." % name


# Context-manager factories called with the job's name once its lock is
# held, around the job: the core records each run there (see
# ``modoboa.core.jobs``) without this module knowing about it.
run_observers = []


def _key(name, database):
    return "modoboa|%s|%s" % (database.get("NAME"), name)


def lock_path(name, database=None):
    """The SQLite lock file of job ``name``: beside the database file (the
    temporary directory for a database in memory).
    """
    database = database or connections["default"].settings_dict
    path = str(database.get("NAME") or "")
    if not path or path == ":memory:" or path.startswith("file:"):
        digest = hashlib.sha256(_key(name, database).encode()).hexdigest()[:16]
        return os.path.join(tempfile.gettempdir(), "modoboa-%s-%s.lock" % (name, digest))
    return "%s.%s.lock" % (path, name)


def _first_line(exc):
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _open(using):
    """A new connection to ``using``, outside Django's pool."""
    current = connections[using]
    wrapper = type(current)(dict(current.settings_dict), alias=using)
    try:
        wrapper.ensure_connection()
    except DatabaseError as exc:
        wrapper.close()
        # A plain CommandError: the job exits with status 1 and prints
        # "CommandError: <this line>".
        raise CommandError(
            "Cannot reach the database %s: %s. Nothing done."
            % (current.settings_dict.get("NAME"), _first_line(exc))
        ) from None
    return wrapper


@contextmanager
def _server_lock(name, using):
    wrapper = _open(using)
    try:
        key = _key(name, wrapper.settings_dict)
        with wrapper.cursor() as cursor:
            if wrapper.vendor == "postgresql":
                number = int.from_bytes(
                    hashlib.sha256(key.encode()).digest()[:8], "big", signed=True
                )
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [number])
                acquired = bool(cursor.fetchone()[0])
                release = ("SELECT pg_advisory_unlock(%s)", [number])
            else:
                # GET_LOCK names are at most 64 characters.
                lock_name = "modoboa-%s" % hashlib.sha256(key.encode()).hexdigest()[:48]
                cursor.execute("SELECT GET_LOCK(%s, 0)", [lock_name])
                acquired = cursor.fetchone()[0] == 1
                release = ("SELECT RELEASE_LOCK(%s)", [lock_name])
        if not acquired:
            raise AlreadyRunning(name)
        try:
            yield
        finally:
            try:
                with wrapper.cursor() as cursor:
                    cursor.execute(*release)
            except DatabaseError:
                pass  # the connection is gone, and the lock with it
    finally:
        wrapper.close()


@contextmanager
def _file_lock(name, using):
    # The same check as the other engines: a job never starts on a
    # database it cannot open.
    _open(using).close()
    path = lock_path(name, connections[using].settings_dict)
    try:
        # Read-only is enough for flock: a lock file made by root (a job run
        # by hand) stays usable by the user cron runs the job as.
        fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise CommandError(
            "Cannot open the lock file %s: %s. Nothing done." % (path, exc.strerror)
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(name) from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def job_lock(name, using="default"):
    """Hold the lock of job ``name`` for the block, or raise AlreadyRunning
    (another copy, on this machine or another one, holds it) or
    CommandError when the database does not answer (the job exits non-zero
    with one clear line, before doing anything).
    """
    vendor = connections[using].vendor
    lock = _server_lock if vendor in ("postgresql", "mysql") else _file_lock
    with lock(name, using), ExitStack() as observers:
        for observer in run_observers:
            observers.enter_context(observer(name))
        yield


class LockedJobCommand(BaseCommand):
    """A management command that cron runs (see docs/cron.rst): its work,
    ``run_job``, runs under the lock ``job_name``.

    While another copy, on this node or another one, holds the lock, the
    command does nothing, prints ``skipped(job_name)`` on stderr with
    ``-v 2`` only, and exits 0. Otherwise ``job_done`` gets what
    ``run_job`` returned, once the lock is released: the report, and the
    errors that must not mark the recorded run as failed.

    A command with a mode cron does not run (a worker loop, a pipe), or
    with checks to make before the lock, overrides ``handle`` and calls
    ``super().handle`` for the locked run.
    """

    job_name = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.job_name:
            raise TypeError("%s: a locked job needs a job_name" % cls.__qualname__)

    def handle(self, *args, **options):
        try:
            with job_lock(self.job_name):
                result = self.run_job(*args, **options)
        except AlreadyRunning:
            if options["verbosity"] > 1:
                self.stderr.write(skipped(self.job_name))
            return
        self.job_done(result, **options)

    def run_job(self, *args, **options):
        """The job's work, under its lock; what it returns goes to
        ``job_done``.
        """
        raise NotImplementedError

    def job_done(self, result, **options):
        """After the lock is released: nothing by default."""
