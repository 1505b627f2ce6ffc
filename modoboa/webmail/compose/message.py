"""Building the messages the webmail sends, with the ``email`` package.

Everything a user typed goes through here before it reaches a header:

- a line break (or any other control character) in a header value or an
  address is refused with a :class:`ComposeError` naming the field, never
  folded or stripped: a header can never be injected;
- recipients are parsed as RFC 5322 address lists (``Name <addr>``,
  ``addr``, separated by commas) and each address is validated;
- the HTML part is cleaned by nh3 (no script, no event attribute, links
  to http, https and mailto only) and a plain text alternative is derived
  from it;
- attachment names are reduced to a safe file name.

Replies and forwards read the original message (hostile by default): its
headers are parsed with the ``default`` policy, its text decoded with
replacement characters when its charset lies.
"""

import email
import email.policy
import html
import re
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parsedate_to_datetime
from html.parser import HTMLParser

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from ..sanitize import clean_outgoing

# Characters never allowed in a header value typed by a user (tab is).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u0085\u2028\u2029]")
MAX_REFERENCES = 20
MAX_FILENAME_LENGTH = 200


class ComposeError(ValueError):
    """Bad input for a message: ``field`` names the form field."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def check_header_value(field_name, value):
    """Refuse ``value`` if it holds a line break or a control character."""
    if value and _CONTROL_RE.search(value):
        raise ComposeError(field_name, _("Line breaks and control characters are not allowed."))
    return value or ""


def _address(field_name, name, addr_spec):
    """An :class:`Address` for ``name <addr_spec>``, validated."""
    addr_spec = addr_spec.strip()
    try:
        validate_email(addr_spec)
    except ValidationError as exc:
        raise ComposeError(
            field_name, _("%(address)s is not a valid address.") % {"address": addr_spec}
        ) from exc
    local, domain = addr_spec.rsplit("@", 1)
    try:
        domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ComposeError(
            field_name, _("%(address)s is not a valid address.") % {"address": addr_spec}
        ) from exc
    try:
        return Address(display_name=name.strip(), username=local, domain=domain)
    except (ValueError, TypeError) as exc:
        raise ComposeError(
            field_name, _("%(address)s is not a valid address.") % {"address": addr_spec}
        ) from exc


def parse_addresses(field_name, value):
    """Parse a comma separated list of addresses (``Name <addr>`` or
    ``addr``) into :class:`Address` objects; raise :class:`ComposeError`
    naming the first bad one.
    """
    check_header_value(field_name, value)
    value = (value or "").strip().strip(",;")
    if not value:
        return []
    if '"' not in value:
        value = value.replace(";", ",")
    header = email.policy.default.header_factory("To", value)
    if header.defects:
        raise ComposeError(
            field_name,
            _("%(value)s is not a valid list of addresses (separate them with commas).")
            % {"value": value},
        )
    result, seen = [], set()
    for parsed in header.addresses:
        address = _address(field_name, parsed.display_name, parsed.addr_spec)
        key = address.addr_spec.lower()
        if key not in seen:
            seen.add(key)
            result.append(address)
    return result


def format_addresses(addresses):
    """The text a user sees for a list of :class:`Address`."""
    return ", ".join(str(address) for address in addresses)


def safe_filename(name, default="attachment"):
    """A file name without directory, control character or leading dot."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _CONTROL_RE.sub("", name).replace("\t", " ")
    name = name.replace('"', "'").strip().lstrip(".").strip()
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_FILENAME_LENGTH - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_FILENAME_LENGTH]
    return name or default


def sanitize_html(text):
    """The HTML body as it is sent: cleaned by nh3 with the allow-list of
    the messages the webmail shows (sanitize.clean_outgoing).
    """
    return clean_outgoing(text or "")


class _TextExtractor(HTMLParser):
    BLOCKS = {
        "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "hr",
        "blockquote", "ul", "ol",
    }  # fmt: skip
    SKIP = {"script", "style", "head", "title"}
    #: Blocks opening no new line when one has just begun (an item of a
    #: list, a quote or a division right after a block).
    SOFT = {"li", "blockquote", "div"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.skipping = 0
        self.links = []
        self.quote = 0
        self.line_start = True

    def _newline(self, tag=None):
        if tag in self.SOFT and self.line_start and self.parts:
            return
        self.parts.append("\n")
        self.line_start = True

    def _text(self, text):
        if self.line_start and self.quote:
            self.parts.append("> " * self.quote)
        self.parts.append(text)
        self.line_start = False

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self._newline(tag)
        if tag == "blockquote":
            self.quote += 1
        if tag == "li":
            self._text("- ")
        if tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS and tag != "br":
            self._newline(tag)
        if tag == "blockquote":
            self.quote = max(0, self.quote - 1)
        if tag == "a" and self.links:
            href = self.links.pop()
            if href and href.startswith(("http://", "https://")):
                self._text(" <%s>" % href)

    def handle_data(self, data):
        if not self.skipping:
            text = re.sub(r"\s+", " ", data)
            if self.line_start:
                text = text.lstrip()
            if text:
                self._text(text)


def html_to_text(text):
    """A readable plain text version of an HTML body (list items with a
    dash, quotes with ``>``, links followed by their address).
    """
    parser = _TextExtractor()
    parser.feed(text or "")
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).splitlines()]
    result = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return result.strip() + "\n"


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Draft:
    """What a user composes."""

    sender: Address
    to: list = field(default_factory=list)
    cc: list = field(default_factory=list)
    bcc: list = field(default_factory=list)
    subject: str = ""
    text: str = ""
    html: str = ""
    attachments: list = field(default_factory=list)
    in_reply_to: str = ""
    references: list = field(default_factory=list)
    forwarded: bytes = b""
    forwarded_name: str = ""

    @property
    def recipients(self):
        return [address.addr_spec for address in self.to + self.cc + self.bcc]


def _split_type(content_type):
    maintype, _slash, subtype = (content_type or "").partition("/")
    if not re.fullmatch(r"[a-z0-9][a-z0-9!#$&^_.+-]*", maintype or "") or not re.fullmatch(
        r"[a-z0-9][a-z0-9!#$&^_.+-]*", subtype or ""
    ):
        return "application", "octet-stream"
    if maintype in ("multipart", "message"):
        return "application", "octet-stream"
    return maintype, subtype


def build_message(draft, *, date=None, message_id=None):
    """The :class:`EmailMessage` of ``draft`` (Bcc included: the SMTP client
    drops it from what it transmits, the Sent and Drafts copies keep it).
    """
    check_header_value("subject", draft.subject)
    check_header_value("in_reply_to", draft.in_reply_to)
    for reference in draft.references:
        check_header_value("in_reply_to", reference)
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = draft.sender
    if draft.to:
        message["To"] = draft.to
    if draft.cc:
        message["Cc"] = draft.cc
    if draft.bcc:
        message["Bcc"] = draft.bcc
    message["Subject"] = draft.subject
    message["Date"] = format_datetime(date) if date else email.utils.formatdate(localtime=True)
    message["Message-ID"] = message_id or make_msgid(domain=draft.sender.domain)
    if draft.in_reply_to:
        message["In-Reply-To"] = draft.in_reply_to
    if draft.references:
        message["References"] = " ".join(draft.references[-MAX_REFERENCES:])
    message["MIME-Version"] = "1.0"
    if draft.html.strip():
        cleaned = sanitize_html(draft.html)
        message.set_content(html_to_text(cleaned))
        message.add_alternative(
            "<!DOCTYPE html><html><body>%s</body></html>\n" % cleaned, subtype="html"
        )
    else:
        message.set_content(draft.text or "")
    for attachment in draft.attachments:
        if attachment.content_type == "message/rfc822":
            inner = email.message_from_bytes(attachment.data, policy=email.policy.SMTP)
            message.add_attachment(inner, filename=safe_filename(attachment.filename))
            continue
        maintype, subtype = _split_type(attachment.content_type)
        message.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=safe_filename(attachment.filename),
        )
    if draft.forwarded:
        original = email.message_from_bytes(draft.forwarded, policy=email.policy.SMTP)
        message.add_attachment(original, filename=safe_filename(draft.forwarded_name))
    return message


# Replies and forwards -------------------------------------------------------


def parse_original(raw):
    """The original message (bytes) as an :class:`EmailMessage`."""
    return email.message_from_bytes(raw, policy=email.policy.default)


def _header(message, name):
    """A header of a hostile message as one line of text ('' if broken)."""
    try:
        value = message.get(name)
    except (IndexError, ValueError, TypeError, LookupError):
        return ""
    return _CONTROL_RE.sub(" ", str(value or "")).strip()


def _addresses_of(message, *names):
    values = [_header(message, name) for name in names]
    result = []
    for name, addr in getaddresses([value for value in values if value]):
        if "@" not in addr:
            continue
        try:
            result.append(_address("to", name, addr))
        except ComposeError:
            continue
    return result


def _dedupe(addresses, excluded):
    result, seen = [], {address.lower() for address in excluded}
    for address in addresses:
        key = address.addr_spec.lower()
        if key not in seen:
            seen.add(key)
            result.append(address)
    return result


def reply_recipients(original, own_addresses, reply_all=False):
    """(To, Cc) of a reply to ``original`` by the owner of ``own_addresses``.

    To is the Reply-To (or From) of the original; when the original was sent
    by the user (a message of its Sent folder) the reply goes to the same
    recipients. Reply-all adds the other To and Cc recipients in Cc, the
    user's own addresses removed.
    """
    own = {address.lower() for address in own_addresses}
    senders = _addresses_of(original, "From")
    if senders and all(address.addr_spec.lower() in own for address in senders):
        to = _dedupe(_addresses_of(original, "To"), own) or senders
        cc = _dedupe(_addresses_of(original, "Cc"), own) if reply_all else []
        return to, _dedupe(cc, [a.addr_spec for a in to])
    to = _dedupe(_addresses_of(original, "Reply-To") or senders, ())
    if not reply_all:
        return to, []
    others = _addresses_of(original, "To", "Cc")
    cc = _dedupe(others, own | {address.addr_spec.lower() for address in to})
    return to, cc


def _prefixed(prefix, subject):
    subject = subject.strip()
    if re.match(r"(?i)^%s\s*:" % re.escape(prefix), subject):
        return subject
    return "%s: %s" % (prefix, subject)


def reply_subject(original):
    return _prefixed("Re", _header(original, "Subject"))


def forward_subject(original):
    return _prefixed("Fwd", _header(original, "Subject"))


def reply_references(original):
    """(In-Reply-To, References) of a reply to ``original``."""
    message_id = _header(original, "Message-ID")
    if not re.fullmatch(r"<[^<>\s]+>", message_id):
        message_id = ""
    references = re.findall(r"<[^<>\s]+>", _header(original, "References"))
    if message_id:
        references.append(message_id)
    return message_id, references[-MAX_REFERENCES:]


def _decoded(part):
    try:
        return part.get_content()
    except (LookupError, UnicodeError, AssertionError, KeyError, ValueError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def body_text(original):
    """The text of ``original`` (its plain part, or its HTML part as text)."""
    try:
        part = original.get_body(preferencelist=("plain", "html"))
    except (KeyError, ValueError, TypeError):
        part = None
    if part is None:
        return ""
    text = _decoded(part)
    if not isinstance(text, str):
        return ""
    if part.get_content_subtype() == "html":
        return html_to_text(text)
    return text


def original_attachments(original):
    """The attachments of ``original`` (forwarded inline with its text)."""
    result = []
    for part in original.iter_attachments():
        filename = part.get_filename() or ""
        if part.get_content_maintype() == "multipart":
            continue
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            filename = filename or "message.eml"
            inner = part.get_payload()
            if not isinstance(inner, list) or not inner:
                continue
            payload = inner[0].as_bytes(policy=email.policy.SMTP)
        else:
            payload = part.get_payload(decode=True)
        if payload is None:
            continue
        result.append(
            Attachment(filename=safe_filename(filename), content_type=content_type, data=payload)
        )
    return result


def _date(original):
    value = _header(original, "Date")
    try:
        return format_datetime(parsedate_to_datetime(value)) if value else ""
    except (TypeError, ValueError, IndexError):
        return value


def quote_reply(original):
    """The body of a reply: an attribution line and the quoted text."""
    text = body_text(original).replace("\r\n", "\n")
    quoted = "\n".join("> " + line if line else ">" for line in text.rstrip("\n").split("\n"))
    attribution = _("On %(date)s, %(sender)s wrote:") % {
        "date": _date(original),
        "sender": _header(original, "From"),
    }
    return "\n\n%s\n%s\n" % (attribution, quoted)


def forward_inline(original):
    """The body of an inline forward: the original's main headers and text."""
    lines = ["", "", "-------- %s --------" % _("Forwarded message")]
    for label, name in (
        (_("Subject"), "Subject"),
        (_("Date"), "Date"),
        (_("From"), "From"),
        (_("To"), "To"),
        (_("Cc"), "Cc"),
    ):
        value = _date(original) if name == "Date" else _header(original, name)
        if value:
            lines.append("%s: %s" % (label, value))
    lines.append("")
    lines.append(body_text(original).replace("\r\n", "\n"))
    return "\n".join(lines)


def text_to_html(text):
    """Plain text as HTML paragraphs (for the HTML editor)."""
    return "".join(
        "<p>%s</p>" % html.escape(line) if line else "<p><br></p>" for line in text.split("\n")
    )


def attachment_name(original):
    """The file name of ``original`` forwarded as an attachment."""
    subject = _header(original, "Subject") or "message"
    return safe_filename(subject + ".eml", default="message.eml")
