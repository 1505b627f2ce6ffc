"""The copy of one mailbox from the old server to the new one.

Folder by folder: the messages whose UID is above the last one copied
(per folder, with the folder's UIDVALIDITY) are fetched in batches bounded
in count and bytes, and appended one at a time with their flags and
INTERNALDATE; the position is saved after each batch, so an interrupted
or repeated run goes on where the last one stopped. When the old folder's
UIDVALIDITY changed (or a folder that already holds mail is copied for the
first time), the messages already in the new folder are recognised by
Message-ID (or size and date when they have none) and not copied again.
"""

import email.parser
import email.policy

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from imapclient.exceptions import IMAPClientError

from . import services
from .models import Migration, MigrationFolder

# A batch: at most this many messages, and this many bytes (a larger
# message goes alone).
BATCH_MESSAGES = 250
BATCH_BYTES = 8 * 1024 * 1024
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


def _headers_of(body):
    end = body.find(b"\r\n\r\n")
    if end < 0:
        end = body.find(b"\n\n")
    return body if end < 0 else body[: end + 2]


class Copier:
    """Copy the mail of ``migration`` from ``old`` to ``new`` (logged in
    IMAPClient connections). ``on_batch`` (tests, progress) is called after
    each saved batch.
    """

    def __init__(self, migration, old, new, *, create_folders=True, on_batch=None):
        self.migration = migration
        self.old = old
        self.new = new
        self.create_folders = create_folders
        self.on_batch = on_batch
        self.errors = []
        self.multiappend = b"MULTIAPPEND" in set(new.capabilities())

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
        if state.uidvalidity == uidvalidity and state.last_uid:
            criteria = ["UID", "%d:*" % (state.last_uid + 1)]
            uids = [uid for uid in self.old.search(criteria) if uid > state.last_uid]
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

    def _write(self, new_name, old_name, items):
        """APPEND ``items`` (``[(uid, body, flags, date)]``) to the new
        folder; return the UID of the last one written. One MULTIAPPEND
        when the server has it (one commit, hence one sync to disk, for the
        batch); when it refuses the batch (all or nothing, RFC 3502), one
        APPEND at a time finds the message at fault.
        """
        if self.multiappend and len(items) > 1:
            try:
                self.new.multiappend(
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
                self.new.append(new_name, body, flags=flags, msg_time=date)
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

    def copy_folder(self, old_name, new_name, state, uidvalidity, uids, resync):
        known = None
        if resync:
            known = self._known_keys(new_name)
            # UIDs of another UIDVALIDITY mean nothing any more.
            state.last_uid = 0
        self.old.select_folder(old_name, readonly=True)
        for batch in self._batches(uids):
            fetched = self.old.fetch(batch, ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"])
            items = []
            skipped_to = state.last_uid
            done = 0
            for uid in batch:
                data = fetched.get(uid)
                body = (data or {}).get(b"BODY[]")
                if data is None or body is None:
                    # Expunged meanwhile, or already in the new folder.
                    if not items:
                        skipped_to = uid
                    done += 1
                    continue
                internaldate = data.get(b"INTERNALDATE")
                if known is not None:
                    key = _header_key(_headers_of(body), len(body), internaldate)
                    if key in known:
                        if not items:
                            skipped_to = uid
                        done += 1
                        continue
                    known.add(key)
                flags = [f for f in data.get(b"FLAGS", ()) if f.lower() not in SKIPPED_FLAGS]
                items.append((uid, body, flags, internaldate))
            del fetched
            last_uid, copied, error = None, 0, None
            if items:
                last_uid, copied, error = self._write(new_name, old_name, items)
            done += copied
            # The batch is behind us (skipped messages included), or up to
            # the message that could not be written.
            last_uid = batch[-1] if error is None else (last_uid or skipped_to)
            state.uidvalidity = uidvalidity
            state.last_uid = (
                max(state.last_uid, last_uid or 0) if not resync else (last_uid or state.last_uid)
            )
            state.copied += copied
            state.save(update_fields=["uidvalidity", "last_uid", "copied"])
            self._progress(
                messages_done=F("messages_done") + done,
                messages_copied=F("messages_copied") + copied,
            )
            if error is not None:
                raise error
            if self.on_batch is not None:
                self.on_batch(self.migration)
            self._check_cancel()
        state.uidvalidity = uidvalidity
        state.error = ""
        state.save(update_fields=["uidvalidity", "error"])

    # The job ----------------------------------------------------------------

    def run(self):
        """Copy every selected folder; return the folder errors."""
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
