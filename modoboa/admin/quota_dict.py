"""A Dovecot dict server for the quota usage (``admin_quota``) that waits
for the database instead of dropping an update.

Dovecot's own dict process writes through its SQL driver; on SQLite that
driver waits one second at most for the write lock, so while the panel
writes, some quota updates are lost (Dovecot logs them, the message is
delivered, the counter stays behind). Dovecot's quota plugin can instead
talk to any process speaking its dict protocol on a UNIX socket
(``quota = dict:User quota::proxy:<socket>:quota``): this one applies each
transaction through the panel's own database connection (on SQLite:
IMMEDIATE transactions, a 20 s busy timeout) and tries again while the
database is locked, within ``deadline`` seconds (less than the 30 s Dovecot's
dict client waits for an answer).

Only the two keys of Dovecot's dict quota are served
(``priv/quota/storage`` -> ``bytes``, ``priv/quota/messages`` ->
``messages``), as the ``map`` blocks of ``dovecot-dict-sql.conf.ext`` do.

The protocol (version 3 of Dovecot 2.3): one command a line, fields
separated by tabs (a tab in a field is escaped as byte 1 and a letter).
``H`` says hello, ``L<key> <user>`` looks a key up, ``B<id> <user>``
begins a transaction, ``S``/``U``/``A`` set, unset and increment a key
in it, ``C``/``D`` commit it, ``R`` rolls it back. Each lookup and commit is answered ``*<n>`` then
``+<n> <reply> <timings>``, where the reply is ``O<value>`` (found, or
committed), ``N`` (not found) or ``F`` (failed), followed by the
transaction's id for a commit.
"""

import logging
import queue
import socketserver
import threading
import time

from django.db import OperationalError, connection, transaction
from django.db.models import F

from .models import Quota

logger = logging.getLogger("modoboa.admin")

FIELDS = {"priv/quota/storage": "bytes", "priv/quota/messages": "messages"}
DEADLINE = 25.0

_ESCAPES = {"0": "\x00", "1": "\x01", "t": "\t", "r": "\r", "n": "\n"}


class DictError(Exception):
    """A command this server cannot carry out (unknown key, bad line)."""


class DatabaseBusy(Exception):
    """The database stayed locked past the deadline."""


def unescape(value):
    """Undo Dovecot's tab escaping (byte 1 followed by a letter)."""
    if "\x01" not in value:
        return value
    out, chars = [], iter(value)
    for char in chars:
        if char == "\x01":
            out.append(_ESCAPES.get(next(chars, ""), ""))
        else:
            out.append(char)
    return "".join(out)


def escape(value):
    return (
        value.replace("\x01", "\x011")
        .replace("\x00", "\x010")
        .replace("\t", "\x01t")
        .replace("\r", "\x01r")
        .replace("\n", "\x01n")
    )


def field_of(key):
    try:
        return FIELDS[key]
    except KeyError:
        raise DictError("unknown key %s" % key) from None


def _locked(exc):
    text = str(exc).lower()
    return "locked" in text or "busy" in text or "deadlock" in text


def with_retries(action, deadline=None, pause=0.05):
    """Run ``action`` (one database transaction) again while the database
    is locked, until ``deadline`` seconds (default: ``DEADLINE``) have passed.
    """
    give_up = time.monotonic() + (DEADLINE if deadline is None else deadline)
    while True:
        try:
            if connection.vendor == "sqlite":
                # Each attempt waits for the lock no longer than what is
                # left of the deadline (the connection's own busy timeout
                # is the panel's 20 s).
                remaining = max(0.001, give_up - time.monotonic())
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA busy_timeout = %d" % int(remaining * 1000))
            return action()
        except OperationalError as exc:
            if not _locked(exc):
                # A broken connection (the server restarted): the next
                # update connects again.
                connection.close()
                raise
            if time.monotonic() >= give_up:
                raise DatabaseBusy(str(exc)) from exc
            logger.info("quota dict: database busy (%s), trying again", exc)
            time.sleep(pause)
            pause = min(pause * 2, 1.0)


def lookup(username, key):
    """The value of ``key`` for ``username``, or None."""
    field = field_of(key)

    def read():
        return Quota.objects.filter(username=username).values_list(field, flat=True).first()

    return with_retries(read)


def commit(username, operations):
    """Apply a transaction's ``operations`` (``(command, key, value)``).

    Return False when an increment met no ``admin_quota`` row (Dovecot then
    counts the mailbox again and sets the values), True otherwise.
    """

    def apply():
        found = True
        with transaction.atomic():
            for command, key, value in operations:
                field = field_of(key)
                rows = Quota.objects.filter(username=username)
                if command == "A":
                    found = rows.update(**{field: F(field) + int(value)}) > 0 and found
                    continue
                number = 0 if command == "U" else int(value)
                if not rows.update(**{field: number}):
                    Quota.objects.create(username=username, **{field: number})
        return found

    return with_retries(apply)


class Handler(socketserver.StreamRequestHandler):
    """One Dovecot client: commands in order, answers as Dovecot's dict
    server gives them.
    """

    def setup(self):
        super().setup()
        self.transactions = {}
        self.reply_id = 0

    def reply(self, answer, started):
        self.reply_id += 1
        ended = time.time()
        timings = "\t".join(
            str(part)
            for stamp in (started, ended)
            for part in (int(stamp), int((stamp % 1) * 1_000_000))
        )
        self.wfile.write(
            ("*%d\n+%d\t%s\t%s\n" % (self.reply_id, self.reply_id, answer, timings)).encode()
        )
        self.wfile.flush()

    def handle(self):
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line:
                self.command(line[0], [unescape(f) for f in line[1:].split("\t")])

    def command(self, name, args):
        started = time.time()
        if name == "H":
            return
        if name == "L":
            try:
                value = self.server.database.call(
                    lookup, args[1] if len(args) > 1 else "", args[0]
                )
            except (DictError, DatabaseBusy, OperationalError) as exc:
                logger.error("quota dict: lookup of %s failed: %s", args[0], exc)
                self.reply("F%s" % escape(str(exc)), started)
                return
            self.reply("N" if value is None else "O%s" % value, started)
            return
        if name == "B":
            self.transactions[args[0]] = (args[1] if len(args) > 1 else "", [])
            return
        if name in ("S", "U", "A"):
            if args[0] in self.transactions:
                self.transactions[args[0]][1].append((name, args[1], (args + [""])[2]))
            return
        if name == "R":
            self.transactions.pop(args[0], None)
            return
        if name in ("C", "D"):
            self.finish(args[0], started)
            return
        # Iterations, timestamps and other commands are not used by the
        # quota plugin: nothing to do for them.
        logger.warning("quota dict: command %r ignored", name)
        if name == "I":
            self.reply("F%s" % escape("iteration is not supported"), started)

    def finish(self, transaction_id, started):
        username, operations = self.transactions.pop(transaction_id, ("", []))
        try:
            found = self.server.database.call(commit, username, operations)
        except (DictError, DatabaseBusy, OperationalError, ValueError) as exc:
            logger.error("quota dict: update of %s failed: %s", username, exc)
            self.reply("F%s\t%s" % (transaction_id, escape(str(exc))), started)
            return
        self.reply("%s%s" % ("O" if found else "N", transaction_id), started)


class Database(threading.Thread):
    """The one thread that reads and writes ``admin_quota``, on one
    connection kept open.

    Each Dovecot client has its own thread, but none of them touches the
    database: a connection that closes takes a lock on an SQLite file for
    an instant, and a Postfix lookup opening the file at that instant fails
    ("database is locked": Postfix sets no busy timeout). One connection
    also means the updates queue here in order rather than race for the
    write lock.
    """

    def __init__(self):
        super().__init__(name="quota-dict-database", daemon=True)
        self.jobs = queue.Queue()

    def run(self):
        while True:
            job = self.jobs.get()
            if job is None:
                connection.close()
                return
            function, args, outcome, done = job
            try:
                outcome["value"] = function(*args)
            except Exception as exc:  # noqa: BLE001 - handed to the caller
                outcome["error"] = exc
            done.set()

    def call(self, function, *args):
        outcome, done = {}, threading.Event()
        self.jobs.put((function, args, outcome, done))
        done.wait()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def stop(self):
        self.jobs.put(None)
        self.join(timeout=30)


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, *args, **kwargs):
        self.database = Database()
        self.database.start()
        super().__init__(*args, **kwargs)

    def server_close(self):
        super().server_close()
        self.database.stop()
