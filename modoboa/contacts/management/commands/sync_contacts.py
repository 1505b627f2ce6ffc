"""Read again from Radicale the address books the panel keeps, so that the
recipient completion knows the contacts a phone added (cron job).
"""

from django.core.management.base import CommandError

from modoboa.contacts import carddav, services
from modoboa.contacts.models import AddressBook
from modoboa.lib.cronlock import LockedJobCommand

JOB = "sync_contacts"


class Command(LockedJobCommand):
    help = "Synchronise the address books with the Radicale server."
    job_name = JOB

    def run_job(self, *args, **options):
        return self.sync_all(options["verbosity"])

    def job_done(self, failures, **options):
        # After the lock: a book the server refused does not mark the run
        # failed (the others were read).
        if failures:
            raise CommandError("%d address books could not be synchronised" % failures)

    def sync_all(self, verbosity):
        failures = 0
        books = AddressBook.objects.select_related("user").order_by("pk")
        for book in books.iterator():
            if not book.user.is_active or book.user.mailbox_or_none is None:
                continue
            try:
                result = services.sync(book.user)
            except carddav.CardDAVError as exc:
                failures += 1
                self.stderr.write("%s: %s" % (book.user.username, exc))
                continue
            if verbosity > 1:
                self.stdout.write(
                    "%s: %d new, %d changed, %d removed, %d unreadable"
                    % (
                        book.user.username,
                        result.created,
                        result.updated,
                        result.deleted,
                        len(result.unreadable),
                    )
                )
        return failures
