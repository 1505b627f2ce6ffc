"""``manage.py mail_master_secret --secret-file FILE``: create the panel's
master secret for Dovecot (see docs/mail_access.rst).

Writes a new random secret to FILE (mode 0600, refused when FILE exists
unless --force) and prints the line of Dovecot's master passwd-file (the
secret's SHA512-CRYPT hash, restricted to loopback).
"""

import os

from django.core.management.base import BaseCommand, CommandError

from modoboa.core import mail_access


class Command(BaseCommand):
    help = "Create the secret the panel logs in to Dovecot with (master user)."

    def add_arguments(self, parser):
        parser.add_argument("--secret-file", required=True, help="Where to write the secret")
        parser.add_argument("--user", default=None, help="Name of the master user")
        parser.add_argument(
            "--allow-nets",
            default=mail_access.LOOPBACK_NETS,
            help="Networks the panel connects from (default: loopback)",
        )
        parser.add_argument("--force", action="store_true", help="Replace an existing file")

    def handle(self, *args, **options):
        path = options["secret_file"]
        if os.path.exists(path) and not options["force"]:
            raise CommandError("%s exists: use --force to replace the secret" % path)
        nets = options["allow_nets"]
        if not nets or any(char.isspace() for char in nets):
            raise CommandError("--allow-nets: networks separated by commas, no spaces")
        secret = mail_access.generate_secret()
        try:
            mail_access.write_secret_file(path, secret)
        except OSError as exc:
            raise CommandError("Cannot write %s: %s" % (path, exc.strerror)) from exc
        self.stdout.write(mail_access.passwd_file_line(secret, options["user"], nets), ending="")
