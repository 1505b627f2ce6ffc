"""Running the jobs: claiming pending migrations up to the parallelism
limit, copying each, and ending it (the old password erased whatever the
outcome). Safe to run from cron and as a long-running worker at the same
time: a job is claimed by one UPDATE that only one process wins.
"""

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.translation import gettext as _
from imapclient.exceptions import IMAPClientError

from modoboa.lib.exceptions import BadRequest
from modoboa.parameters import tools as param_tools

from . import imap, services
from .models import CANCELLED, DONE, FAILED, PENDING, RUNNING, Migration
from .sync import Cancelled, Copier

logger = logging.getLogger("modoboa.imap_migration")

# A running job whose worker gave no sign of life for this long was left
# by a process that died: it goes back to the queue.
STALE = timedelta(minutes=15)
DEFAULT_WRITERS = 4


def writers():
    """Connections to the new server per job (``MODOBOA_IMAP_MIGRATION_WRITERS``,
    4 by default): the new server syncs each message to disk, and several
    writers overlap those waits.
    """
    value = getattr(settings, "MODOBOA_IMAP_MIGRATION_WRITERS", DEFAULT_WRITERS)
    try:
        return min(16, max(1, int(value)))
    except (TypeError, ValueError):
        return DEFAULT_WRITERS


def parallelism():
    value = param_tools.get_global_parameter("max_sync_accounts", app=services.APP)
    return max(1, int(value or 1))


def requeue_stale():
    limit = timezone.now() - STALE
    return Migration.objects.filter(status=RUNNING, heartbeat__lt=limit).update(
        status=PENDING, heartbeat=None
    )


def claim(slots):
    """Mark up to ``slots`` pending jobs as running; return their ids."""
    requeue_stale()
    running = Migration.objects.filter(status=RUNNING).count()
    free = max(0, slots - running)
    claimed = []
    if not free:
        return claimed
    candidates = Migration.objects.filter(status=PENDING, provider__isnull=False).order_by("pk")
    for pk in candidates.values_list("pk", flat=True)[: free * 2]:
        now = timezone.now()
        won = Migration.objects.filter(pk=pk, status=PENDING).update(
            status=RUNNING,
            started=now,
            heartbeat=now,
            finished=None,
            last_error="",
            folders_total=0,
            folders_done=0,
            folders_failed=0,
            messages_total=0,
            messages_done=0,
            messages_copied=0,
        )
        if won:
            claimed.append(pk)
        if len(claimed) >= free:
            break
    return claimed


def _end(migration_id, status, error=""):
    changes = {"status": status, "finished": timezone.now(), "_password": "", "heartbeat": None}
    if error:
        changes["last_error"] = error[-4000:]
    Migration.objects.filter(pk=migration_id).update(**changes)


def run_job(migration_id, on_batch=None):
    """Copy the mailbox of the (claimed) job ``migration_id``; return its
    final status. Never raises: the outcome is on the job.
    """
    old = new = None
    try:
        migration = Migration.objects.select_related("provider", "mailbox__domain").get(
            pk=migration_id
        )
        if migration.cancel_requested:
            _end(migration_id, CANCELLED)
            return CANCELLED
        password = services.old_password(migration)
        old = imap.open_old(migration.provider, migration.username, password)
        del password
        new = imap.open_new(migration.mailbox)
        create = param_tools.get_global_parameter("create_folders", app=services.APP)
        copier = Copier(
            migration,
            old,
            new,
            create_folders=bool(create),
            on_batch=on_batch,
            open_writer=lambda: imap.open_new(migration.mailbox),
            writers=writers(),
        )
        errors = copier.run()
    except Cancelled:
        _end(migration_id, CANCELLED)
        logger.info("IMAP migration %s cancelled", migration_id)
        return CANCELLED
    except (BadRequest, imap.ImapError) as exc:
        _end(migration_id, FAILED, exc.message)
        logger.warning("IMAP migration %s failed: %s", migration_id, exc.message)
        return FAILED
    except (OSError, IMAPClientError) as exc:
        message = _("The connection was lost: %s") % exc
        _end(migration_id, FAILED, message)
        logger.warning("IMAP migration %s failed: %s", migration_id, message)
        return FAILED
    except Exception:
        _end(migration_id, FAILED, _("Internal error; see the logs"))
        logger.exception("IMAP migration %s failed", migration_id)
        return FAILED
    finally:
        imap.close(old)
        imap.close(new)
    if errors:
        _end(
            migration_id,
            DONE,
            _("%(n)d folder(s) failed:\n%(e)s") % {"n": len(errors), "e": "\n".join(errors)},
        )
    else:
        _end(migration_id, DONE)
    logger.info("IMAP migration %s done", migration_id)
    return DONE


def _run_in_thread(migration_id, on_batch):
    try:
        return run_job(migration_id, on_batch)
    finally:
        connection.close()


def run_pending(limit=None, on_batch=None, log=lambda message: None):
    """Run every pending job, ``limit`` at a time (the parameter by
    default), until none is left; return ``{status: count}``.
    """
    limit = limit or parallelism()
    outcome = {}
    converted, errors = services.convert_110_passwords()
    if converted:
        log("%d password(s) stored by Modoboa 1.10 re-encrypted" % converted)
    for error in errors:
        logger.warning("%s", error)
        log(error)
    if limit == 1:
        while True:
            claimed = claim(1)
            if not claimed:
                return outcome
            status = run_job(claimed[0], on_batch)
            log("job %d: %s" % (claimed[0], status))
            outcome[status] = outcome.get(status, 0) + 1
    with ThreadPoolExecutor(max_workers=limit) as pool:
        futures = {}
        while True:
            for pk in claim(limit):
                futures[pk] = pool.submit(_run_in_thread, pk, on_batch)
            if not futures:
                return outcome
            time.sleep(0.2)
            for pk, future in list(futures.items()):
                if future.done():
                    status = future.result()
                    log("job %d: %s" % (pk, status))
                    outcome[status] = outcome.get(status, 0) + 1
                    del futures[pk]


def work_forever(limit=None, interval=30, log=lambda message: None):
    """The long-running worker: run what is pending, wait, again."""
    while True:
        close_old_connections()
        run_pending(limit, log=log)
        close_old_connections()
        time.sleep(interval)
