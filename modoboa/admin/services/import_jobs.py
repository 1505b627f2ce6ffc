"""CSV imports too large for one request: a job row, run by
``manage.py modo run_import_jobs`` (cron, every minute, or ``--loop``).

A file of at most ``MODOBOA_IMPORT_SYNC_LINES`` lines (default 1,000) is
imported in the request; a larger one is checked for its shape at once (a
malformed line is refused before any job exists) and queued. The worker
claims a job with a conditional UPDATE (two workers never run the same
job; no thread, any engine), imports it as the account that submitted it
(whose rights are checked again then) and records the result with the
errors line by line. The import runs in one transaction: its progress
(lines processed) is written to a small file beside the others'
(``MODOBOA_IMPORT_JOBS_DIR``, default ``import-jobs`` in the instance), which the
console and the API read while the job runs; the web server and the worker
must therefore share that directory.
"""

import json
import logging
import os
import tempfile
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from modoboa.core import audit
from modoboa.lib.exceptions import ModoboaException, NotFound

from .. import csv_import
from ..models import ImportJob

logger = logging.getLogger("modoboa.admin")

#: Write the progress file at most this often (seconds).
PROGRESS_INTERVAL = 0.5


def sync_limit():
    return getattr(settings, "MODOBOA_IMPORT_SYNC_LINES", 1000)


def _directory():
    """Where the progress files are: ``MODOBOA_IMPORT_JOBS_DIR``, else the
    instance's own ``import-jobs`` directory (never a shared temporary
    directory, where two instances would read each other's job numbers and
    systemd's private /tmp would hide the worker's files from the web
    server).
    """
    configured = getattr(settings, "MODOBOA_IMPORT_JOBS_DIR", None)
    if configured:
        return configured
    base = getattr(settings, "BASE_DIR", None)
    if base is None:
        return tempfile.gettempdir()
    return os.path.join(str(base), "import-jobs")


def _progress_path(job_id):
    return os.path.join(_directory(), "modoboa-import-job-%d.json" % int(job_id))


def _write_progress(job_id, done, total):
    # Only the worker writes: a page reading the progress never creates
    # (nor fails on) the directory.
    os.makedirs(_directory(), mode=0o750, exist_ok=True)
    path = _progress_path(job_id)
    temporary = "%s.%d" % (path, os.getpid())
    with open(temporary, "w") as handle:
        json.dump({"done": done, "total": total}, handle)
    os.replace(temporary, path)


def progress(job):
    """``(done, total)`` of ``job``: from the worker's file while it runs."""
    if job.status == ImportJob.RUNNING:
        try:
            with open(_progress_path(job.pk)) as handle:
                data = json.load(handle)
            return int(data["done"]), int(data["total"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return job.done, job.total


def count_rows(text, sepchar):
    """The number of rows of ``text``; raise CSVFormatError when malformed."""
    return len(csv_import.parse(text, sepchar=sepchar))


def submit(*, acting_user, kind, text, filename, options):
    """Queue the import of ``text`` as ``acting_user``; return the job."""
    total = count_rows(text, options.get("sepchar", ";"))
    job = ImportJob.objects.create(
        user=acting_user,
        kind=kind,
        filename=(filename or "")[:255],
        content=text,
        options=options,
        total=total,
    )
    audit.log_message(
        "Import job %d (%s, %d lines) submitted by %s",
        job.pk,
        job.filename or kind,
        total,
        acting_user.username,
    )
    return job


def visible_jobs(user):
    """The jobs ``user`` may see: its own; a superuser's, everyone's."""
    jobs = ImportJob.objects.select_related("user")
    return jobs if user.is_superuser else jobs.filter(user=user)


def get_job(user, pk):
    job = visible_jobs(user).filter(pk=pk).first()
    if job is None:
        raise NotFound(_("Import job not found"))
    return job


def _claim():
    """Take the oldest waiting job (None when there is none)."""
    for pk in (
        ImportJob.objects.filter(status=ImportJob.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[:5]
    ):
        claimed = ImportJob.objects.filter(pk=pk, status=ImportJob.PENDING).update(
            status=ImportJob.RUNNING, started_at=timezone.now()
        )
        if claimed:
            return ImportJob.objects.select_related("user").get(pk=pk)
    return None


def run_job(job):
    """Import ``job`` (claimed, status running) and record its result."""
    last = [0.0]

    def on_progress(done, total):
        now = time.monotonic()
        if now - last[0] >= PROGRESS_INTERVAL or done == total:
            last[0] = now
            try:
                _write_progress(job.pk, done, total)
            except OSError as exc:
                # The progress shown is a courtesy: the import goes on.
                logger.warning("Cannot write the progress of import job %s: %s", job.pk, exc)

    options = dict(job.options)
    try:
        if not job.user.is_active:
            raise ModoboaException(_("The account that submitted this import is disabled"))
        result = csv_import.import_csv(
            job.content,
            acting_user=job.user,
            sepchar=options.get("sepchar", ";"),
            continue_if_exists=bool(options.get("continue_if_exists")),
            crypt_passwords=bool(options.get("crypt_passwords")),
            progress=on_progress,
            filename=job.filename,
        )
    except ModoboaException as exc:
        job.status = ImportJob.FAILED
        job.message = str(exc.message)
    except Exception as exc:  # noqa: BLE001 - recorded, the worker goes on
        logger.exception("Import job %d failed", job.pk)
        job.status = ImportJob.FAILED
        job.message = _("The import failed: %s") % exc
    else:
        job.status = ImportJob.DONE
        job.created, job.skipped, job.failed = result.created, result.skipped, result.failed
        job.rolled_back = result.rolled_back
        job.done = result.total
        job.errors = [
            {"line": e.line, "field": e.field, "message": str(e.message)} for e in result.errors
        ]
        job.message = result.summary()
    job.finished_at = timezone.now()
    job.content = ""
    job.save()
    try:
        os.unlink(_progress_path(job.pk))
    except OSError:
        pass
    audit.log_message("Import job %d: %s", job.pk, job.message)
    return job


def run_now(job):
    """Run ``job`` in the caller (a small file): claimed like the worker
    would, so it never runs twice.
    """
    if not ImportJob.objects.filter(pk=job.pk, status=ImportJob.PENDING).update(
        status=ImportJob.RUNNING, started_at=timezone.now()
    ):
        return ImportJob.objects.get(pk=job.pk)
    job.refresh_from_db()
    return run_job(job)


def requeue_interrupted():
    """Put back in the queue the jobs a killed worker left running (their
    transaction was rolled back): called by the worker holding the lock,
    so no other worker runs them. A job run inside a request is never seen
    running by another connection (the request's transaction).
    """
    count = ImportJob.objects.filter(status=ImportJob.RUNNING).update(
        status=ImportJob.PENDING, started_at=None
    )
    if count:
        audit.log_message("%d interrupted import job(s) queued again", count)
    return count


def run_pending(limit=None):
    """Run waiting jobs one after the other; return how many ran."""
    count = 0
    while limit is None or count < limit:
        with transaction.atomic():
            job = _claim()
        if job is None:
            break
        run_job(job)
        count += 1
    return count
