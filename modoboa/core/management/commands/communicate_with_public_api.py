"""``manage.py communicate_with_public_api`` (hourly from cron)."""

from django.core.management.base import BaseCommand

from modoboa.core import public_api
from modoboa.lib.cronlock import AlreadyRunning, job_lock, skipped


class Command(BaseCommand):
    help = "Register this instance, fetch the published versions and send statistics"

    def handle(self, *args, **options):
        try:
            with job_lock("communicate_with_public_api"):
                done = public_api.communicate()
        except AlreadyRunning:
            if options["verbosity"] > 1:
                self.stderr.write(skipped("communicate_with_public_api"))
            return
        except public_api.PublicAPIError as exc:
            # The instance works without the public API: say it, exit 0.
            public_api.logger.warning("Public API not reachable: %s", exc)
            if options["verbosity"] > 0:
                self.stderr.write("Public API not reachable: %s" % exc)
            return
        if options["verbosity"] > 1:
            self.stdout.write("Done: %s" % (", ".join(done) or "nothing (disabled)"))
