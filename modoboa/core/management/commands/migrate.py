"""``manage.py migrate``, which also takes over a Modoboa 1.10 database.

Before Django's command runs, the database is recognised: a 1.10.x database
gets its history rewritten (``modoboa.core.takeover.history``); a database
of another Modoboa release or of another product is refused, unchanged.
After the migrations, a taken-over database's tables are brought to the
shape of a fresh install's (``modoboa.core.takeover.conform``).
"""

from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from modoboa.core.takeover import conform, detect, history


class Command(DjangoMigrate):
    help = DjangoMigrate.help + " A Modoboa 1.10.x database is taken over."

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        finding = detect.inspect(connection)
        if finding.refused:
            raise CommandError(finding.message)
        log = self._log if options["verbosity"] >= 1 else (lambda message: None)
        if finding.kind == detect.MODOBOA_110:
            if options["plan"] or options["check_unapplied"] or options["fake"]:
                raise CommandError(
                    "This is a Modoboa %s database: run 'manage.py migrate' without "
                    "--plan, --check or --fake to take it over ('manage.py modo "
                    "takeover --check' says what will change)." % finding.version
                )
            log("Taking over a Modoboa %s database." % finding.version)
            history.reconcile(connection, log)
            # The tables 1.10's extensions left are those of our extensions'
            # initial migrations: recorded, not created again.
            options["fake_initial"] = True
        super().handle(*args, **options)
        if options["plan"] or options["check_unapplied"]:
            return
        if detect.inspect(connection).kind == detect.PENDING:
            log("Aligning the schema with a fresh install's.")
            conform.conform(connection, log if options["verbosity"] >= 2 else (lambda m: None))
            log("Schema aligned: this database is now the same as a fresh install's.")

    def _log(self, message):
        self.stdout.write(message)
