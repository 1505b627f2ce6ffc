"""``manage.py modo takeover``: take over a Modoboa 1.10 database.

``--check`` changes nothing and says what was found and what will change;
without it, the steps run in order (``manage.py migrate``, the forwards
1.10 delivered locally anyway, ``modo repair``), each in one transaction,
and a run interrupted is completed by running the command again.
"""

from django.core.management.base import BaseCommand, CommandError

from modoboa.admin.takeover import report, steps
from modoboa.core.takeover import detect


class Command(BaseCommand):
    help = "Take over a Modoboa 1.10 database (--check: report only, change nothing)"

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            default=False,
            help="Say what was found and every behaviour that will change; change nothing",
        )
        parser.add_argument(
            "--settings-file",
            metavar="PATH",
            help="The settings.py of the 1.10 instance: its keys and what replaces them",
        )
        parser.add_argument(
            "--forwards",
            choices=[steps.KEEP_DELIVERY, steps.AS_CONFIGURED],
            default=steps.KEEP_DELIVERY,
            help=(
                "Forwards without local copies, which 1.10 delivered locally anyway: "
                "keep that delivery (default) or apply them as configured"
            ),
        )

    def handle(self, *args, **options):
        settings_file = options.get("settings_file")
        try:
            sections, finding = report.gather(settings_file=settings_file)
        except OSError as error:
            raise CommandError("--settings-file: %s" % error) from None
        except SyntaxError as error:
            raise CommandError(
                "--settings-file: line %s: %s" % (error.lineno, error.msg)
            ) from None
        if options["check"] or finding.refused:
            for title, lines in sections:
                self.stdout.write("%s:" % title)
                for line in lines:
                    self.stdout.write("  %s" % line)
            if finding.refused:
                raise CommandError(finding.message)
            return
        if finding.kind == detect.EMPTY:
            raise CommandError(
                "The database is empty: nothing to take over "
                "('manage.py migrate' makes a fresh install)."
            )
        blocking = [
            line for _title, lines in sections for line in lines if line.startswith("BLOCKING")
        ]
        if blocking:
            raise CommandError("\n".join(blocking))
        steps.run({"forwards": options["forwards"]}, self.stdout.write)
        self.stdout.write("Takeover complete.")
