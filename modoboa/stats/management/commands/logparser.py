"""``manage.py logparser``: record the new lines of the mail log (counters
and message log), then forget the message log rows older than the
retention parameter.
"""

from django.core.management.base import CommandError

from modoboa.lib.cronlock import LockedJobCommand

from ... import app_settings, logparser

JOB = "logparser"


class Command(LockedJobCommand):
    help = "Read the mail log and update the statistics and the message log"
    job_name = JOB

    def add_arguments(self, parser):
        parser.add_argument(
            "--logfile", default=None, help="The log file (default: the logfile parameter)"
        )
        parser.add_argument(
            "--verbose", action="store_true", default=False, help="Say what was read"
        )

    def handle(self, *args, **options):
        # The parameter is read before the lock is taken.
        options["logfile"] = options["logfile"] or app_settings.parameter("logfile")
        try:
            super().handle(*args, **options)
        except logparser.LogFileError as exc:
            raise CommandError(str(exc)) from None

    def run_job(self, *args, **options):
        report = logparser.parse_log(options["logfile"])
        logparser.purge(int(app_settings.parameter("message_log_retention")))
        return report

    def job_done(self, report, **options):
        if options["verbose"] or options["verbosity"] > 1:
            for note in report.notes:
                self.stdout.write(note)
            self.stdout.write(report.summary())
