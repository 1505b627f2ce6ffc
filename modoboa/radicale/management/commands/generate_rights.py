"""``manage.py generate_rights [--force]``: Radicale's rights file."""

from django.core.management.base import BaseCommand, CommandError

from modoboa.lib.cronlock import AlreadyRunning, job_lock, skipped
from modoboa.lib.exceptions import ModoboaException

from ... import rights


class Command(BaseCommand):
    help = "Write Radicale's rights file when a sharing rule changed (--force: always)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Write the file even if nothing changed"
        )

    def handle(self, *args, **options):
        try:
            with job_lock("generate_rights"):
                self._run(options)
        except AlreadyRunning:
            if options["verbosity"] > 1:
                self.stderr.write(skipped("generate_rights"))

    def _run(self, options):
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
