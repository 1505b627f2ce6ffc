"""The copy of one mailbox from the old server to the new one.

Folder by folder: the messages whose UID is above the last one copied
(per folder, with the folder's UIDVALIDITY) are fetched in batches bounded
in count and bytes and handed to the writers: up to ``writers`` connections
to the new server, each appending a batch at a time with one MULTIAPPEND
(the new server syncs each message to disk: its writes overlap). The
position is saved after each batch: ``last_uid`` below which everything is
done, and the ranges above it that a writer finished before an earlier
batch, so an interrupted or repeated run goes on where the last one
stopped and never copies a message twice. When the old folder's
UIDVALIDITY changed (or a folder that already holds mail is copied for the
first time), the messages already in the new folder are recognised by
Message-ID (or size and date when they have none) and not copied again.
"""

import bisect
import contextlib
import email.parser
import email.policy
import queue
import threading

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from imapclient.exceptions import IMAPClientError

from . import services
from .models import Migration, MigrationFolder

# A batch: at most this many messages, and this many bytes (a larger
# message goes alone).
BATCH_MESSAGES = 100
BATCH_BYTES = 4 * 1024 * 1024
META_CHUNK = 1000
SKIPPED_FLAGS = {b"\\recent"}


class FolderError(Exception):
    """One folder could not be copied; the others go on."""


class Cancelled(Exception):
    """An administrator cancelled the job."""


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _header_key(header_bytes, size, internaldate):
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(
        header_bytes or b""
    )
    message_id = (headers.get("Message-ID") or "").strip()
    if message_id:
        return ("id", message_id)
    stamp = internaldate.isoformat() if internaldate is not None else ""
    return ("size", size, stamp)


def parse_ranges(text):
    """``[(first, last)]`` from ``"a-b,c-d"``."""
    ranges = []
    for part in (text or "").split(","):
        first, _sep, last = part.partition("-")
        if first.isdigit() and last.isdigit():
            ranges.append((int(first), int(last)))
    return sorted(ranges)


def format_ranges(ranges):
    """``"a-b,c-d"`` of ``ranges``, adjacent ones joined."""
    joined = []
    for first, last in sorted(ranges):
        if joined and first <= joined[-1][1] + 1:
            joined[-1] = (joined[-1][0], max(last, joined[-1][1]))
        else:
            joined.append((first, last))
    return ",".join("%d-%d" % pair for pair in joined)


def in_ranges(uid, ranges):
    return any(first <= uid <= last for first, last in ranges)


class _Writers:
    """Threads appending batches to the new server, one connection each.
    Only the IMAP work happens there; the database is written by the
    caller, from the results.
    """

    def __init__(self, copier, connections):
        self.copier = copier
        self.size = len(connections)
        self.tasks = queue.Queue()
        self.results = queue.Queue()
        self.threads = [
            threading.Thread(target=self._work, args=(connection,), daemon=True)
            for connection in connections
        ]
        for thread in self.threads:
            thread.start()

    def _work(self, connection):
        while True:
            task = self.tasks.get()
            if task is None:
                return
            key, new_name, old_name, items = task
            try:
                outcome = self.copier._write(connection, new_name, old_name, items)
            except Exception as exc:  # noqa: BLE001 - the caller raises it
                outcome = (None, 0, exc)
            self.results.put((key, outcome))

    def submit(self, key, new_name, old_name, items):
        self.tasks.put((key, new_name, old_name, items))

    def result(self):
        return self.results.get()

    def close(self):
        for _thread in self.threads:
            self.tasks.put(None)
        for thread in self.threads:
            thread.join()


def _headers_of(body):
    end = body.find(b"\r\n\r\n")
    if end < 0:
        end = body.find(b"\n\n")
    return body if end < 0 else body[: end + 2]


class Copier:
    """Copy the mail of ``migration`` from ``old`` to ``new`` (logged in
    IMAPClient connections). ``on_batch`` (tests, progress) is called after
    each saved batch. With ``open_writer``, up to ``writers`` connections
    to the new server append batches at the same time (``new`` is one).
    """

    def __init__(
        self,
        migration,
        old,
        new,
        *,
        create_folders=True,
        on_batch=None,
        open_writer=None,
        writers=1,
    ):
        self.migration = migration
        self.old = old
        self.new = new
        self.create_folders = create_folders
        self.on_batch = on_batch
        # ``open_writer()``: another logged-in connection to the new server.
        self.open_writer = open_writer
        self.writers = max(1, writers) if open_writer is not None else 1
        self.errors = []
        self.multiappend = b"MULTIAPPEND" in set(new.capabilities())
        self._pool = None
        self._extra = []

    # Progress, written with UPDATE so a concurrent cancel is never lost.
    def _progress(self, **changes):
        changes["heartbeat"] = timezone.now()
        Migration.objects.filter(pk=self.migration.pk).update(**changes)

    def _check_cancel(self):
        if Migration.objects.filter(pk=self.migration.pk, cancel_requested=True).exists():
            raise Cancelled()

    # Folders --------------------------------------------------------------

    def _new_delimiter(self):
        listing = self.new.list_folders("", "INBOX")
        delimiter = listing[0][1] if listing else b"."
        return _text(delimiter) or "."

    def plan(self):
        """``[(old name, new name or FolderError)]`` of the folders to
        copy, parents first.
        """
        new_delimiter = self._new_delimiter()
        result = []
        for flags, delimiter, name in sorted(self.old.list_folders(), key=lambda f: f[2]):
            name = _text(name)
            if not services.folder_selected(
                name, self.migration.include_folders, self.migration.exclude_folders
            ):
                continue
            lowered = {flag.lower() for flag in flags}
            if {b"\\noselect", b"\\nonexistent"} & lowered:
                # A level of the hierarchy only: its children create it.
                continue
            delimiter = _text(delimiter)
            parts = name.split(delimiter) if delimiter else [name]
            if len(parts) == 1 and parts[0].upper() == "INBOX":
                result.append((name, "INBOX"))
                continue
            if any(new_delimiter in part for part in parts) or any(not part for part in parts):
                result.append(
                    (
                        name,
                        FolderError(
                            _(
                                "Folder %(name)s cannot be created on the new server: its "
                                "name contains the new server's hierarchy separator %(sep)s"
                            )
                            % {"name": name, "sep": new_delimiter}
                        ),
                    )
                )
                continue
            result.append((name, new_delimiter.join(parts)))
        return result

    def _ensure_folder(self, old_name, new_name, existing):
        if new_name in existing or new_name.upper() == "INBOX":
            return
        if not self.create_folders:
            raise FolderError(
                _("Folder %s does not exist on the new server (folder creation is off)") % new_name
            )
        try:
            self.new.create_folder(new_name)
        except IMAPClientError as exc:
            raise FolderError(
                _("Folder %(name)s cannot be created on the new server: %(error)s")
                % {"name": new_name, "error": _text(str(exc))}
            ) from None
        try:
            self.new.subscribe_folder(new_name)
        except IMAPClientError:
            pass
        existing.add(new_name)

    # Messages ---------------------------------------------------------------

    def _pending_uids(self, old_name, state):
        info = self.old.select_folder(old_name, readonly=True)
        uidvalidity = int(info.get(b"UIDVALIDITY", 0))
        if state.uidvalidity == uidvalidity and (state.last_uid or state.done_ranges):
            criteria = ["UID", "%d:*" % (state.last_uid + 1)]
            done = parse_ranges(state.done_ranges)
            uids = [
                uid
                for uid in self.old.search(criteria)
                if uid > state.last_uid and not in_ranges(uid, done)
            ]
            resync = False
        else:
            uids = list(self.old.search("ALL")) if int(info.get(b"EXISTS", 0)) else []
            resync = True
        return uidvalidity, sorted(uids), resync

    def _known_keys(self, new_name):
        """Keys of the messages already in the new folder."""
        info = self.new.select_folder(new_name, readonly=True)
        keys = set()
        if not int(info.get(b"EXISTS", 0)):
            return keys
        uids = self.new.search("ALL")
        for start in range(0, len(uids), META_CHUNK):
            fetched = self.new.fetch(
                uids[start : start + META_CHUNK],
                ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]", "RFC822.SIZE", "INTERNALDATE"],
            )
            for data in fetched.values():
                header = next((v for k, v in data.items() if k.startswith(b"BODY[HEADER")), b"")
                keys.add(_header_key(header, data.get(b"RFC822.SIZE"), data.get(b"INTERNALDATE")))
        return keys

    def _batches(self, uids):
        for start in range(0, len(uids), META_CHUNK):
            chunk = uids[start : start + META_CHUNK]
            sizes = self.old.fetch(chunk, ["RFC822.SIZE"])
            batch, total = [], 0
            for uid in chunk:
                if uid not in sizes:
                    continue  # expunged meanwhile
                size = int(sizes[uid].get(b"RFC822.SIZE", 0))
                if batch and (len(batch) >= BATCH_MESSAGES or total + size > BATCH_BYTES):
                    yield batch
                    batch, total = [], 0
                batch.append(uid)
                total += size
            if batch:
                yield batch

    def _write(self, connection, new_name, old_name, items):
        """APPEND ``items`` (``[(uid, body, flags, date)]``) to the new
        folder; return the UID of the last one written. One MULTIAPPEND
        when the server has it (one commit, hence one sync to disk, for the
        batch); when it refuses the batch (all or nothing, RFC 3502), one
        APPEND at a time finds the message at fault.
        """
        if self.multiappend and len(items) > 1:
            try:
                connection.multiappend(
                    new_name,
                    [
                        {"msg": body, "flags": flags, "date": date}
                        for _uid, body, flags, date in items
                    ],
                )
                return items[-1][0], len(items), None
            except IMAPClientError:
                pass
        written = 0
        last_uid = None
        for uid, body, flags, date in items:
            try:
                connection.append(new_name, body, flags=flags, msg_time=date)
            except IMAPClientError as exc:
                return (
                    last_uid,
                    written,
                    FolderError(
                        _("Message %(uid)d of %(name)s could not be written: %(error)s")
                        % {"uid": uid, "name": old_name, "error": _text(str(exc))}
                    ),
                )
            written += 1
            last_uid = uid
        return last_uid, written, None

    def _prepare(self, batch, known):
        """``(items, skipped)`` of ``batch``: the messages to write
        (``[(uid, body, flags, date)]``) and how many need not be
        (expunged meanwhile, or already in the new folder).
        """
        fetched = self.old.fetch(batch, ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"])
        items = []
        skipped = 0
        for uid in batch:
            data = fetched.get(uid)
            body = (data or {}).get(b"BODY[]")
            if data is None or body is None:
                skipped += 1
                continue
            internaldate = data.get(b"INTERNALDATE")
            if known is not None:
                key = _header_key(_headers_of(body), len(body), internaldate)
                if key in known:
                    skipped += 1
                    continue
                known.add(key)
            flags = [f for f in data.get(b"FLAGS", ()) if f.lower() not in SKIPPED_FLAGS]
            items.append((uid, body, flags, internaldate))
        return items, skipped

    def _writer_pool(self):
        """The writers (``new`` first), opened at the first batch to write;
        a writer that cannot log in is done without.
        """
        if self._pool is None:
            connections = [self.new]
            while self.open_writer is not None and len(connections) < self.writers:
                try:
                    connections.append(self.open_writer())
                except Exception:  # noqa: BLE001 - fewer writers, same result
                    break
            self._extra = connections[1:]
            self._pool = _Writers(self, connections)
        return self._pool

    def close(self):
        """Stop the writers and log their extra connections out."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        for connection in self._extra:
            with contextlib.suppress(Exception):  # leaving anyway
                connection.logout()
        self._extra = []

    def copy_folder(self, old_name, new_name, state, uidvalidity, uids, resync):
        known = None
        ranges = parse_ranges(state.done_ranges)
        if resync:
            known = self._known_keys(new_name)
            # UIDs of another UIDVALIDITY mean nothing any more.
            state.last_uid = 0
            ranges = []
        self.old.select_folder(old_name, readonly=True)
        # Batches handed out and not over: key -> the first UID not handled.
        frontiers = {}
        # Batches at the writers: key -> (UIDs to write, how many skipped,
        # the batch's last UID).
        writing = {}
        handed = {"next": 0}  # index in ``uids`` of the first not handed out
        stop = {"error": None, "cancelled": False}

        def save(copied, done):
            """Save where the folder stands, then count ``copied`` and
            ``done`` messages more.
            """
            pending = list(frontiers.values())
            if handed["next"] < len(uids):
                pending.append(uids[handed["next"]])
            frontier = min(pending) if pending else None
            below = [last for first, last in ranges if frontier is None or last < frontier]
            state.last_uid = max([state.last_uid, *below])
            ranges[:] = [pair for pair in ranges if frontier is not None and pair[0] > frontier]
            state.uidvalidity = uidvalidity
            state.done_ranges = format_ranges(ranges)
            state.copied += copied
            state.save(update_fields=["uidvalidity", "last_uid", "done_ranges", "copied"])
            self._progress(
                messages_done=F("messages_done") + done,
                messages_copied=F("messages_copied") + copied,
            )
            if self.on_batch is not None:
                self.on_batch(self.migration)
            try:
                self._check_cancel()
            except Cancelled:
                stop["cancelled"] = True

        def collect():
            key, (_last_uid, copied, failure) = self._writer_pool().result()
            item_uids, skipped, last = writing.pop(key)
            if failure is None:
                del frontiers[key]
                ranges.append((key, last))
                save(copied, skipped + copied)
            elif isinstance(failure, FolderError):
                # Every UID of the batch below the refused message is done.
                failing = item_uids[copied]
                if failing > key:
                    ranges.append((key, failing - 1))
                frontiers[key] = failing
                save(copied, copied)
                stop["error"] = stop["error"] or failure
            else:
                # The connection was lost: the batch stays to do.
                stop["error"] = stop["error"] or failure

        try:
            for batch in self._batches(uids):
                if stop["error"] is not None or stop["cancelled"]:
                    break
                items, skipped = self._prepare(batch, known)
                key = batch[0]
                handed["next"] = bisect.bisect_right(uids, batch[-1])
                if not items:
                    ranges.append((key, batch[-1]))
                    save(0, skipped)
                    continue
                frontiers[key] = key
                pool = self._writer_pool()
                while len(writing) >= pool.size:
                    collect()
                writing[key] = ([uid for uid, _body, _flags, _date in items], skipped, batch[-1])
                pool.submit(key, new_name, old_name, items)
                del items
        finally:
            # What the writers have was written (or not): record it before
            # anything else, even when reading the old server failed.
            while writing:
                collect()
        if stop["error"] is not None:
            raise stop["error"]
        if stop["cancelled"]:
            raise Cancelled()
        state.uidvalidity = uidvalidity
        state.error = ""
        state.save(update_fields=["uidvalidity", "error"])

    # The job ----------------------------------------------------------------

    def run(self):
        """Copy every selected folder; return the folder errors."""
        try:
            return self._run()
        finally:
            self.close()

    def _run(self):
        plan = self.plan()
        existing = {_text(name) for _flags, _delimiter, name in self.new.list_folders()}
        work = []
        total = 0
        for old_name, new_name in plan:
            state, _created = MigrationFolder.objects.get_or_create(
                migration=self.migration, name=old_name[:255]
            )
            if isinstance(new_name, FolderError):
                work.append((old_name, new_name, state, None))
                continue
            try:
                uidvalidity, uids, resync = self._pending_uids(old_name, state)
            except IMAPClientError as exc:
                error = FolderError(
                    _("Folder %(name)s cannot be read on the old server: %(error)s")
                    % {"name": old_name, "error": _text(str(exc))}
                )
                work.append((old_name, error, state, None))
                continue
            total += len(uids)
            work.append((old_name, new_name, state, (uidvalidity, uids, resync)))
        self._progress(folders_total=len(work), messages_total=total)
        for old_name, new_name, state, pending in work:
            try:
                if isinstance(new_name, FolderError):
                    raise new_name
                self._ensure_folder(old_name, new_name, existing)
                if pending:
                    self.copy_folder(old_name, new_name, state, *pending)
            except FolderError as exc:
                message = str(exc)
                self.errors.append(message)
                state.error = message
                state.save(update_fields=["error"])
                self._progress(
                    folders_failed=F("folders_failed") + 1,
                    last_error="\n".join(self.errors)[-4000:],
                )
                continue
            self._progress(folders_done=F("folders_done") + 1)
        return self.errors
