"""Run a request again when the database chose its transaction as the
victim of a deadlock.

Under concurrent writes InnoDB (and, more rarely, PostgreSQL) breaks a
deadlock by rolling one transaction back. The request did nothing (its
transaction is gone whole), so running it again is safe, and is what the
database asks ("try restarting transaction").
"""

import contextlib
import functools
import io
import logging
import time

from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError, connections, transaction

logger = logging.getLogger("modoboa.database")

ATTEMPTS = 3
MYSQL_DEADLOCK = 1213
POSTGRES_DEADLOCK = "40P01"


def is_deadlock(exc):
    if exc.args and exc.args[0] == MYSQL_DEADLOCK:
        return True
    return getattr(exc.__cause__, "pgcode", None) == POSTGRES_DEADLOCK


def _rewind(request, body):
    request._stream = io.BytesIO(body)
    request._read_started = False
    for name in ("_post", "_files", "data"):
        request.__dict__.pop(name, None)


def retry_on_deadlock(view):
    """Wrap ``view`` (a view function that ATOMIC_REQUESTS would run in one
    transaction per database) so that it runs in those same transactions,
    again up to ``ATTEMPTS`` times when one is a deadlock's victim.
    """
    aliases = [
        alias for alias in connections.settings if connections.settings[alias]["ATOMIC_REQUESTS"]
    ]

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            body = request.body  # kept for a second reading
        except RequestDataTooBig:
            body = None  # read as a stream by the view: no second reading
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with contextlib.ExitStack() as stack:
                    for alias in aliases:
                        stack.enter_context(transaction.atomic(using=alias))
                    return view(request, *args, **kwargs)
            except OperationalError as exc:
                if attempt == ATTEMPTS or body is None or not is_deadlock(exc):
                    raise
                logger.warning(
                    "%s %s: deadlock, run again (%d/%d)",
                    request.method,
                    request.path,
                    attempt + 1,
                    ATTEMPTS,
                )
                time.sleep(0.05 * attempt)
                _rewind(request, body)
        raise AssertionError("unreachable")  # pragma: no cover

    # The transactions are this wrapper's: Django must not open others.
    wrapped._non_atomic_requests = set(aliases)
    return wrapped
