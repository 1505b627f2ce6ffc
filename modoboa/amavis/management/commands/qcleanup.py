"""``manage.py qcleanup``: daily clean-up of Amavis' quarantine tables."""

from django.core.management.base import BaseCommand

from modoboa.lib.cronlock import AlreadyRunning, job_lock, skipped

from ...services import jobs


class Command(BaseCommand):
    help = "Remove deleted, expired and orphan rows from Amavis' quarantine"

    def handle(self, *args, **options):
        try:
            with job_lock("qcleanup"):
                counts = jobs.cleanup()
        except AlreadyRunning:
            if options["verbosity"] > 1:
                self.stderr.write(skipped("qcleanup"))
            return
        if options["verbosity"] > 1:
            self.stdout.write(
                "%(deleted)d deleted and %(expired)d expired message(s), %(orphans)d orphan "
                "row(s) and %(addresses)d unused address(es) removed" % counts
            )
