"""``manage.py modo export domains|identities``: write CSV to stdout."""

from django.core.management.base import BaseCommand, CommandError

from ... import csv_export


class Command(BaseCommand):
    help = (
        "Export domains (with their domain aliases) or identities (accounts, then "
        "aliases) as CSV on the standard output, in the format 'modo import' reads"
    )

    def add_arguments(self, parser):
        parser.add_argument("objtype", choices=["domains", "identities"])
        parser.add_argument("--sepchar", default=";", help="Separator to use (default: ';')")

    def handle(self, *args, **options):
        sepchar = options["sepchar"]
        if len(sepchar) != 1 or sepchar in '\r\n"':
            raise CommandError("The separator must be one character (not a quote or newline)")
        if options["objtype"] == "domains":
            lines = csv_export.export_domains(sepchar=sepchar)
        else:
            lines = csv_export.export_identities(sepchar=sepchar)
        for line in lines:
            self.stdout.write(line, ending="")
