"""``modo repair``: moves and removals of collections not done yet (the
Radicale server failed, or the request's time budget was over); fixing
them runs them now (``generate_rights`` does it too).
"""

from django.db import transaction

from modoboa.admin.repair import KnownProblem, register

from . import services
from .models import PendingOperation


@register
class PendingRadicaleOperations(KnownProblem):
    name = "pending_radicale_operations"
    description = (
        "Radicale collections not moved or removed yet (the server failed or was slow); their old "
        "address or domain name is refused until done: check the server, then retry"
    )

    def find(self):
        return list(PendingOperation.objects.order_by("pk"))

    def fix(self, occurrences):
        # After repair's transaction: a run holds no transaction open while
        # it waits for the server (on SQLite, that would hold the write lock).
        transaction.on_commit(services.retry_pending)

    def describe(self, occurrence):
        return "%s: %d attempt(s) since %s, last error: %s" % (
            occurrence,
            occurrence.attempts,
            occurrence.created.isoformat(timespec="seconds"),
            occurrence.last_error,
        )
