"""Reading one message: fetching it, walking its MIME tree (bounded depth and
part count: hostile mail may nest thousands of parts), choosing its text
and HTML bodies, listing its attachments (those of attached messages
too), serving a part with a safe name and type.

Parts are named by their path in the tree: ``0`` is the message itself,
``1.2`` the second child of its first child. An attached message
(message/rfc822) has one child, the message inside.
"""

import email.parser
import email.policy
import email.utils
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from imapclient import exceptions as imap_exceptions

from . import imap
from .messages import FLAGS, decode_bytes, decode_header

MAX_FETCH = 50 * 1024 * 1024
MAX_DEPTH = 20
MAX_PARTS = 500
MAX_TEXT = 1024 * 1024

#: Content types a browser may receive as they are (never HTML, SVG, XML
#: or anything a browser would run); everything else is sent as
#: application/octet-stream.
SAFE_TYPES = {
    "image/png",
    "image/gif",
    "image/jpeg",
    "image/webp",
    "image/bmp",
    "application/pdf",
    "text/plain",
    "text/csv",
    "audio/mpeg",
    "audio/ogg",
    "video/mp4",
    "application/zip",
    "application/octet-stream",
}
INLINE_IMAGE_TYPES = {"image/png", "image/gif", "image/jpeg", "image/webp", "image/bmp"}


class MessageNotFound(imap.FolderNotFound):
    """No message with this UID in the folder (or no such part)."""


@dataclass
class Attachment:
    part: str
    filename: str
    content_type: str
    size: int
    parent: str = ""  # the subject of the attached message holding it

    def as_dict(self):
        return {
            "part": self.part,
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "in_message": self.parent,
        }


@dataclass
class Message:
    uid: int
    raw_size: int
    headers: dict
    text: str = ""
    html: str | None = None
    text_truncated: bool = False
    attachments: list = field(default_factory=list)
    inline: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    flags: set = field(default_factory=set)
    #: "whole": fetched whole and parsed; "parts": part by part (parts.py).
    fetched: str = "whole"


def parse(raw):
    """The message of ``raw`` bytes; the compat32 policy keeps headers as
    they came (they are decoded for display by decode_header).
    """
    return email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw)


def fetch_raw(client, folder, uid, mark_seen=False, on_seen=None):
    """``(raw bytes, flags)`` of message ``uid`` of ``folder``; when
    ``mark_seen`` turns it from unread to read, ``on_seen()`` is called.
    """
    imap.select(client, folder, readonly=not mark_seen)
    try:
        sizes = client.fetch([uid], ["RFC822.SIZE", "FLAGS"])
    except imap_exceptions.IMAPClientAbortError:
        raise
    except imap_exceptions.IMAPClientError as exc:
        raise MessageNotFound(_("This message does not exist.")) from exc
    if uid not in sizes:
        raise MessageNotFound(_("This message does not exist (any more)."))
    size = int(sizes[uid].get(b"RFC822.SIZE", 0))
    if size > MAX_FETCH:
        raise imap.ImapError(
            _("This message is too large to be shown here (%d MB).") % (size // 1024**2)
        )
    fetched = client.fetch([uid], ["BODY.PEEK[]"])
    raw = fetched.get(uid, {}).get(b"BODY[]")
    if raw is None:
        raise MessageNotFound(_("This message does not exist (any more)."))
    flags = set(sizes[uid].get(b"FLAGS", ()))
    if mark_seen and FLAGS["seen"] not in flags:
        client.add_flags([uid], [FLAGS["seen"]], silent=True)
        flags.add(FLAGS["seen"])
        if on_seen is not None:
            on_seen()
    return raw, flags


def walk(message):
    """Yield ``(path, part, depth, inside)`` for the tree of ``message``
    (``inside``: the attached message holding the part, or None), within
    MAX_DEPTH and MAX_PARTS.
    """
    count = 0
    stack = [("0", message, 0, None)]
    while stack:
        path, part, depth, inside = stack.pop()
        count += 1
        if count > MAX_PARTS:
            return
        yield path, part, depth, inside
        if depth >= MAX_DEPTH or not part.is_multipart():
            continue
        children = part.get_payload()
        if not isinstance(children, list):
            continue
        holder = part if part.get_content_type() == "message/rfc822" else inside
        prefix = "" if path == "0" else path + "."
        for index in range(len(children) - 1, -1, -1):
            child = children[index]
            if hasattr(child, "get_content_type"):
                stack.append(("%s%d" % (prefix, index + 1), child, depth + 1, holder))


def find_part(message, path):
    """The part of ``message`` at ``path``, or MessageNotFound."""
    if not re.fullmatch(r"0|[1-9]\d{0,3}(\.[1-9]\d{0,3}){0,%d}" % MAX_DEPTH, path or ""):
        raise MessageNotFound(_("This part does not exist."))
    part = message
    if path == "0":
        return part
    for index in path.split("."):
        children = part.get_payload() if part.is_multipart() else None
        if not isinstance(children, list) or int(index) > len(children):
            raise MessageNotFound(_("This part does not exist."))
        part = children[int(index) - 1]
    return part


def safe_filename(name, fallback):
    """A file name for a download: no directory, no control or invisible
    characters, no leading dot, bounded; ``fallback`` when nothing is left.
    """
    name = decode_header(name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(
        char for char in name if unicodedata.category(char)[0] != "C" and char not in '<>:"|?*'
    )
    name = name.strip().lstrip(".").strip()
    if len(name) > 150:
        stem, dot, extension = name.rpartition(".")
        name = (stem[:140] + dot + extension[:9]) if dot and len(extension) < 10 else name[:150]
    return name or fallback


def safe_content_type(part):
    content_type = part.get_content_type().lower()
    if content_type not in SAFE_TYPES:
        return "application/octet-stream"
    if content_type.startswith("text/"):
        return "%s; charset=%s" % (content_type, _charset_name(part))
    return content_type


def _charset_name(part):
    charset = part.get_content_charset() or "utf-8"
    return charset if re.fullmatch(r"[A-Za-z0-9_.:-]{1,40}", charset) else "utf-8"


def part_bytes(part):
    """The decoded content of a part (an attached message: its source)."""
    if part.get_content_type() == "message/rfc822" or part.is_multipart():
        payload = part.get_payload()
        if isinstance(payload, list) and payload and part.get_content_type() == "message/rfc822":
            try:
                return payload[0].as_bytes(policy=email.policy.compat32)
            except (ValueError, LookupError, TypeError, UnicodeError, RecursionError):
                return str(payload[0]).encode("utf-8", "replace")
        try:
            return part.as_bytes(policy=email.policy.compat32)
        except (ValueError, LookupError, TypeError, UnicodeError, RecursionError):
            return b""
    try:
        data = part.get_payload(decode=True)
    except (ValueError, LookupError, TypeError):
        data = None
    if data is None:
        payload = part.get_payload()
        data = payload.encode("utf-8", "replace") if isinstance(payload, str) else b""
    return data


def header(part, name):
    """A header of ``part`` as text (raw 8-bit values included), or ""."""
    try:
        return decode_header(part.get(name))
    except (ValueError, TypeError, LookupError):
        return ""


def _is_attachment(part):
    disposition = header(part, "Content-Disposition").split(";")[0].strip().lower()
    return (
        disposition == "attachment"
        or bool(part.get_param("filename", header="content-disposition"))
        or bool(part.get_param("name"))
    )


def _text(part):
    return decode_bytes(part_bytes(part), part.get_content_charset())


def _approximate_size(part):
    payload = part.get_payload()
    if isinstance(payload, str):
        encoding = header(part, "Content-Transfer-Encoding").strip().lower()
        return len(payload) * 3 // 4 if encoding == "base64" else len(payload)
    return len(part_bytes(part))


def _header_values(message):
    result = {}
    for name in ("Subject", "From", "To", "Cc", "Reply-To", "Date", "Message-ID"):
        try:
            values = message.get_all(name) or []
        except (ValueError, TypeError):
            values = []
        result[name.lower()] = ", ".join(decode_header(value) for value in values)
    result["date_parsed"] = None
    if result["date"]:
        try:
            result["date_parsed"] = email.utils.parsedate_to_datetime(result["date"])
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
    return result


def read(raw, uid=0, flags=()):
    """Analyse ``raw``: headers, bodies, attachments, inline parts."""
    message = parse(raw)
    result, text_part, html_part = analyse(
        message, uid=uid, raw_size=len(raw), flags=flags, size_of=_approximate_size
    )
    set_bodies(
        result,
        _text(text_part) if text_part is not None else None,
        _text(html_part) if html_part is not None else None,
    )
    return result


def set_bodies(result, text, html):
    """Give ``result`` its text (bounded to MAX_TEXT) and HTML bodies."""
    if text is not None:
        if len(text) > MAX_TEXT:
            text = text[:MAX_TEXT]
            result.text_truncated = True
        result.text = text
    if html is not None:
        result.html = html


def body_text(part):
    """The decoded text of a (text) part, in its charset or a fallback."""
    return _text(part)


def analyse(message, uid, raw_size, flags, size_of):
    """``(Message, text part, HTML part)`` of the tree of ``message``: its
    headers, attachments and inline parts, and the parts holding its
    bodies (None when it has none), not yet decoded. ``size_of(part)`` is
    the size shown for an attachment.

    The tree is the one the parser made of the whole message (read) or
    the one built from the server's BODYSTRUCTURE and the parts' MIME
    headers (parts.open_message): the choices are the same.
    """
    result = Message(uid=uid, raw_size=raw_size, headers=_header_values(message), flags=set(flags))
    text_part = html_part = None
    count = 0
    for path, part, _depth, inside in walk(message):
        count += 1
        try:
            content_type = part.get_content_type().lower()
        except (ValueError, TypeError):
            continue
        if content_type == "message/rfc822" and path != "0":
            inner = part.get_payload()
            subject = ""
            if isinstance(inner, list) and inner:
                subject = header(inner[0], "Subject")
            filename = safe_filename(part.get_filename() or subject, "message")
            if not filename.lower().endswith(".eml"):
                filename += ".eml"
            result.attachments.append(
                Attachment(
                    part=path,
                    filename=filename,
                    content_type="message/rfc822",
                    size=size_of(part),
                    parent=header(inside.get_payload()[0], "Subject")
                    if inside is not None
                    else "",
                )
            )
            continue
        if part.is_multipart():
            continue
        content_id = header(part, "Content-ID").strip().strip("<>").strip()
        if content_id and content_type in INLINE_IMAGE_TYPES and inside is None:
            result.inline.setdefault(content_id, path)
        attachment = _is_attachment(part)
        if inside is None and not attachment:
            if content_type == "text/plain" and text_part is None:
                text_part = part
                continue
            if content_type == "text/html" and html_part is None:
                html_part = part
                continue
        if content_id and not attachment and content_type in INLINE_IMAGE_TYPES:
            continue
        if inside is not None and not attachment and content_type in ("text/plain", "text/html"):
            # The body of an attached message: it is in the .eml download.
            continue
        if content_type.startswith("multipart/"):
            continue
        parent = ""
        if inside is not None:
            inner = inside.get_payload()
            parent = header(inner[0], "Subject") if isinstance(inner, list) and inner else ""
        result.attachments.append(
            Attachment(
                part=path,
                filename=safe_filename(part.get_filename(), "part-%s" % path),
                content_type=content_type,
                size=size_of(part),
                parent=parent or "",
            )
        )
    if count >= MAX_PARTS:
        result.warnings.append(_("This message has too many parts: only the first are shown."))
    return result, text_part, html_part
