"""``manage.py handle_mailbox_operations``: rename and remove mail homes.

Meant to run every minute, as root or as the mailboxes owner (see the
Dovecot page of the documentation).
"""

from django.core.management.base import CommandError
from django.db import DatabaseError

from modoboa.admin import mailbox_operations_runner as runner
from modoboa.lib.cronlock import LockedJobCommand
from modoboa.lib.management import sentence

JOB = "handle_mailbox_operations"
NOTHING = " No operation was carried out."


class Command(LockedJobCommand):
    help = "Carry out the queued renames and removals of mailboxes on the file system."

    def add_arguments(self, parser):
        parser.add_argument(
            "--pidfile",
            default=runner.DEFAULT_PIDFILE,
            help="Lock file preventing two runs at once (default: %s)" % runner.DEFAULT_PIDFILE,
        )

    # The lock in the database: two nodes sharing the database and the
    # mail store never work on the same queue at once (the pid file only
    # covers this machine). The lock records the run.
    job_name = JOB

    def run_job(self, *args, **options):
        def progress(message):
            if options["verbosity"] >= 2:
                self.stdout.write(message)

        try:
            outcome = runner.handle_operations(pidfile=options["pidfile"], progress=progress)
        except runner.Busy as exc:
            if options["verbosity"] >= 2:
                self.stdout.write("%s; nothing done." % exc)
            return
        except runner.OperationsError as exc:
            raise CommandError(sentence(exc) + NOTHING) from None
        except DatabaseError as exc:
            message = sentence("Cannot reach the database: %s" % exc)
            raise CommandError(message + NOTHING) from None
        if outcome is None:
            if options["verbosity"] >= 2:
                self.stdout.write("handle_mailboxes is off: nothing to do.")
            return
        for description, reason in outcome.failed:
            self.stderr.write("%s failed: %s" % (description, reason))
        if outcome.failed:
            raise CommandError(
                "%d operation(s) failed and will be retried (see the admin log)"
                % len(outcome.failed)
            )
