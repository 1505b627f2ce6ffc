"""Commands of ``modoboa-admin.py`` (run before any instance exists)."""

import argparse
import sys

# Printed by ``manage.py load_initial_data`` when the database already had a
# super administrator; ``deploy`` reads it to print no new password.
KEPT_ADMIN_MARKER = "Existing super administrator kept:"


class CommandFailed(Exception):
    """A command stopped; the message is shown as one line on stderr."""


class Command:
    """Base class of ``modoboa-admin.py`` commands."""

    help = ""

    def __init__(self, stdout=None, stderr=None):
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr

    def add_arguments(self, parser):
        """Declare the command's options."""

    def create_parser(self, prog, name):
        parser = argparse.ArgumentParser(prog="%s %s" % (prog, name), description=self.help)
        self.add_arguments(parser)
        return parser

    def handle(self, options):
        raise NotImplementedError


def get_commands():
    from .deploy import DeployCommand

    return {"deploy": DeployCommand}
