"""A non-blocking lock for jobs that cron may start twice at once."""

import fcntl
import hashlib
import os
import tempfile
from contextlib import contextmanager

from django.conf import settings


class AlreadyRunning(Exception):
    """Another copy of the job holds the lock."""


def lock_path(name):
    """One lock file per job and per database, in the temporary directory."""
    database = settings.DATABASES["default"]
    key = "%s|%s|%s|%s" % (
        name,
        database.get("ENGINE"),
        database.get("HOST", ""),
        database.get("NAME"),
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), "modoboa-%s-%s.lock" % (name, digest))


@contextmanager
def job_lock(name):
    """Hold the lock of job ``name`` for the block, or raise AlreadyRunning.

    The lock is released by the kernel when the process dies, so a job
    killed half-way never blocks the next run.
    """
    path = lock_path(name)
    handle = open(path, "a+")  # noqa: SIM115 - kept open while locked
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(name) from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()
