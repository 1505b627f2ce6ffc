"""``manage.py update_statistics``: count the accounts created per hour."""

from django.core.management.base import BaseCommand

from modoboa.lib.cronlock import AlreadyRunning, job_lock, skipped

from ... import services


class Command(BaseCommand):
    help = "Update the account creation statistics"

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild",
            action="store_true",
            default=False,
            help="Count every account again, not only the last two days' ones",
        )

    def handle(self, *args, **options):
        try:
            with job_lock("update_statistics"):
                hours = services.update_account_statistics(rebuild=options["rebuild"])
        except AlreadyRunning:
            if options["verbosity"] > 1:
                self.stderr.write(skipped("update_statistics"))
            return
        if options["verbosity"] > 1:
            self.stdout.write("%d hour(s) updated" % hours)
