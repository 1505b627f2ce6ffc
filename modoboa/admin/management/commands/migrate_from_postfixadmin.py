"""``manage.py migrate_from_postfixadmin -s <scheme>``: import a PostfixAdmin
database (1.10's ``modoboa-pfxadmin-migrate``, same name and options).

The source is ``--source <database URL>`` or the ``pfxadmin`` connection of
DATABASES (``-f`` names another). ``-s`` is the scheme of PostfixAdmin's
hashes (its ``$CONF['encrypt']``: ``MD5-CRYPT`` for ``md5crypt``,
``SHA512-CRYPT``...): they are stored as ``{SCHEME}hash`` so that Dovecot
and Modoboa verify them. ``--dry-run`` reports the same lines and rolls
everything back. Run it again after fixing what was reported: what is
already there is skipped.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from modoboa.admin.postfixadmin import SOURCE_ALIAS, Importer, open_source
from modoboa.core.password_hashers import verifiable_prefixes
from modoboa.lib.exceptions import ModoboaException


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "Import a PostfixAdmin database (domains, mailboxes with their hashes, aliases, admins)"

    def add_arguments(self, parser):
        parser.add_argument(
            "-s",
            "--scheme",
            required=True,
            help="Scheme of PostfixAdmin's password hashes, e.g. MD5-CRYPT, SHA512-CRYPT",
        )
        parser.add_argument(
            "-f",
            "--from",
            dest="source_alias",
            default=SOURCE_ALIAS,
            help="The DATABASES connection of the PostfixAdmin database (default: pfxadmin)",
        )
        parser.add_argument(
            "-t",
            "--to",
            dest="target_alias",
            default="default",
            help="The DATABASES connection of Modoboa's database (only 'default')",
        )
        parser.add_argument("--source", metavar="URL", help="The PostfixAdmin database's URL")
        parser.add_argument("--dry-run", action="store_true", help="Report only, change nothing")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar")

    def handle(self, *args, **options):
        if options["target_alias"] != "default":
            raise CommandError("-t/--to: only the 'default' database can be the target")
        scheme = options["scheme"].strip("{}").upper()
        if scheme not in verifiable_prefixes():
            raise CommandError(
                "-s/--scheme: %s is not a scheme Modoboa verifies (%s)"
                % (options["scheme"], ", ".join(sorted(verifiable_prefixes())))
            )
        try:
            source = open_source(options["source"], options["source_alias"])
            source.ensure_connection()
        except ModoboaException as error:
            raise CommandError(str(error)) from None
        except Exception as error:  # noqa: BLE001 - any driver error means the same
            raise CommandError("Cannot open the PostfixAdmin database: %s" % error) from None
        progress = None
        if not options["no_progress"] and sys.stderr.isatty():
            progress = self._progress
        importer = Importer(source, scheme, report=self.stdout.write, progress=progress)
        try:
            if options["dry_run"]:
                # Everything in one transaction, rolled back.
                with transaction.atomic():
                    importer.run()
                    raise _DryRun
            # Each object in its own transaction: an interrupted run keeps
            # what it imported, and the next run skips it.
            outcomes = importer.run()
        except _DryRun:
            outcomes = importer.outcomes
        except ModoboaException as error:
            raise CommandError(str(error)) from None
        taken = sum(1 for outcome in outcomes if outcome.taken)
        present = sum(1 for outcome in outcomes if outcome.present)
        self.stdout.write(
            "%s: %d taken, %d already present, %d not taken%s"
            % (
                "Dry run" if options["dry_run"] else "Done",
                taken,
                present,
                len(outcomes) - taken - present,
                " (nothing was changed)" if options["dry_run"] else "",
            )
        )

    def _progress(self, kind, done, total):
        width = 30
        filled = width * done // max(total, 1)
        self.stderr.write(
            "\r%-14s [%s%s] %d/%d" % (kind, "#" * filled, "." * (width - filled), done, total),
            ending="\n" if done == total else "",
        )
