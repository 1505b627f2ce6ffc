"""Read a quarantined message for display. Mail content is hostile:

- headers and text are plain strings, escaped by the templates;
- HTML is cleaned by nh3 to a small set of tags without any attribute that
  loads anything (no ``src``, no ``style``, no ``<img>``): no remote
  content, no script; the page then shows it in a sandboxed frame;
- attachments are listed (name, type, size), never served nor opened.
"""

from email import message_from_bytes, policy

import nh3

MAX_TEXT = 1024 * 1024

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl",
    "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol",
    "p", "pre", "q", "s", "small", "span", "strike", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"},
    "p": {"align"},
    "div": {"align"},
}


def sanitize_html(html):
    """``html`` with only inert markup left; links keep http(s) and mailto
    targets and never carry the referrer.
    """
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def _header_value(value):
    try:
        return str(value)
    except Exception:  # noqa: BLE001 - malformed encoded words
        return repr(value)


def _text_of(part):
    try:
        content = part.get_content()
    except Exception:  # noqa: BLE001 - unknown charset, broken encoding
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace")
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    return content[:MAX_TEXT]


def parse(source):
    """``{"headers": [(name, value)], "text": str, "html": str,
    "attachments": [{"name", "type", "size"}]}`` of the raw ``source``.
    """
    message = message_from_bytes(source, policy=policy.default)
    headers = []
    for name, value in message.raw_items():
        headers.append((name, _header_value(message.policy.header_fetch_parse(name, value))))
    text_parts, html_parts, attachments = [], [], []
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        if disposition == "attachment" or (
            content_type not in ("text/plain", "text/html") and disposition != "inline"
        ):
            payload = part.get_payload(decode=True) or b""
            try:
                name = part.get_filename()
            except Exception:  # noqa: BLE001
                name = None
            attachments.append({"name": name or "", "type": content_type, "size": len(payload)})
            continue
        if content_type == "text/plain":
            text_parts.append(_text_of(part))
        elif content_type == "text/html":
            html_parts.append(_text_of(part))
    return {
        "headers": headers,
        "subject": _header_value(message.get("Subject", "")),
        "sender": _header_value(message.get("From", "")),
        "text": "\n\n".join(text_parts),
        "html": sanitize_html("\n".join(html_parts)) if html_parts else "",
        "attachments": attachments,
    }
