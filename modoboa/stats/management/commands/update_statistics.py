"""``manage.py update_statistics``: count the accounts created per hour."""

from modoboa.lib.cronlock import LockedJobCommand

from ... import services

JOB = "update_statistics"


class Command(LockedJobCommand):
    help = "Update the account creation statistics"
    job_name = JOB

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild",
            action="store_true",
            default=False,
            help="Count every account again, not only the last two days' ones",
        )

    def run_job(self, *args, **options):
        return services.update_account_statistics(rebuild=options["rebuild"])

    def job_done(self, hours, **options):
        if options["verbosity"] > 1:
            self.stdout.write("%d hour(s) updated" % hours)
