"""``manage.py generate_rights [--force]``: Radicale's rights file, and the
moves and removals of collections left to do (the server failed, or the
request that recorded them ran out of time), within the retry budget.
"""

from django.core.management.base import CommandError

from modoboa.lib.cronlock import LockedJobCommand
from modoboa.lib.exceptions import ModoboaException

from ... import rights, services

JOB = "generate_rights"


class Command(LockedJobCommand):
    help = "Write Radicale's rights file when a sharing rule changed (--force: always)."
    job_name = JOB

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Write the file even if nothing changed"
        )

    def run_job(self, *args, **options):
        self._retry_pending(options["verbosity"])
        path = rights.rights_file_path()
        if not options["force"] and not rights.is_outdated(path):
            if options["verbosity"] > 1:
                self.stdout.write("%s is up to date" % path)
            return
        try:
            rights.write_rights_file(path)
        except ModoboaException as exc:
            raise CommandError(str(exc)) from None
        if options["verbosity"] > 0:
            self.stdout.write("%s written" % path)

    def _retry_pending(self, verbosity):
        from modoboa.parameters import tools as param_tools

        from ...client import APP

        if not param_tools.get_global_parameter("server_location", app=APP):
            return
        done, left = services.retry_pending()
        if verbosity > 0 and (done or left):
            # A server still down is logged, not an exit status: cron
            # would mail it every two minutes.
            self.stdout.write("Radicale: %d pending operation(s) done, %d left" % (done, left))
