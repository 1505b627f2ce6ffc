"""``manage.py communicate_with_public_api`` (hourly from cron)."""

from modoboa.core import public_api
from modoboa.lib.cronlock import LockedJobCommand

JOB = "communicate_with_public_api"


class Command(LockedJobCommand):
    help = "Register this instance, fetch the published versions and send statistics"
    job_name = JOB

    def handle(self, *args, **options):
        try:
            super().handle(*args, **options)
        except public_api.PublicAPIError as exc:
            # The instance works without the public API: say it, exit 0.
            public_api.logger.warning("Public API not reachable: %s", exc)
            if options["verbosity"] > 0:
                self.stderr.write("Public API not reachable: %s" % exc)

    def run_job(self, *args, **options):
        return public_api.communicate()

    def job_done(self, done, **options):
        if options["verbosity"] > 1:
            self.stdout.write("Done: %s" % (", ".join(done) or "nothing (disabled)"))
