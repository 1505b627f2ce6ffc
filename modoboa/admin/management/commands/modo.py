"""``manage.py modo <subcommand>``: the umbrella of Modoboa's admin tools.

Each subcommand is a module of ``modoboa.admin.management.subcommands`` (or
of an extension's ``management.subcommands`` package) defining a
``Command`` class, a regular Django command: ``modo import -h`` shows its
help.
"""

import argparse
import importlib
import pkgutil
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def _subcommand_packages():
    packages = ["modoboa.admin.management.subcommands"]
    for app in getattr(settings, "MODOBOA_APPS", ()):
        name = "%s.management.subcommands" % app
        if name not in packages:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError:
                continue
            packages.append(name)
    return packages


def find_subcommands():
    """Return ``{name: module path}`` of the known subcommands."""
    found = {}
    for package_name in _subcommand_packages():
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("_"):
                continue
            found.setdefault(info.name, "%s.%s" % (package_name, info.name))
    return found


class Command(BaseCommand):
    help = "Modoboa administration tools: " + ", ".join(
        [
            "import",
            "export",
            "check_mx",
            "manage_dkim_keys",
            "repair",
            "takeover",
            "quota_dict",
            "run_import_jobs",
        ]
    )

    def run_from_argv(self, argv):
        # argv: [prog, "modo", <subcommand>, ...]
        subcommands = find_subcommands()
        if len(argv) < 3 or argv[2] in ("-h", "--help", "help"):
            self.stdout.write("Usage: %s modo <subcommand> [options]\n" % argv[0])
            self.stdout.write("Available subcommands:\n")
            for name in sorted(subcommands):
                self.stdout.write("  %s\n" % name)
            return
        name = argv[2]
        if name not in subcommands:
            sys.stderr.write("Unknown subcommand: %s (try 'modo help')\n" % name)
            sys.exit(2)
        command = importlib.import_module(subcommands[name]).Command()
        command.run_from_argv([argv[0], "modo %s" % name] + argv[3:])

    def handle(self, *args, **options):
        # Reached through call_command("modo", "<subcommand>", ...).
        if not args:
            raise CommandError("A subcommand is required")
        name, rest = args[0], list(args[1:])
        subcommands = find_subcommands()
        if name not in subcommands:
            raise CommandError("Unknown subcommand: %s" % name)
        command = importlib.import_module(subcommands[name]).Command()
        parser = command.create_parser("manage.py", "modo %s" % name)
        parsed = parser.parse_args(rest)
        cmd_options = vars(parsed)
        cmd_args = cmd_options.pop("args", ())
        # call_command(..., stdout=...) must reach the subcommand.
        for key in ("stdout", "stderr", "no_color", "force_color"):
            if options.get(key) is not None:
                cmd_options[key] = options[key]
        return command.execute(*cmd_args, **cmd_options)

    def add_arguments(self, parser):
        parser.add_argument("args", nargs=argparse.REMAINDER)
