"""The scheduled jobs of docs/cron.rst: how often each should run, and a
record of each one's last run for the dashboard.

A job is recorded by its lock (``modoboa.lib.cronlock.job_lock``, which
every job of docs/cron.rst but Django's ``clearsessions`` takes), through
``recorded(name)``. Recording never makes a job fail: a database that
refuses the row (read-only, full) leaves the job to fail or succeed on its
own.
"""

import logging
from contextlib import contextmanager
from datetime import timedelta

from django.db import DatabaseError, transaction
from django.utils import timezone

logger = logging.getLogger("modoboa.jobs")

# name -> how often docs/cron.rst runs it
SCHEDULE = {}

# A job is late when it has not started for this many periods.
LATE_AFTER_PERIODS = 2


def register_job(name, every):
    """Declare job ``name``, run every ``every`` (a timedelta) by cron."""
    SCHEDULE[name] = every


def register_core_jobs():
    for name, every in (
        ("handle_mailbox_operations", timedelta(minutes=1)),
        ("manage_dkim_keys", timedelta(minutes=1)),
        ("cleanlogs", timedelta(days=1)),
        ("clean_inactive_accounts", timedelta(days=1)),
        ("check_mx", timedelta(minutes=30)),
        ("run_import_jobs", timedelta(minutes=1)),
        ("communicate_with_public_api", timedelta(hours=1)),
    ):
        register_job(name, every)


def _first_line(exc):
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line[:255]


def _save(name, **values):
    from .models import JobRun

    try:
        with transaction.atomic():
            JobRun.objects.update_or_create(name=name, defaults=values)
    except DatabaseError as exc:
        logger.warning("Cannot record the run of %s: %s", name, _first_line(exc))


@contextmanager
def recorded(name):
    """Record the run of job ``name`` around the block: running, then
    succeeded or failed with the error's first line.
    """
    from .models import JobRun

    _save(name, started_at=timezone.now(), finished_at=None, status=JobRun.RUNNING, message="")
    try:
        yield
    except BaseException as exc:
        _save(
            name,
            finished_at=timezone.now(),
            status=JobRun.FAILED,
            message=_first_line(exc),
        )
        raise
    now = timezone.now()
    _save(name, finished_at=now, status=JobRun.SUCCEEDED, last_success_at=now)


def overview(now=None):
    """Every known job (scheduled or recorded) with its last run, sorted
    by name: dicts with ``name``, ``run`` (the JobRun or None), ``every``
    and ``late`` (True when cron seems to have stopped running it).
    """
    from .models import JobRun

    now = now or timezone.now()
    runs = {run.name: run for run in JobRun.objects.all()}
    rows = []
    for name in sorted(set(SCHEDULE) | set(runs)):
        run, every = runs.get(name), SCHEDULE.get(name)
        late = False
        if every is not None:
            last = run.started_at if run else None
            late = last is None or now - last > every * LATE_AFTER_PERIODS
        rows.append({"name": name, "run": run, "every": every, "late": late})
    return rows
