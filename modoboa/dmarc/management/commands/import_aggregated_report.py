"""``manage.py import_aggregated_report --pipe|--imap``: import DMARC
aggregate reports.

``--pipe`` reads one mail on its standard input (Postfix's pipe(8) for the
RUA address). It always exits 0: a bad report is logged with its reason,
never bounced to the reporter with a traceback.

``--imap`` reads the mails of an IMAP folder and moves each one, once
handled, to another folder. The credentials come from a file
(``--credentials-file``) or the environment, never from the command line.
"""

import logging
import os
import sys

from django.core.management.base import CommandError

from modoboa.dmarc import imap, parser
from modoboa.dmarc.services import ImportOutcome, import_mail
from modoboa.lib.cronlock import LockedJobCommand

logger = logging.getLogger("modoboa.dmarc")

JOB = "import_aggregated_report"
DEFAULT_PORTS = {"ssl": 993, "starttls": 143, "none": 143}


def read_stdin(stream):
    """The mail on ``stream`` (bytes), or None when it is too large (the
    rest is read and thrown away, so the writer is never blocked).
    """
    data = stream.read(parser.MAX_MAIL_SIZE + 1)
    if len(data) <= parser.MAX_MAIL_SIZE:
        return data
    while stream.read(1024 * 1024):
        pass
    return None


def import_from_pipe(stream):
    """Import the mail on ``stream``; never raises."""
    try:
        raw = read_stdin(stream)
        if raw is None:
            logger.warning(
                "DMARC report rejected: mail larger than %d bytes", parser.MAX_MAIL_SIZE
            )
            outcome = ImportOutcome()
            outcome.errors.append("mail larger than %d bytes" % parser.MAX_MAIL_SIZE)
            return outcome
        return import_mail(raw)
    except Exception as exc:  # noqa: BLE001 - Postfix must never bounce a traceback
        logger.exception("DMARC report import failed")
        outcome = ImportOutcome()
        outcome.errors.append("import failed: %s" % type(exc).__name__)
        return outcome


def quiet_streams():
    """Flush stdout and stderr; when the reader went away (a broken pipe),
    point them at /dev/null so that the interpreter's final flush cannot
    turn the exit status 0 into 120.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, stream.fileno())
            except (OSError, ValueError):
                pass


class Command(LockedJobCommand):
    help = (
        "Import DMARC aggregate reports from a mail on stdin (--pipe) or an IMAP folder (--imap)."
    )
    # A Postfix pipe must not fail on a configuration warning.
    requires_system_checks = []
    # With --imap: two nodes reading the same folder never import a report
    # twice. A mail on stdin (--pipe) is imported without the lock.
    job_name = JOB

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--pipe", action="store_true", help="Read one mail on the standard input."
        )
        source.add_argument(
            "--imap", action="store_true", help="Read the mails of an IMAP folder."
        )
        parser.add_argument("--host", default="localhost", help="IMAP server (localhost).")
        parser.add_argument("--port", type=int, help="IMAP port (993 with --ssl, else 143).")
        security = parser.add_mutually_exclusive_group()
        security.add_argument("--ssl", action="store_true", help="IMAP over TLS (port 993).")
        security.add_argument(
            "--starttls", action="store_true", help="Switch to TLS with STARTTLS."
        )
        parser.add_argument("--mailbox", default="INBOX", help="Folder to read (INBOX).")
        parser.add_argument(
            "--move-to",
            default="Processed",
            help="Folder where handled mails are moved (Processed; created when missing).",
        )
        parser.add_argument(
            "--credentials-file",
            help="File holding the IMAP login (first line) and password (second line); "
            "else the variables %s and %s are read."
            % (imap.USER_VARIABLE, imap.PASSWORD_VARIABLE),
        )

    def report(self, outcome):
        for line in outcome.lines:
            self.stdout.write(line)

    def handle(self, *args, **options):
        if options["pipe"]:
            outcome = import_from_pipe(sys.stdin.buffer)
            if options["verbosity"] > 0:
                try:
                    self.report(outcome)
                except Exception:  # noqa: BLE001, S110 - exit 0 whatever happens
                    pass
            quiet_streams()
            return
        security = "ssl" if options["ssl"] else "starttls" if options["starttls"] else "none"
        port = options["port"] or DEFAULT_PORTS[security]
        if not 0 < port < 65536:
            raise CommandError("--port: %d is not a TCP port" % port)
        try:
            user, password = imap.read_credentials(options["credentials_file"])
            config = imap.ImapSettings(
                host=options["host"],
                port=port,
                security=security,
                mailbox=options["mailbox"],
                move_to=options["move_to"],
                user=user,
                password=password,
            )
            super().handle(*args, imap_settings=config, **options)
        except imap.ImapError as exc:
            raise CommandError(str(exc)) from None

    def run_job(self, *args, imap_settings, **options):
        return imap.run(imap_settings)

    def job_done(self, outcome, **options):
        if options["verbosity"] > 0:
            self.report(outcome)
