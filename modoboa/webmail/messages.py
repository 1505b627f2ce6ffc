r"""Message lists of a folder (server-side sort and search by UID, pages),
flags, moves, deletion and junk marking.

Search terms never reach the server as raw text: control characters are
removed, then they go as literals (``{n}`` and the bytes, ``CHARSET
UTF-8``) or, when they hold a space, quoted with ``\\`` and ``"`` escaped;
folder names are quoted and encoded in modified UTF-7. Nothing the user
types can end the command or add one.
"""

import datetime
import email.errors
import email.header
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from imapclient import exceptions as imap_exceptions
from imapclient.imapclient import _literal as imap_literal

from . import imap, learning

SORT_KEYS = {"date": "DATE", "from": "FROM", "subject": "SUBJECT", "size": "SIZE"}
SEARCH_FIELDS = ("from", "to", "subject", "body")
MAX_TERM_LENGTH = 200
MAX_UIDS = 1000

FLAGS = {
    "seen": b"\\Seen",
    "flagged": b"\\Flagged",
    "answered": b"\\Answered",
    "forwarded": b"$Forwarded",
}


class MessageError(imap.WebmailError):
    """A message operation refused (bad input...)."""


def clean_term(value):
    """A search term without control characters, trimmed and bounded."""
    value = "".join(char for char in str(value or "") if ord(char) >= 32 and ord(char) != 127)
    return value.strip()[:MAX_TERM_LENGTH]


@dataclass
class Search:
    """What the user searches: a term in some fields, a date range."""

    text: str = ""
    fields: tuple = ("from", "subject")
    since: datetime.date | None = None
    before: datetime.date | None = None

    def criteria(self):
        criteria = []
        text = clean_term(self.text)
        if text:
            keys = [(name.upper() if name != "body" else "BODY") for name in self.fields]
            keys = [key for key in keys if key in ("FROM", "TO", "SUBJECT", "BODY")] or ["TEXT"]
            # A literal: the server reads the term as bytes of a known
            # length, whatever they are (imapclient sends it quoted, escaped,
            # when it holds a space; control characters are gone).
            term = imap_literal(text.encode("utf-8"))
            alternatives = [[key, term] for key in keys]
            while len(alternatives) > 1:
                second = alternatives.pop()
                first = alternatives.pop()
                alternatives.append(["OR", first, second])
            criteria.extend(alternatives[0])
        if self.since:
            criteria.extend(["SENTSINCE", self.since])
        if self.before:
            # The Date header's day; SENTBEFORE is exclusive: the user's end
            # date is included.
            criteria.extend(["SENTBEFORE", self.before + datetime.timedelta(days=1)])
        return criteria or ["ALL"]

    @property
    def active(self):
        return bool(clean_term(self.text) or self.since or self.before)


def decode_header(value):
    """A header's text for display: encoded words decoded, unknown charsets
    and bytes replaced, control characters (CR, LF...) turned into spaces.
    """
    if value is None:
        return ""
    if isinstance(value, str) and any("\udc80" <= char <= "\udcff" for char in value):
        # Raw 8-bit bytes the parser kept as surrogates.
        value = value.encode("ascii", "surrogateescape")
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace") if _is_utf8(value) else value.decode("latin-1")
    try:
        parts = email.header.decode_header(value)
    except (ValueError, TypeError, LookupError, email.errors.HeaderParseError):
        parts = [(str(value), None)]
    text = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            chunk = decode_bytes(chunk, charset)
        text.append(chunk)
    result = "".join(text)
    return "".join(" " if ord(char) < 32 or ord(char) == 127 else char for char in result).strip()


def _is_utf8(data):
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_bytes(data, charset=None):
    """Text of ``data`` in ``charset``; wrong or unknown charsets fall back
    to UTF-8, then Latin-1 (which never fails).
    """
    import codecs

    if charset:
        charset = str(charset).strip().strip('"').lower()
        try:
            codecs.lookup(charset)
        except LookupError:
            charset = None
    if charset:
        try:
            return data.decode(charset)
        except (UnicodeDecodeError, LookupError):
            pass
    if _is_utf8(data):
        return data.decode("utf-8")
    if charset in (None, "utf-8", "utf8", "us-ascii", "ascii"):
        # Mislabelled 8-bit text is most often Latin-1 (which never fails).
        return data.decode("latin-1")
    return data.decode(charset, "replace")


def _address_list(addresses):
    result = []
    for address in addresses or ():
        name = decode_header(address.name) if address.name else ""
        mailbox = (address.mailbox or b"").decode("utf-8", "replace")
        host = (address.host or b"").decode("utf-8", "replace")
        full = "%s@%s" % (mailbox, host) if host else mailbox
        full = decode_header(full)
        result.append({"name": name, "address": full})
    return result


@dataclass
class Summary:
    uid: int
    subject: str
    sender: list
    to: list
    date: datetime.datetime | None
    size: int
    flags: set = field(default_factory=set)

    @property
    def seen(self):
        return FLAGS["seen"] in self.flags

    @property
    def flagged(self):
        return FLAGS["flagged"] in self.flags

    @property
    def answered(self):
        return FLAGS["answered"] in self.flags

    @property
    def forwarded(self):
        return FLAGS["forwarded"] in self.flags

    @property
    def sender_label(self):
        if not self.sender:
            return ""
        first = self.sender[0]
        return first["name"] or first["address"]

    def as_dict(self):
        return {
            "uid": self.uid,
            "subject": self.subject,
            "sender": self.sender,
            "to": self.to,
            "date": self.date.isoformat() if self.date else None,
            "size": self.size,
            "seen": self.seen,
            "flagged": self.flagged,
            "answered": self.answered,
            "forwarded": self.forwarded,
        }


@dataclass
class Page:
    items: list
    total: int
    number: int
    per_page: int

    @property
    def pages(self):
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self):
        return self.number < self.pages

    @property
    def has_previous(self):
        return self.number > 1


def _summary(uid, data):
    envelope = data.get(b"ENVELOPE")
    subject = decode_header(envelope.subject) if envelope and envelope.subject else ""
    date = data.get(b"INTERNALDATE")
    if envelope and envelope.date:
        date = envelope.date
    return Summary(
        uid=uid,
        subject=subject,
        sender=_address_list(envelope.from_ if envelope else ()),
        to=_address_list(envelope.to if envelope else ()),
        date=date,
        size=int(data.get(b"RFC822.SIZE", 0)),
        flags={
            flag if isinstance(flag, bytes) else flag.encode() for flag in data.get(b"FLAGS", ())
        },
    )


def sorted_uids(client, sort="-date", search=None):
    """The UIDs of the selected folder matching ``search``, in the order of
    ``sort`` (``date``, ``from``, ``subject``, ``size``; ``-`` reverses).
    SORT when the server has it, else SEARCH (in arrival order).
    """
    reverse = sort.startswith("-")
    key = SORT_KEYS.get(sort.lstrip("-"), "DATE")
    criteria = (search or Search()).criteria()
    if client.has_capability("SORT"):
        order = ["REVERSE", key] if reverse else [key]
        return client.sort(order, criteria, charset="UTF-8")
    uids = sorted(client.search(criteria, charset="UTF-8"))
    return list(reversed(uids)) if reverse else uids


def parse_ranges(text):
    """``b"2:4,9,7:8"`` -> ``[(2, 4), (9, 9), (7, 8)]`` (the order kept)."""
    result = []
    for item in text.split(b","):
        if not item:
            continue
        first, _sep, last = item.partition(b":")
        start = int(first)
        end = int(last) if last else start
        result.append((start, end))
    return result


def _expand(start, end):
    step = 1 if end >= start else -1
    return range(start, end + step, step)


def slice_ranges(ranges, total, offset, limit, reverse=False):
    """The UIDs at positions ``offset`` to ``offset + limit`` of the
    sequence ``ranges`` describes (read backwards when ``reverse``),
    without expanding the whole sequence.
    """
    if reverse:
        ranges = [(end, start) for start, end in reversed(ranges)]
    result = []
    position = 0
    for start, end in ranges:
        size = abs(end - start) + 1
        if position + size <= offset:
            position += size
            continue
        values = _expand(start, end)
        skip = max(0, offset - position)
        for uid in values[skip:]:
            if len(result) == limit:
                return result
            result.append(uid)
        position += size
        if len(result) == limit:
            break
    return result


def _esort_page(client, sort, search, per_page, page):
    """``(total, uids of the page)`` with ESORT (RFC 5267): the server
    answers ranges of UIDs in the ascending order of the key (compact for a
    date order), read backwards for a descending sort.
    """
    reverse = sort.startswith("-")
    total, ranges = _sorted_ranges(client, imap.selected_folder(client), sort, search)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    chosen = slice_ranges(ranges, total, (page - 1) * per_page, per_page, reverse)
    return total, page, chosen


#: Ranges of UIDs a kept connection remembers per sort of its folder at
#: most (a date order is one range or a few; other orders are not kept).
MAX_KEPT_RANGES = 64


def _folder_state(client):
    """``(highest UID, count)`` of the selected folder: one ``UID SEARCH
    RETURN (MAX COUNT) ALL``, which reads no message. Two equal states of
    one selection hold the same messages: a new message has a UID above
    every earlier one, and removing messages lowers the count.
    """
    answer = client._raw_command_untagged(
        b"SEARCH", [b"RETURN", b"(MAX COUNT)", b"ALL"], uid=True, response_name="ESEARCH"
    )
    words = (answer[0] if answer else b"").upper().split()
    values = {}
    for index, word in enumerate(words[:-1]):
        if word in (b"MAX", b"COUNT"):
            values[word] = int(words[index + 1])
    return values.get(b"MAX", 0), values.get(b"COUNT", 0)


def _sorted_ranges(client, folder, sort, search):
    """``(total, ranges)`` of the folder's UIDs in ``sort`` order (ESORT).

    Without a search, the answer is kept on the connection with the
    folder's state, and given again while the state is the same (a date
    order of a large folder costs the server a sort of every message's
    date; the state, a few milliseconds): the keys (dates, sizes,
    addresses, subjects) of a message never change. imap.select forgets
    it when the folder is selected again.
    """
    if (search and search.active) or folder is None or not client.has_capability("ESEARCH"):
        return _esort(client, sort, search)
    state = _folder_state(client)
    memory = getattr(client, "modoboa_sorted", None)
    if memory is None or memory[0] != folder:
        memory = client.modoboa_sorted = (folder, {})
    # One answer for both directions: the ascending order.
    key = sort.lstrip("-")
    kept = memory[1].get(key)
    if kept is not None and kept[0] == state:
        return kept[1]
    # The state is read first: a message arriving meanwhile makes the next
    # state differ, and the folder sorted again.
    answer = _esort(client, sort, search)
    if len(answer[1]) <= MAX_KEPT_RANGES:
        memory[1][key] = (state, answer)
    else:
        memory[1].pop(key, None)
    return answer


def _esort(client, sort, search):
    """``(total, ranges)``: ESORT (RFC 5267) with ``RETURN (COUNT ALL)``."""
    from imapclient.imapclient import _normalise_search_criteria

    key = SORT_KEYS.get(sort.lstrip("-"), "DATE").encode()
    criteria = _normalise_search_criteria((search or Search()).criteria(), "UTF-8")
    answer = client._raw_command_untagged(
        b"SORT",
        [b"RETURN", b"(COUNT ALL)", b"(" + key + b")", b"UTF-8", *criteria],
        uid=True,
        response_name="ESEARCH",
    )
    words = (answer[0] if answer else b"").split()
    total, ranges = 0, []
    for index, word in enumerate(words[:-1]):
        if word.upper() == b"COUNT":
            total = int(words[index + 1])
        elif word.upper() == b"ALL":
            ranges = parse_ranges(words[index + 1])
    return total, ranges


def list_messages(client, folder, sort="-date", search=None, page=1, per_page=40):
    """One page of ``folder``'s messages.

    The folder is selected read-write (SELECT, not EXAMINE): the kept
    connection then opens a message of the list, marks it read, flags or
    moves it without selecting the folder again, which costs the server a
    new read of a large folder's index (60 ms at 100,000 messages).
    """
    imap.select(client, folder)
    try:
        if client.has_capability("ESORT"):
            total, page, chosen = _esort_page(client, sort, search, per_page, page)
        else:
            uids = sorted_uids(client, sort, search)
            total = len(uids)
            pages = max(1, -(-total // per_page))
            page = min(max(1, page), pages)
            chosen = uids[(page - 1) * per_page : page * per_page]
    except imap_exceptions.IMAPClientAbortError:
        raise
    except imap_exceptions.IMAPClientError as exc:
        raise MessageError(_("The server refused this search: %s") % imap._text(exc)) from exc
    items = []
    if chosen:
        fetched = client.fetch(chosen, ["ENVELOPE", "FLAGS", "RFC822.SIZE", "INTERNALDATE"])
        items = [_summary(uid, fetched[uid]) for uid in chosen if uid in fetched]
    return Page(items=items, total=total, number=page, per_page=per_page)


def parse_uids(values):
    """UIDs given by the user (strings or ints): positive integers, at most
    MAX_UIDS, or MessageError.
    """
    if isinstance(values, (str, int)):
        values = [values]
    result = []
    for value in values or ():
        try:
            uid = int(str(value).strip())
        except ValueError:
            raise MessageError(_("%s is not a message number.") % str(value)[:40]) from None
        if uid <= 0 or uid > 2**32 - 1:
            raise MessageError(_("%s is not a message number.") % uid)
        result.append(uid)
    if not result:
        raise MessageError(_("Select at least one message."))
    if len(result) > MAX_UIDS:
        raise MessageError(_("Select at most %d messages at once.") % MAX_UIDS)
    return sorted(set(result))


def set_flag(client, folder, uids, flag, value=True):
    if flag not in FLAGS:
        raise MessageError(_("Unknown flag: %s") % str(flag)[:40])
    imap.select(client, folder)
    uids = parse_uids(uids)
    if value:
        client.add_flags(uids, [FLAGS[flag]], silent=True)
    else:
        client.remove_flags(uids, [FLAGS[flag]], silent=True)
    return len(uids)


def _move(client, uids, target):
    if client.has_capability("MOVE"):
        client.move(uids, target)
        return
    client.copy(uids, target)
    client.add_flags(uids, [b"\\Deleted"], silent=True)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)
    else:
        client.expunge()


def move(client, folder, uids, target):
    """Move messages of ``folder`` to the existing folder ``target``."""
    uids = parse_uids(uids)
    if not target or not client.folder_exists(target):
        raise imap.FolderNotFound(_("The folder %s does not exist.") % target)
    if target == folder:
        return 0
    imap.select(client, folder)
    _move(client, uids, target)
    return len(uids)


def delete(client, user, folder, uids):
    """Move messages to the Trash; in the Trash, delete them for good."""
    uids = parse_uids(uids)
    trash = imap.special_folder(client, user, "trash", create=True)
    imap.select(client, folder)
    if folder == trash:
        client.add_flags(uids, [b"\\Deleted"], silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)
        else:
            client.expunge()
    else:
        _move(client, uids, trash)
    return len(uids)


def mark_junk(client, user, folder, uids, junk=True):
    """Junk: move to the Junk folder; not junk: from it to INBOX. Where the
    quarantine learns, SpamAssassin learns the messages too.
    """
    uids = parse_uids(uids)
    junk_folder = imap.special_folder(client, user, "junk", create=junk)
    if junk:
        if folder == junk_folder:
            return 0
        target = junk_folder
        flags = ([b"$Junk"], [b"$NotJunk"])
    else:
        target = "INBOX"
        flags = ([b"$NotJunk"], [b"$Junk"])
    imap.select(client, folder)
    learning.learn(client, user, uids, spam=junk)
    try:
        client.add_flags(uids, flags[0], silent=True)
        client.remove_flags(uids, flags[1], silent=True)
    except imap_exceptions.IMAPClientAbortError:
        raise
    except imap_exceptions.IMAPClientError:
        pass
    if target != folder and (junk or folder == junk_folder):
        _move(client, uids, target)
    return len(uids)
