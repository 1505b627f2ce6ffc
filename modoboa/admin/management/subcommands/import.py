# ruff: noqa: N999 - the subcommand is named "import" (modo import)
"""``manage.py modo import FILE...``: create objects from CSV files."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from modoboa.core.models import User

from ... import csv_import

EPILOG = """\
Each line describes one object; the first field names its type:

  domain; <name>; <quota>; <default mailbox quota>; <enabled>
  domainalias; <name>; <target domain>; <enabled>
  relaydomain; <name>; <target host>; <target port>; <service>; <enabled>;
      <verify recipients>
  account; <username>; <password>; <first name>; <last name>; <enabled>;
      <role>; [<email>; <quota>; <administered domain>...]
  alias; <address>; <enabled>; <recipient>; [<recipient>...]
  (forward and dlist are accepted as older names of alias)

Roles: SimpleUsers, DomainAdmins, Resellers, SuperAdmins. Booleans: true, 1,
yes and y (any case) are true, anything else is false. Quotas are in MB; an
empty mailbox quota means the domain's default. Order matters: a domain
before its accounts and aliases, a mailbox before the aliases pointing to it.

Files are read as UTF-8, or in the encoding detected when they are not.
A malformed line stops the import before anything is written. A refused
line (duplicate, unknown domain, limit reached, bad quota) is reported with
its line number and, unless --continue-if-exists is given, nothing from any
file is kept. See docs/import.rst.
"""


class ProgressBar:
    """A one-line progress bar on a stream (stderr)."""

    width = 40

    def __init__(self, stream, label):
        self.stream = stream
        self.label = label
        self.last = -1

    def __call__(self, done, total):
        if not total:
            return
        filled = int(self.width * done / total)
        if filled == self.last and done != total:
            return
        self.last = filled
        self.stream.write(
            "\r%s [%s%s] %d/%d"
            % (self.label, "#" * filled, " " * (self.width - filled), done, total)
        )
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Import domains, domain aliases, relay domains, accounts and aliases from CSV files"

    def create_parser(self, prog_name, subcommand, **kwargs):
        import argparse

        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        parser.epilog = EPILOG
        return parser

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="CSV files to import")
        parser.add_argument(
            "--sepchar", default=";", help="Separator used in the files (default: ';')"
        )
        parser.add_argument(
            "--continue-if-exists",
            action="store_true",
            default=False,
            help="Skip objects that already exist and keep the lines that succeed "
            "instead of rolling everything back on the first refused line",
        )
        parser.add_argument(
            "--crypt-password",
            "--crypt-passwords",
            dest="crypt_passwords",
            action="store_true",
            default=False,
            help="The passwords in the files are in clear text: hash them with the "
            "configured scheme (otherwise they are stored as given, e.g. {PLAIN}secret "
            "or {SHA512-CRYPT}$6$...)",
        )
        parser.add_argument(
            "--user",
            help="Import as this account, with its permissions and limits "
            "(default: the first super administrator)",
        )
        parser.add_argument(
            "--progress",
            dest="progress",
            action="store_true",
            default=None,
            help="Show a progress bar on stderr (default: only on a terminal)",
        )
        parser.add_argument(
            "--no-progress", dest="progress", action="store_false", help="Never show it"
        )

    def _acting_user(self, username):
        if username:
            user = User.objects.filter(username=username.lower()).first()
            if user is None:
                raise CommandError("Unknown account: %s" % username)
            return user
        return User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()

    def _read(self, path):
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise CommandError("%s: %s" % (path, exc.strerror or exc)) from None

    def handle(self, *args, **options):
        files = options["files"]
        acting_user = self._acting_user(options.get("user"))
        show_progress = options.get("progress")
        if show_progress is None:
            show_progress = sys.stderr.isatty()
        continue_if_exists = options["continue_if_exists"]
        parsed = []
        for path in files:
            data = self._read(path)
            try:
                text = csv_import.decode(data)
                rows = csv_import.parse(text, sepchar=options["sepchar"], filename=path)
            except csv_import.CSVFormatError as exc:
                if not exc.filename:
                    raise CommandError("%s: %s" % (path, exc.message)) from None
                raise CommandError(exc.message) from None
            parsed.append((path, rows))
        results = []
        try:
            with transaction.atomic():
                for path, rows in parsed:
                    result = csv_import.ImportResult(filename=path)
                    progress = (
                        ProgressBar(self.stderr._out, path) if show_progress and rows else None
                    )
                    csv_import.import_rows(
                        rows,
                        acting_user=acting_user,
                        result=result,
                        continue_if_exists=continue_if_exists,
                        crypt_passwords=options["crypt_passwords"],
                        progress=progress,
                    )
                    results.append(result)
                if any(r.failed for r in results) and not continue_if_exists:
                    raise _Abort
        except _Abort:
            for result in results:
                result.rolled_back = True
                result.created = 0
        self._report(results)
        if any(r.rolled_back for r in results):
            raise CommandError("Import aborted: nothing was imported")

    def _report(self, results):
        for result in results:
            for warning in result.warnings:
                self.stderr.write("Warning: %s" % warning)
            for error in result.errors:
                self.stderr.write("Error: %s" % error)
            self.stdout.write("%s: %s" % (result.filename, result.summary()))


class _Abort(Exception):
    pass
