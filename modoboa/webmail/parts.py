"""Reading a message part by part: the server's BODYSTRUCTURE gives the
tree of the message, the sections to fetch and their sizes; only what a
page shows is fetched (the headers, the text and HTML bodies, one
attachment), never the attachments of a message opened.

The tree is turned into the tree of ``email`` messages reading.analyse
walks (the parts named by the same paths), each node built from its own
MIME header (``BODY.PEEK[<section>.MIME]``, a few hundred bytes): names,
types, dispositions and Content-IDs are read by the same code as when
the whole message is parsed (RFC 2231 names, raw 8-bit values,
backslashes in quoted names: the server's BODYSTRUCTURE rewrites some of
them), and a part's content is decoded with its own MIME header.

Every fetch is a ``BODY.PEEK``: the views mark a message read as before,
with an explicit ``STORE``. A structure the client cannot parse or this
module does not know (message/* other than rfc822, a message/rfc822
holding nothing, deeper than MAX_DEPTH or more than MAX_PARTS nodes, a
message that is itself message/rfc822) falls back to fetching the whole
message (reading.fetch_raw and reading.read): ``Message.fetched`` tells
which (``"parts"`` or ``"whole"``).
"""

import base64
import binascii
import email.parser
import email.policy
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from imapclient import exceptions as imap_exceptions

from . import imap, reading, streaming
from .messages import FLAGS

BOTH = ("text", "html")


class StructureError(Exception):
    """A BODYSTRUCTURE this module does not read: fetch the whole message."""


@dataclass
class Node:
    """A node of the tree: where its MIME header and its content are."""

    header_section: str
    body_section: str | None  # None: a multipart, or an attached message's message
    size: int = 0
    encoding: str = ""
    children: list = field(default_factory=list)


def _atom(value):
    if isinstance(value, bytes):
        return value.decode("ascii", "replace").lower()
    if isinstance(value, str):
        return value.lower()
    if value is None:
        return ""
    raise StructureError("not an atom: %r" % (value,))


def _split(value):
    """``(children, rest)`` of a multipart body, ``(None, value)`` of a
    single part.
    """
    if not isinstance(value, (tuple, list)) or not value:
        raise StructureError("not a body: %r" % (value,))
    if isinstance(value[0], list):
        return value[0], value[1:]
    if isinstance(value[0], tuple):
        children = []
        for index, item in enumerate(value):
            if not isinstance(item, tuple):
                return children, value[index:]
            children.append(item)
        raise StructureError("a multipart without subtype")
    return None, value


def _size(value):
    if isinstance(value, int) and value >= 0:
        return value
    raise StructureError("bad size: %r" % (value,))


def build(structure):
    """The Node tree of a BODYSTRUCTURE as imapclient answers it, or
    StructureError.
    """
    counter = [0]
    children, rest = _split(structure)
    if children is None and _atom(rest[0]) == "message":
        raise StructureError("the message is itself an attached message")
    root = Node(header_section="HEADER", body_section=None if children is not None else "1")
    _fill(root, structure, "", 0, counter)
    return root


def _count(counter, depth):
    counter[0] += 1
    if counter[0] >= reading.MAX_PARTS or depth > reading.MAX_DEPTH:
        raise StructureError("too many parts or too deep")


def _fill(node, value, section, depth, counter):
    """Complete ``node`` (at ``depth``, whose content is ``section``) from
    the body ``value``.
    """
    _count(counter, depth)
    children, rest = _split(value)
    if children is not None:
        node.body_section = None
        for index, child in enumerate(children, 1):
            child_section = "%s.%d" % (section, index) if section else str(index)
            child_node = Node(header_section=child_section + ".MIME", body_section=child_section)
            _fill(child_node, child, child_section, depth + 1, counter)
            node.children.append(child_node)
        return
    if len(rest) < 7:
        raise StructureError("a part without size")
    maintype, subtype = _atom(rest[0]), _atom(rest[1])
    node.encoding = _atom(rest[5])
    node.size = _size(rest[6])
    if maintype != "message":
        return
    if subtype != "rfc822" or len(rest) < 9 or not section:
        raise StructureError("message/%s" % subtype)
    # An attached message: its node holds the message inside, whose
    # header is <section>.HEADER and whose parts are <section>.1...
    inner_children, inner_rest = _split(rest[8])
    if inner_children is None and _atom(inner_rest[0]) == "message":
        raise StructureError("an attached message holding an attached message")
    inner = Node(
        header_section=section + ".HEADER",
        body_section=None if inner_children is not None else section + ".1",
    )
    _count(counter, depth + 1)
    if inner_children is not None:
        for index, child in enumerate(inner_children, 1):
            child_section = "%s.%d" % (section, index)
            child_node = Node(header_section=child_section + ".MIME", body_section=child_section)
            _fill(child_node, child, child_section, depth + 2, counter)
            inner.children.append(child_node)
    else:
        if len(inner_rest) < 7:
            raise StructureError("a part without size")
        inner.encoding = _atom(inner_rest[5])
        inner.size = _size(inner_rest[6])
    node.children.append(inner)


def _nodes(node):
    """Every node of the tree, in walking order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _key(section):
    return ("BODY[%s]" % section).encode()


def _fetch(client, uid, items):
    """The answer to ``UID FETCH uid items``, or MessageNotFound."""
    try:
        fetched = client.fetch([uid], items)
    except imap_exceptions.IMAPClientAbortError:
        raise
    except imap_exceptions.IMAPClientError as exc:
        raise reading.MessageNotFound(_("This message does not exist.")) from exc
    if uid not in fetched:
        raise reading.MessageNotFound(_("This message does not exist (any more)."))
    return fetched[uid]


@dataclass
class Opened:
    """A message opened part by part: its tree (``email`` messages, the
    nodes as ``imap_node``) and what the first FETCH answered.
    """

    uid: int
    size: int
    flags: set
    tree: object


def _open(client, folder, uid, mark_seen):
    """Opened, or None when the structure is not for this module."""
    imap.select(client, folder, readonly=not mark_seen)
    try:
        data = client.fetch([uid], ["RFC822.SIZE", "FLAGS", "BODYSTRUCTURE"])
    except imap_exceptions.IMAPClientAbortError:
        raise
    except imap_exceptions.ProtocolError:
        # An answer imapclient could not parse (its BODYSTRUCTURE).
        return None
    except imap_exceptions.IMAPClientError as exc:
        raise reading.MessageNotFound(_("This message does not exist.")) from exc
    except (ValueError, TypeError, IndexError, RecursionError):
        return None
    if uid not in data:
        raise reading.MessageNotFound(_("This message does not exist (any more)."))
    data = data[uid]
    try:
        root = build(data.get(b"BODYSTRUCTURE"))
    except (StructureError, RecursionError):
        return None
    nodes = list(_nodes(root))
    headers = _fetch(client, uid, ["BODY.PEEK[%s]" % node.header_section for node in nodes])
    messages = {}
    for node in nodes:
        raw_header = headers.get(_key(node.header_section)) or b""
        message = _headers(raw_header)
        message.imap_node = node
        message.imap_header = raw_header
        messages[id(node)] = message
    for node in nodes:
        if node.children:
            parent = messages[id(node)]
            children = [messages[id(child)] for child in node.children]
            if parent.get_content_type() == "multipart/digest":
                # As the parser does: a part of a digest is a message.
                for child in children:
                    child.set_default_type("message/rfc822")
            parent.set_payload(children)
    flags = {flag if isinstance(flag, bytes) else flag.encode() for flag in data.get(b"FLAGS", ())}
    return Opened(
        uid=uid, size=int(data.get(b"RFC822.SIZE", 0)), flags=flags, tree=messages[id(root)]
    )


def _mark_seen(client, uid, flags, on_seen):
    if FLAGS["seen"] not in flags:
        client.add_flags([uid], [FLAGS["seen"]], silent=True)
        flags.add(FLAGS["seen"])
        if on_seen is not None:
            on_seen()


def shown_size(part):
    """The size shown for an attachment: its content's, decoded (about)."""
    node = part.imap_node
    return node.size * 3 // 4 if node.encoding == "base64" else node.size


def _check_size(node):
    if node.size > reading.MAX_FETCH:
        raise imap.ImapError(
            _("This message is too large to be shown here (%d MB).") % (node.size // 1024**2)
        )


def contents(client, uid, parts):
    """``{id(part): full part}`` of ``parts`` (tree nodes with a content):
    their content fetched by section, in one FETCH, and parsed with their
    MIME header.
    """
    parts = [part for part in parts if part is not None]
    if not parts:
        return {}
    for part in parts:
        _check_size(part.imap_node)
    sections = sorted({part.imap_node.body_section for part in parts})
    fetched = _fetch(client, uid, ["BODY.PEEK[%s]" % section for section in sections])
    bodies = {section: fetched.pop(_key(section), None) or b"" for section in sections}
    del fetched
    result = {}
    for part in parts:
        # What the parser makes of the part's header and content (the
        # content, as it is, the payload), without its copies of a large
        # content line by line.
        full = _headers(part.imap_header)
        full.set_payload(bodies[part.imap_node.body_section].decode("ascii", "surrogateescape"))
        result[id(part)] = full
    return result


def _headers(raw_header):
    """An ``email`` message of the header ``raw_header``, without content."""
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(
        raw_header, headersonly=True
    )
    message.set_payload("")
    return message


def open_message(client, folder, uid, mark_seen=False, on_seen=None, bodies=BOTH):
    """The reading.Message of message ``uid`` of ``folder`` with the
    bodies named in ``bodies`` (``"text"``, ``"html"``), fetching only
    its structure, its headers and those bodies (the others stay empty);
    when ``mark_seen`` turns it from unread to read (an explicit STORE:
    every fetch is a PEEK), ``on_seen()`` is called.
    """
    opened = _open(client, folder, uid, mark_seen)
    if opened is None:
        raw, flags = reading.fetch_raw(client, folder, uid, mark_seen=mark_seen, on_seen=on_seen)
        result = reading.read(raw, uid=uid, flags=flags)
        result.fetched = "whole"
        return result
    result, text_part, html_part = reading.analyse(
        opened.tree, uid=uid, raw_size=opened.size, flags=opened.flags, size_of=shown_size
    )
    wanted = [
        part
        for name, part in (("text", text_part), ("html", html_part))
        if name in bodies and part is not None
    ]
    full = contents(client, uid, wanted)
    reading.set_bodies(
        result,
        reading.body_text(full[id(text_part)]) if id(text_part) in full else None,
        reading.body_text(full[id(html_part)]) if id(html_part) in full else None,
    )
    if mark_seen:
        _mark_seen(client, uid, result.flags, on_seen)
    result.fetched = "parts"
    return result


def _whole_part(client, folder, uid, path):
    """The part at ``path`` of the whole message (the former way)."""
    raw, _flags = reading.fetch_raw(client, folder, uid)
    return reading.find_part(reading.parse(raw), path)


def _describe(found, path):
    """``(filename, content type)`` of a part to download."""
    if found.get_content_type() == "message/rfc822":
        inner = found.get_payload()
        subject = reading.header(inner[0], "Subject") if isinstance(inner, list) and inner else ""
        filename = reading.safe_filename(found.get_filename() or subject, "message")
        if not filename.lower().endswith(".eml"):
            filename += ".eml"
        return filename, "message/rfc822"
    content_type = reading.safe_content_type(found)
    filename = reading.safe_filename(found.get_filename(), "part-%s" % path)
    return filename, content_type


def _base64(body):
    """The base64 ``body`` decoded as the ``email`` package decodes it when
    it is valid (its line breaks dropped, its padding completed), without
    its copies line by line; None when it is not.
    """
    encoded = body.replace(b"\r", b"").replace(b"\n", b"")
    missing = len(encoded) % 4
    if missing:
        encoded += b"==="[: 4 - missing]
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None


def section_bytes(client, uid, part):
    """The decoded content of the leaf ``part`` of the tree, fetching its
    section only.
    """
    node = part.imap_node
    _check_size(node)
    fetched = _fetch(client, uid, ["BODY.PEEK[%s]" % node.body_section])
    body = fetched.pop(_key(node.body_section), None) or b""
    del fetched
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding == "base64" and part.get_content_type() != "message/rfc822":
        data = _base64(body)
        if data is not None:
            return data
    full = _headers(part.imap_header)
    full.set_payload(body.decode("ascii", "surrogateescape"))
    del body
    return reading.part_bytes(full)


@dataclass
class Download:
    """A part to send: its name and type, and either its bytes (``data``:
    a small part, read whole with its first range, or a part read the
    former way) or the section to send range by range (``section``, its
    ``size`` on the server, its transfer ``encoding``, its first range
    read already in ``first``).
    """

    filename: str
    content_type: str
    data: bytes | None = None
    section: str | None = None
    size: int = 0
    encoding: str = ""
    first: bytes = b""

    @property
    def length(self):
        """The exact length of the bytes sent, or None when it is not known
        before they are (an encoded part).
        """
        if self.data is not None:
            return len(self.data)
        if isinstance(streaming.decoder_for(self.encoding), streaming.Identity):
            return self.size
        return None


def _whole_download(found, path):
    """The Download of a part the whole message's parser cut (``found``)."""
    return Download(*_describe(found, path), data=reading.part_bytes(found))


def _transfer_encoding(part):
    """The transfer encoding as ``email`` reads it (get_payload)."""
    if part.get_content_type() == "message/rfc822":
        return ""
    return str(part.get("content-transfer-encoding", "")).lower()


def fetch_range(client, uid, section, offset, length):
    """``length`` bytes (fewer at the end) of ``section`` from ``offset``."""
    fetched = _fetch(client, uid, ["BODY.PEEK[%s]<%d.%d>" % (section, offset, length)])
    prefix = _key(section)
    for key, value in fetched.items():
        if isinstance(key, bytes) and key.startswith(prefix):
            return value or b""
    raise reading.MessageNotFound(_("This message does not exist (any more)."))


def _section_download(client, uid, part, path, section, size, encoding):
    """The Download of ``section``: its first range read (a part read
    whole in it: its bytes).
    """
    filename, content_type = _describe(part, path)
    if size > streaming.max_download():
        raise imap.ImapError(
            _("This message is too large to be shown here (%d MB).") % (size // 1024**2)
        )
    decoder = streaming.decoder_for(encoding)
    if decoder is None:
        # uuencode: decoded whole by the email package.
        return Download(filename, content_type, data=section_bytes(client, uid, part))
    first = fetch_range(client, uid, section, 0, streaming.CHUNK)
    if len(first) < streaming.CHUNK:
        return Download(filename, content_type, data=streaming.decode_all(decoder, first))
    return Download(
        filename, content_type, section=section, size=size, encoding=encoding, first=first
    )


def chunks(client, uid, download):
    """The decoded bytes of the Download ``download``, range by range (its
    first one read already); StreamingError when the server's answers do
    not make the section announced (its size in the BODYSTRUCTURE).
    """
    decoder = streaming.decoder_for(download.encoding)
    limit = max(download.size, streaming.max_download())
    # The first range is not kept once decoded.
    data, download.first, offset = download.first, b"", 0
    while True:
        offset += len(data)
        piece = decoder.feed(data)
        if piece:
            yield piece
        if len(data) < streaming.CHUNK:
            break
        if offset > limit:
            raise streaming.StreamingError("more than the size of the part announced")
        data = fetch_range(client, uid, download.section, offset, streaming.CHUNK)
    piece = decoder.finish()
    if piece:
        yield piece
    if offset != download.size:
        # Fewer bytes than the structure announced (the message expunged
        # meanwhile: the server answers nothing): cut, not a short file.
        raise streaming.StreamingError("%d bytes read, %d announced" % (offset, download.size))


def open_download(client, folder, uid, path):
    """The Download of the part at ``path`` (an attachment): its section
    only (an attached message: its source), its first range read.
    """
    opened = _open(client, folder, uid, mark_seen=False)
    if opened is None:
        return _whole_download(_whole_part(client, folder, uid, path), path)
    part = reading.find_part(opened.tree, path)
    node = part.imap_node
    if part.get_content_type() == "message/rfc822" and path != "0" and node.children:
        return _section_download(client, uid, part, path, node.body_section, node.size, "")
    if node.body_section is None or part.is_multipart():
        # A multipart or the message inside an attached one (no link
        # leads there): as the whole message's parser cuts it.
        return _whole_download(_whole_part(client, folder, uid, path), path)
    return _section_download(
        client, uid, part, path, node.body_section, node.size, _transfer_encoding(part)
    )


def _read(client, uid, download):
    if download.data is not None:
        return download.data
    return b"".join(chunks(client, uid, download))


def part_download(client, folder, uid, path):
    """``(bytes, filename, content type)`` of the part at ``path`` (an
    attachment), read whole (open_download and chunks, joined).
    """
    download = open_download(client, folder, uid, path)
    return _read(client, uid, download), download.filename, download.content_type


def open_inline(client, folder, uid, content_id):
    """The Download of the inline image of ``content_id`` (raster types
    only), or MessageNotFound.
    """
    opened = _open(client, folder, uid, mark_seen=False)
    if opened is None:
        raw, _flags = reading.fetch_raw(client, folder, uid)
        inline, tree = reading.read(raw, uid=uid).inline, reading.parse(raw)
    else:
        result, _text, _html = reading.analyse(
            opened.tree, uid=uid, raw_size=opened.size, flags=opened.flags, size_of=shown_size
        )
        inline, tree = result.inline, opened.tree
    path = inline.get(content_id)
    if path is None:
        raise reading.MessageNotFound(_("This part does not exist."))
    found = reading.find_part(tree, path)
    content_type = found.get_content_type().lower()
    if content_type not in reading.INLINE_IMAGE_TYPES:
        raise reading.MessageNotFound(_("This part does not exist."))
    name = reading.safe_filename(found.get_filename(), "image-%s" % path)
    if opened is None:
        return Download(name, content_type, data=reading.part_bytes(found))
    node = found.imap_node
    download = _section_download(
        client, uid, found, path, node.body_section, node.size, _transfer_encoding(found)
    )
    download.filename, download.content_type = name, content_type
    return download


def header_text(client, folder, uid):
    """The header section of message ``uid``, as text (its bytes only)."""
    imap.select(client, folder, readonly=True)
    fetched = _fetch(client, uid, ["BODY.PEEK[HEADER]"])
    head = fetched.get(b"BODY[HEADER]")
    if head is None:
        raise reading.MessageNotFound(_("This message does not exist (any more)."))
    end = head.find(b"\r\n\r\n")
    if end < 0:
        end = head.find(b"\n\n")
    head = head if end < 0 else head[:end]
    return head.decode("utf-8", "replace")
