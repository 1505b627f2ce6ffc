"""The steps of ``modo takeover``, each one transaction recorded by a row
of ``django_migrations`` (application ``modoboa-takeover``): a step done is
skipped, a step interrupted is rolled back and runs again.
"""

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from modoboa.core.takeover import detect

from . import report

KEEP_DELIVERY = "keep-delivery"
AS_CONFIGURED = "as-configured"


def done(name):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM django_migrations WHERE app = %s AND name = %s",
            [detect.MARKER_APP, "step-" + name],
        )
        return cursor.fetchone()[0] > 0


def _record(name):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, %s)",
            [detect.MARKER_APP, "step-" + name, timezone.now()],
        )


def schema(log, choices):
    """Run ``migrate``: history, migrations, schema alignment."""
    if detect.inspect(connection).kind in (detect.MODOBOA_110, detect.PENDING):
        call_command("migrate", interactive=False, verbosity=1, stdout=_Writer(log))


def forwards(log, choices):
    """Forwards that 1.10 delivered locally anyway: keep that delivery
    (``keep-delivery``) or apply them as configured (``as-configured``).
    """
    from modoboa.admin.models import Mailbox
    from modoboa.admin.services import aliases

    with connection.cursor() as cursor:
        addresses = report.forwards_without_local_copy(cursor, connection)
    for address in addresses:
        local_part, domain = address.split("@", 1)
        mailbox = Mailbox.objects.get(address=local_part, domain__name=domain)
        if choices["forwards"] == KEEP_DELIVERY:
            recipients, _keep = aliases.get_forward(mailbox)
            aliases.set_forward(mailbox, recipients, keep_local_copies=True, acting_user=None)
            log("Forward of %s: local copies kept, as 1.10 delivered them" % address)
        else:
            aliases.sync_self_alias(address)
            log("Forward of %s: applied as configured (no local copy)" % address)


def repair(log, choices):
    """``modo repair``: objects without owner, missing quota rows..."""
    from modoboa.admin import repair as repairs

    for outcome in repairs.run(dry_run=False):
        for occurrence in outcome.occurrences:
            log("Repaired: %s" % outcome.problem.describe(occurrence))


STEPS = [("schema", schema), ("forwards", forwards), ("repair", repair)]


def run(choices, log, only=None):
    """Run the steps not done yet, each in one transaction."""
    for name, step in STEPS:
        if only and name not in only:
            continue
        if name != "schema" and done(name):
            log("Step %s: already done" % name)
            continue
        log("Step %s" % name)
        if name == "schema":
            step(log, choices)
            continue
        with transaction.atomic():
            step(log, choices)
            _record(name)


class _Writer:
    """A stream for ``call_command`` that logs whole lines."""

    def __init__(self, log):
        self.log = log
        self.pending = ""

    def write(self, text):
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            if line.strip():
                self.log(line)

    def flush(self):
        pass
