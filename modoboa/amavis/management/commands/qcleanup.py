"""``manage.py qcleanup``: daily clean-up of Amavis' quarantine tables."""

from modoboa.lib.cronlock import LockedJobCommand

from ...services import jobs

JOB = "qcleanup"


class Command(LockedJobCommand):
    help = "Remove deleted, expired and orphan rows from Amavis' quarantine"
    job_name = JOB

    def run_job(self, *args, **options):
        return jobs.cleanup()

    def job_done(self, counts, **options):
        if options["verbosity"] > 1:
            self.stdout.write(
                "%(deleted)d deleted and %(expired)d expired message(s), %(orphans)d orphan "
                "row(s) and %(addresses)d unused address(es) removed" % counts
            )
