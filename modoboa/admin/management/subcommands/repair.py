"""``manage.py modo repair``: find and fix known data problems."""

from django.core.management.base import BaseCommand

from modoboa.lib.cronlock import AlreadyRunning, job_lock

from ... import repair


class Command(BaseCommand):
    help = (
        "Find and fix known problems: objects without owner, mailboxes without their "
        "internal alias or quota row, account emails that differ from their mailbox, "
        "domain aliases without their internal alias, stale access rows and empty "
        "internal aliases (extensions add theirs in a 'known_problems' module)"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", default=False, help="Only report the problems"
        )
        parser.add_argument(
            "--quiet", action="store_true", default=False, help="Print nothing but errors"
        )

    def handle(self, *args, **options):
        try:
            with job_lock("repair"):
                outcomes = repair.run(dry_run=options["dry_run"])
        except AlreadyRunning:
            self.stderr.write("Another repair is running; nothing done.")
            return
        if options["quiet"]:
            return
        total = 0
        for outcome in outcomes:
            if not outcome.occurrences:
                continue
            total += len(outcome.occurrences)
            verb = "fixed" if outcome.fixed else "found"
            self.stdout.write(
                "%s: %d %s" % (outcome.problem.description, len(outcome.occurrences), verb)
            )
            for occurrence in outcome.occurrences:
                self.stdout.write("  - %s" % outcome.problem.describe(occurrence))
        if not total:
            self.stdout.write("No problem found")
