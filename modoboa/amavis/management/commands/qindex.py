"""``manage.py qindex``: keep the quarantine's search index (MariaDB, MySQL)."""

from django.core.management.base import CommandError
from django.db import connections

from modoboa.lib.cronlock import LockedJobCommand

from ... import search_index
from ...dbrouter import amavis_alias

JOB = "qindex"


class Command(LockedJobCommand):
    help = (
        "Add the quarantined messages older than an hour to the search index of "
        "the subjects and senders (MariaDB and MySQL; nothing to do elsewhere)"
    )
    job_name = JOB

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="Drop the index and build it again"
        )

    def run_job(self, *args, **options):
        connection = connections[amavis_alias()]
        if not search_index.supported(connection):
            if options["verbosity"] > 1:
                self.stdout.write(
                    "Amavis' database is %s: its own indexes answer searches, "
                    "there is nothing to do" % connection.display_name
                )
            return None
        progress = None
        if options["verbosity"] > 0:

            def progress(count, until):
                self.stdout.write("%d message(s) indexed (up to %d)" % (count, until))

        try:
            if options["rebuild"]:
                return search_index.rebuild(progress=progress)
            return search_index.Indexer(progress=progress).run()
        except Exception as exc:  # noqa: BLE001 - one clear line for cron
            raise CommandError("qindex failed: %s" % exc) from exc

    def job_done(self, added, **options):
        if added is not None and options["verbosity"] > 0:
            self.stdout.write("%d message(s) added to the search index" % added)
