#!/usr/bin/env python
"""``modoboa-admin.py``: deploy a new Modoboa instance.

Usage: ``modoboa-admin.py [--verbose] deploy <name> [options]`` and
``modoboa-admin.py help <command>``.
"""

import argparse
import sys


def main(argv=None):
    """Run a modoboa-admin.py command and return its exit status."""
    from modoboa.core.commands import CommandFailed, get_commands

    argv = sys.argv[1:] if argv is None else argv
    commands = get_commands()
    parser = argparse.ArgumentParser(
        prog="modoboa-admin.py", description="Modoboa administration tool"
    )
    parser.add_argument("--verbose", action="store_true", help="Print tracebacks on errors")
    parser.add_argument("command", help="one of: help, %s" % ", ".join(sorted(commands)))
    parser.add_argument("arguments", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command == "help":
        if not args.arguments or args.arguments[0] not in commands:
            parser.print_help()
            print("\nAvailable commands: %s" % ", ".join(sorted(commands)))
            return 0 if not args.arguments else 2
        name = args.arguments[0]
        commands[name]().create_parser("modoboa-admin.py", name).print_help()
        return 0
    if args.command not in commands:
        print("modoboa-admin.py: unknown command %r" % args.command, file=sys.stderr)
        return 2
    command = commands[args.command]()
    options = vars(
        command.create_parser("modoboa-admin.py", args.command).parse_args(args.arguments)
    )
    try:
        command.handle(options)
    except CommandFailed as exc:
        print("modoboa-admin.py %s: error: %s" % (args.command, exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("modoboa-admin.py: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.verbose:
            raise
        print("modoboa-admin.py %s: error: %s" % (args.command, exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
