"""``manage.py cleanlogs``: delete admin log lines older than
``log_maximum_age`` days (nightly from cron).
"""

from datetime import timedelta

from django.utils import timezone

from modoboa.core.models import Log
from modoboa.lib.cronlock import LockedJobCommand
from modoboa.parameters import tools as param_tools


def clean_logs(max_age_days=None):
    """Delete the ``core_log`` rows older than ``max_age_days``; return
    how many went.
    """
    if max_age_days is None:
        max_age_days = param_tools.get_global_parameter("log_maximum_age", app="core")
    limit = timezone.now() - timedelta(days=int(max_age_days))
    deleted, _detail = Log.objects.filter(date_created__lt=limit).delete()
    return deleted


JOB = "cleanlogs"


class Command(LockedJobCommand):
    help = "Delete the log lines older than the 'log_maximum_age' parameter"
    # A plain DELETE: two copies at once would delete the same rows,
    # harmlessly; the lock checks that the database answers.
    job_name = JOB

    def add_arguments(self, parser):
        parser.add_argument("--debug", action="store_true", default=False, help="Print details")
        parser.add_argument(
            "--verbose", action="store_true", default=False, help="Print what was deleted"
        )

    def run_job(self, *args, **options):
        return clean_logs()

    def job_done(self, deleted, **options):
        if options["verbose"] or options["debug"] or options["verbosity"] > 1:
            self.stdout.write("%d log line(s) deleted" % deleted)
