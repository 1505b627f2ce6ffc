"""``manage.py generate_postfix_maps``: write the Postfix map files."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from modoboa.core import postfix_maps
from modoboa.lib.management import sentence


class Command(BaseCommand):
    help = (
        "Write the map files Postfix uses to read Modoboa's database "
        "(see the Postfix page of the documentation)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dburl",
            default=None,
            help="Database URL the maps connect to (default: the instance's database), "
            "e.g. postgres://user:password@host:5432/name",
        )
        parser.add_argument(
            "--destdir", default=".", help="Directory where the files are written (default: .)"
        )
        parser.add_argument(
            "--force-overwrite",
            "--force",
            action="store_true",
            dest="force_overwrite",
            default=False,
            help="Overwrite files even when they were modified by hand",
        )
        parser.add_argument(
            "--skip-check",
            action="store_true",
            default=False,
            help="Do not try the queries against the database first",
        )

    def handle(self, *args, **options):
        if options["dburl"]:
            import dj_database_url

            try:
                dbsettings = dj_database_url.parse(options["dburl"])
            except ValueError as exc:
                raise CommandError("Invalid --dburl: %s" % exc) from None
        else:
            dbsettings = connections["default"].settings_dict
        verbose = options["verbosity"] >= 1

        def progress(message):
            if verbose:
                self.stdout.write(message)

        try:
            outcome = postfix_maps.generate(
                options["destdir"],
                dbsettings,
                force=options["force_overwrite"],
                explicit_connection=bool(options["dburl"]),
                check=not options["skip_check"],
                command_line=_command_line(options),
                progress=progress,
            )
        except postfix_maps.PostfixMapError as exc:
            raise CommandError(sentence(exc) + " No file was written.") from None
        for filename, reason in outcome.skipped:
            self.stderr.write(
                "%s: %s, left alone (use --force-overwrite to replace it)" % (filename, reason)
            )
        if verbose:
            for filename in outcome.unchanged:
                self.stdout.write("%s: up to date" % filename)
            self.stdout.write(
                "%d file(s) written, %d up to date, %d left alone in %s"
                % (
                    len(outcome.written),
                    len(outcome.unchanged),
                    len(outcome.skipped),
                    options["destdir"],
                )
            )


def _command_line(options):
    """The command line the file header shows (never the database URL,
    which may hold a password).
    """
    parts = ["manage.py generate_postfix_maps", "--destdir", options["destdir"]]
    if options["dburl"]:
        parts.append("--dburl <hidden>")
    if options["force_overwrite"]:
        parts.append("--force-overwrite")
    return " ".join(parts)
