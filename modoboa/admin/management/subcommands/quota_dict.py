"""``manage.py modo quota_dict``: serve Dovecot's quota dict on a UNIX
socket, waiting for the database rather than dropping an update (the
set-up for SQLite, see docs/dovecot.rst).
"""

import grp
import os
import signal
import stat
import threading

from django.core.management.base import BaseCommand, CommandError

from ... import quota_dict


def octal_mode(value):
    return int(value, 8)


class Command(BaseCommand):
    help = "Serve Dovecot's quota dict (admin_quota) on a UNIX socket"

    def add_arguments(self, parser):
        parser.add_argument("--socket", required=True, help="Path of the UNIX socket")
        parser.add_argument(
            "--mode",
            type=octal_mode,
            default=0o660,
            help="Permissions of the socket, in octal (default: 660)",
        )
        parser.add_argument(
            "--group",
            help="Group owning the socket: the one Dovecot's mail processes run as",
        )
        parser.add_argument(
            "--deadline",
            type=float,
            default=quota_dict.DEADLINE,
            help="Seconds an update waits for a locked database before it fails "
            "(default: %s; Dovecot gives up after 30)" % quota_dict.DEADLINE,
        )

    def handle(self, *args, **options):
        path = options["socket"]
        if os.path.exists(path):
            if not stat.S_ISSOCK(os.stat(path).st_mode):
                raise CommandError("%s exists and is not a socket" % path)
            os.unlink(path)
        gid = -1
        if options["group"]:
            try:
                gid = grp.getgrnam(options["group"]).gr_gid
            except KeyError:
                raise CommandError("Unknown group: %s" % options["group"]) from None
        quota_dict.DEADLINE = options["deadline"]
        try:
            server = quota_dict.Server(path, quota_dict.Handler)
        except OSError as exc:
            raise CommandError("Cannot listen on %s: %s" % (path, exc)) from exc
        os.chown(path, -1, gid)
        os.chmod(path, options["mode"])

        def stop(_signum, _frame):
            threading.Thread(target=server.shutdown, daemon=True).start()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write("Serving the quota dict on %s" % path)
        self.stdout.flush()
        try:
            server.serve_forever()
        finally:
            server.server_close()
            if os.path.exists(path):
                os.unlink(path)
