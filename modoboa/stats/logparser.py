"""``manage.py logparser``: read the new lines of the mail log and record
them, once.

Where the previous run stopped is kept in ``stats_logstate``: the inode of
the file, a fingerprint of its first line and the offset after the last
complete line read. A run then reads:

- the same file from that offset when it is still the same file;
- when the file was rotated (a new inode, or the same inode truncated and
  rewritten, as logrotate's ``copytruncate`` does), first the rest of the
  old file, found next to it by inode or by fingerprint (``mail.log.1``,
  ``mail.log-20261205``, ``maillog.20261205-101500.gz``...; gzip, bzip2 and
  xz files are decompressed), then the new file from its start.

A line still being written (no newline yet) is left for the next run. The
counters, the message log rows, the queue entries and the new offset are
written in one transaction every few thousand lines, so a run that dies
half-way counts nothing twice when the next one starts again.
"""

import bz2
import datetime
import gzip
import hashlib
import lzma
import os
import stat
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from modoboa.admin.models import Domain, DomainAlias

from . import lines as log_lines
from .events import Accumulator
from .models import Counter, LogState, Maillog, QueueEntry

BATCH_LINES = 20000
MAX_LINE = 1 << 16
HEAD_BYTES = 512
# A message whose deliveries never showed up in the log is forgotten after
# this time (Postfix keeps a message five days by default).
QUEUE_LIFETIME = datetime.timedelta(days=7)
# Minute counters are kept this long; hourly ones as long as the server.
MINUTE_RETENTION = datetime.timedelta(days=8)


# Plain statements, many rows at a time (insert_many; executemany for the
# updates): the ORM's per-value work would cost more than the parsing itself
# on a large log. The names need no quoting on
# any of the three engines; the columns are in the order of MAILLOG_COLUMNS
# and COUNTERS (checked by the tests).
INSERT_MAILLOG = (
    "INSERT INTO stats_maillog (queue_id, date, sender, rcpt, original_rcpt, size, "
    "status, relay, answer, from_domain, to_domain) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
INSERT_COUNTER = (
    "INSERT INTO stats_counter (step, domain, start, sent, recv, bounced, reject, spam, "
    "virus, greylist, size_sent, size_recv) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
UPDATE_COUNTER = (
    "UPDATE stats_counter SET sent = sent + %s, recv = recv + %s, "
    "bounced = bounced + %s, reject = reject + %s, spam = spam + %s, "
    "virus = virus + %s, greylist = greylist + %s, size_sent = size_sent + %s, "
    "size_recv = size_recv + %s WHERE step = %s AND domain = %s AND start = %s"
)


# At most this many values in one statement (SQLite's oldest limit is 999).
MAX_PARAMETERS = 900


def insert_many(cursor, statement, rows):
    """Run ``statement`` (an INSERT of one row of placeholders) for every
    row of ``rows``, many rows per statement: psycopg2's executemany sends
    one statement per row, which made PostgreSQL's round trips most of a
    run's time.
    """
    prefix, placeholders = statement.split(" VALUES ")
    width = placeholders.count("%s")
    size = max(1, MAX_PARAMETERS // width)
    for index in range(0, len(rows), size):
        chunk = rows[index : index + size]
        cursor.execute(
            "%s VALUES %s" % (prefix, ", ".join([placeholders] * len(chunk))),
            [value for row in chunk for value in row],
        )


class LogFileError(Exception):
    """The log file cannot be read."""


@dataclass
class Report:
    """What a run did, for ``--verbose``."""

    lines: int = 0
    used: int = 0
    ignored: int = 0
    unparsable: int = 0
    deliveries: int = 0
    notes: list = field(default_factory=list)

    def summary(self):
        return (
            "%d lines read: %d used, %d from other programs or without interest, "
            "%d not log lines (skipped); %d message log rows"
            % (self.lines, self.used, self.ignored, self.unparsable, self.deliveries)
        )


# Rotated files may be compressed (``postfix logrotate`` compresses at once).
OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
READ_ERRORS = (OSError, EOFError, lzma.LZMAError)


def open_log(path):
    """``path`` opened for reading bytes, decompressed when it ends with
    .gz, .bz2 or .xz.
    """
    return OPENERS.get(os.path.splitext(path)[1], open)(path, "rb")


def head_of(path):
    """The fingerprint of the first line of ``path`` ("" while the file has
    no complete first line).
    """
    with open_log(path) as handle:
        data = handle.read(HEAD_BYTES)
    end = data.find(b"\n")
    if end < 0 and len(data) < HEAD_BYTES:
        return ""
    return hashlib.sha256(data[: end + 1] if end >= 0 else data).hexdigest()


def rotated_copy(path, state):
    """Find the file the previous run was reading, now rotated away."""
    directory = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    candidates = []
    try:
        names = os.listdir(directory)
    except OSError:
        return None
    for name in names:
        if name == base or not name.startswith(base):
            continue
        if name[len(base)] not in ".-_":
            continue
        compressed = os.path.splitext(name)[1] in OPENERS
        if name.endswith(".zst") or (compressed and not state.head):
            continue
        candidate = os.path.join(directory, name)
        try:
            info = os.stat(candidate)
            if not stat.S_ISREG(info.st_mode):
                continue
            head = head_of(candidate)
        except READ_ERRORS:
            continue
        if (state.head and head != state.head) or (not compressed and info.st_size < state.offset):
            continue
        candidates.append((info.st_ino != state.inode, info.st_mtime, candidate))
    if not candidates:
        return None
    # The same inode first, then the most recent.
    candidates.sort(key=lambda item: (item[0], -item[1]))
    return candidates[0][2]


class Run:
    """One run of the parser over one log file."""

    def __init__(self, path, now=None, verbose=False):
        self.path = path
        self.now = now or timezone.now()
        self.report = Report()
        self.dates = log_lines.Dates(self.now)
        names = {name.lower() for name in Domain.objects.values_list("name", flat=True)}
        names |= {name.lower() for name in DomainAlias.objects.values_list("name", flat=True)}
        self.stored_queue = {
            entry.queue_id: (entry.sender, entry.size, entry.date)
            for entry in QueueEntry.objects.all()
        }
        self.accumulator = Accumulator(names, dict(self.stored_queue))

    # Reading

    def execute(self):
        if len(self.path) > LogState._meta.get_field("path").max_length:
            raise LogFileError("the path of the log file is too long: %s" % self.path)
        try:
            info = os.stat(self.path)
            if not stat.S_ISREG(info.st_mode):
                raise LogFileError("the log file %s is not a regular file" % self.path)
            head = head_of(self.path)
        except FileNotFoundError:
            raise LogFileError("the log file %s does not exist" % self.path) from None
        except OSError as exc:
            raise LogFileError(
                "cannot read the log file %s: %s" % (self.path, exc.strerror)
            ) from None
        state, _created = LogState.objects.get_or_create(path=self.path)
        same = (
            state.inode == info.st_ino
            and (not state.head or state.head == head)
            and info.st_size >= state.offset
        )
        if state.inode and not same:
            old = rotated_copy(self.path, state)
            if old is None:
                self.report.notes.append(
                    "%s was rotated; its previous file was not found next to it: "
                    "the lines written after the last run are lost" % self.path
                )
            else:
                self.report.notes.append(
                    "%s was rotated: reading the rest of %s" % (self.path, old)
                )
                try:
                    self.read(old, state, state.offset, final=True)
                except LogFileError as exc:
                    self.report.notes.append(str(exc))
        if not same:
            state.inode, state.head, state.offset = info.st_ino, head, 0
        self.read(self.path, state, state.offset, final=False)
        state.inode = info.st_ino
        state.head = state.head or head_of(self.path)
        self.flush(state)
        return self.report

    def read(self, path, state, offset, final):
        """Read ``path`` from ``offset``; a last line without newline is read
        only when the file is ``final`` (rotated away, it will not grow).
        """
        try:
            handle = open_log(path)
        except OSError as exc:
            raise LogFileError("cannot read the log file %s: %s" % (path, exc.strerror)) from None
        try:
            with handle:
                self.read_lines(handle, state, offset, final)
        except READ_ERRORS as exc:
            raise LogFileError("cannot read the log file %s: %s" % (path, exc)) from None

    def read_lines(self, handle, state, offset, final):
        """Feed the lines of ``handle`` from ``offset``, writing every
        BATCH_LINES lines.
        """
        handle.seek(offset)
        pending = b""
        count = 0
        while True:
            block = handle.read(1 << 20)
            if not block:
                break
            data = pending + block
            cut = data.rfind(b"\n")
            if cut < 0:
                if len(data) > MAX_LINE:
                    # No log line is that long: skip it as garbage.
                    self.line(data[:MAX_LINE])
                    data = b""
                pending = data
                continue
            pending = data[cut + 1 :]
            for raw in data[:cut].split(b"\n"):
                self.line(raw)
                count += 1
            if count >= BATCH_LINES:
                state.offset = handle.tell() - len(pending)
                self.flush(state)
                count = 0
        if final and pending:
            self.line(pending)
            pending = b""
        state.offset = handle.tell() - len(pending)

    def line(self, raw):
        self.report.lines += 1
        text = raw.decode("utf-8", "replace").rstrip("\r")
        parsed = log_lines.parse(text, self.dates) if text else None
        if parsed is None:
            self.report.unparsable += 1
            return
        self.accumulator.feed(parsed)

    # Writing

    @transaction.atomic
    def flush(self, state):
        acc = self.accumulator
        self.write_counters(acc.counters)
        self.write_rows(acc.rows)
        self.report.deliveries += len(acc.rows)
        self.report.used += acc.used
        self.report.ignored += acc.ignored
        self.write_queue()
        state.last_run = self.now
        state.save()
        acc.counters.clear()
        acc.rows = []
        acc.used = acc.ignored = 0

    def write_rows(self, rows):
        if not rows:
            return
        adapt = connection.ops.adapt_datetimefield_value
        with connection.cursor() as cursor:
            insert_many(
                cursor, INSERT_MAILLOG, [(row[0], adapt(row[1]), *row[2:]) for row in rows]
            )

    def write_counters(self, counters):
        new, changed = [], []
        steps = {}
        for step, _scope, start in counters:
            low, high = steps.get(step, (start, start))
            steps[step] = (min(low, start), max(high, start))
        # One query per step: the periods of the batch already in the table
        # (on a regular run, the first minutes and hour of the batch).
        existing = set()
        for step, (low, high) in steps.items():
            existing.update(
                (step, scope, start)
                for scope, start in Counter.objects.filter(
                    step=step, start__gte=low, start__lte=high
                ).values_list("domain", "start")
            )
        for key, values in counters.items():
            step, scope, start = key
            if key in existing:
                changed.append((*values, step, scope, start))
            else:
                new.append((step, scope, start, *values))
        with connection.cursor() as cursor:
            for index in range(0, len(changed), 2000):
                cursor.executemany(UPDATE_COUNTER, changed[index : index + 2000])
            insert_many(cursor, INSERT_COUNTER, new)

    def write_queue(self):
        current = self.accumulator.queue
        limit = self.now - QUEUE_LIFETIME
        for queue_id in [key for key, value in current.items() if value[2] < limit]:
            del current[queue_id]
        gone = [key for key in self.stored_queue if key not in current]
        for index in range(0, len(gone), 500):
            QueueEntry.objects.filter(queue_id__in=gone[index : index + 500]).delete()
        changed = [key for key, value in current.items() if self.stored_queue.get(key) != value]
        for index in range(0, len(changed), 500):
            QueueEntry.objects.filter(queue_id__in=changed[index : index + 500]).delete()
        QueueEntry.objects.bulk_create(
            [
                QueueEntry(
                    queue_id=key,
                    sender=current[key][0][:254],
                    size=current[key][1],
                    date=current[key][2],
                )
                for key in changed
            ],
            batch_size=500,
        )
        self.stored_queue = dict(current)


def parse_log(path, now=None):
    """Read the new lines of ``path``; return the run's :class:`Report`."""
    return Run(path, now=now).execute()


def purge(days, now=None):
    """Delete the message log rows older than ``days`` days and the minute
    counters older than MINUTE_RETENTION; return the number of rows deleted.
    """
    now = now or timezone.now()
    deleted, _detail = Maillog.objects.filter(
        date__lt=now - datetime.timedelta(days=days)
    ).delete()
    oldest = int((now - MINUTE_RETENTION).timestamp())
    minutes, _detail = Counter.objects.filter(step=60, start__lt=oldest).delete()
    return deleted + minutes
