"""Run the pending IMAP migration jobs.

From cron: ``run_imap_migrations --once`` runs what is pending and exits;
without ``--once`` it stays and looks for new jobs every ``--interval``
seconds (a long-running worker, e.g. a systemd service).
"""

from django.core.management.base import CommandError

from modoboa.lib.cronlock import LockedJobCommand

from ... import runner

JOB = "run_imap_migrations"


class Command(LockedJobCommand):
    help = "Copy the mailboxes of the pending IMAP migration jobs"
    # The lock is taken with --once (cron's mode); the worker mode runs
    # without it.
    job_name = JOB

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run the pending jobs, then exit")
        parser.add_argument(
            "--jobs",
            type=int,
            default=None,
            help="How many jobs at the same time (default: the max_sync_accounts parameter)",
        )
        parser.add_argument(
            "--interval",
            type=int,
            default=30,
            help="Seconds between two looks for new jobs (worker mode)",
        )

    def handle(self, *args, **options):
        jobs = options["jobs"]
        if jobs is not None and not 1 <= jobs <= 32:
            raise CommandError("--jobs: between 1 and 32")
        if options["interval"] < 1:
            raise CommandError("--interval: at least 1 second")
        if options["once"]:
            # A job is claimed by one UPDATE only one process wins; the lock
            # also keeps two nodes' crons from splitting the parallelism
            # limit between them.
            super().handle(*args, **options)
            return
        runner.work_forever(jobs, options["interval"], log=self.log(options))

    def log(self, options):
        return self.stdout.write if options["verbosity"] > 1 else (lambda message: None)

    def run_job(self, *args, **options):
        return runner.run_pending(options["jobs"], log=self.log(options))

    def job_done(self, outcome, **options):
        if options["verbosity"]:
            summary = ", ".join("%s: %d" % item for item in sorted(outcome.items()))
            self.stdout.write("Jobs run: %s" % (summary or "none"))
