"""``manage.py logparser``: record the new lines of the mail log (counters
and message log), then forget the message log rows older than the
retention parameter.
"""

from django.core.management.base import BaseCommand, CommandError

from modoboa.lib.cronlock import AlreadyRunning, job_lock, skipped

from ... import app_settings, logparser


class Command(BaseCommand):
    help = "Read the mail log and update the statistics and the message log"

    def add_arguments(self, parser):
        parser.add_argument(
            "--logfile", default=None, help="The log file (default: the logfile parameter)"
        )
        parser.add_argument(
            "--verbose", action="store_true", default=False, help="Say what was read"
        )

    def handle(self, *args, **options):
        path = options["logfile"] or app_settings.parameter("logfile")
        try:
            with job_lock("logparser"):
                report = logparser.parse_log(path)
                logparser.purge(int(app_settings.parameter("message_log_retention")))
        except AlreadyRunning:
            if options["verbosity"] > 1:
                self.stderr.write(skipped("logparser"))
            return
        except logparser.LogFileError as exc:
            raise CommandError(str(exc)) from None
        if options["verbose"] or options["verbosity"] > 1:
            for note in report.notes:
                self.stdout.write(note)
            self.stdout.write(report.summary())
