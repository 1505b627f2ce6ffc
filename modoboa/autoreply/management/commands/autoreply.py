"""``manage.py autoreply <sender> <recipient>...``: run by Postfix's pipe
(1.10's pipe mode); the message is on the standard input.

Exit 0 when done (replied or not), 75 (EX_TEMPFAIL: Postfix retries later)
when the reply could not be sent or the database is unreachable; never a
usage text that Postfix would bounce to the sender.
"""

import logging
import smtplib
import sys

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from ... import pipe

logger = logging.getLogger("modoboa.autoreply")


class Command(BaseCommand):
    help = "Send the away message of the recipients (run by Postfix's pipe)."

    def add_arguments(self, parser):
        parser.add_argument("sender", help="Envelope sender ($sender)")
        parser.add_argument("recipients", nargs="+", help="Recipients ($mailbox)")
        parser.add_argument("--debug", action="store_true", help="Print what is done")
        # Accepted for 1.10's master.cf lines; logging goes through LOGGING.
        parser.add_argument("--syslog-socket-path", default=None, help=argparse_suppress())

    def handle(self, *args, **options):
        raw = sys.stdin.buffer.read()
        try:
            outcomes = pipe.answer(options["sender"], options["recipients"], raw)
        except (smtplib.SMTPException, OSError, DatabaseError) as exc:
            logger.error("autoreply: cannot answer %s: %s", options["sender"], exc)
            self.stderr.write("autoreply: %s" % exc)
            sys.exit(pipe.EX_TEMPFAIL)
        if options["debug"]:
            for outcome in outcomes:
                self.stdout.write("%s: %s" % (outcome.recipient, outcome.reason))


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS
