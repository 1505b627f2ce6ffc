"""``manage.py modo run_import_jobs``: run the queued CSV imports."""

import time

from modoboa.lib.cronlock import LockedJobCommand

from ...services import import_jobs

JOB = "run_import_jobs"


class Command(LockedJobCommand):
    help = (
        "Run the CSV imports queued from the console or the API (files larger than "
        "MODOBOA_IMPORT_SYNC_LINES lines), one after the other"
    )
    job_name = JOB

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop",
            action="store_true",
            default=False,
            help="Keep running, looking for new jobs every few seconds",
        )
        parser.add_argument(
            "--interval", type=float, default=5.0, help="Seconds between looks with --loop"
        )

    def run_job(self, *args, **options):
        import_jobs.requeue_interrupted()
        while True:
            count = import_jobs.run_pending()
            if count:
                self.stdout.write("%d import job(s) run" % count)
            if not options["loop"]:
                return
            time.sleep(max(options["interval"], 0.1))
