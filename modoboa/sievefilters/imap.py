"""The mailbox's folders, read over IMAP with the panel's master login."""

import base64
import imaplib
import re
import ssl

from django.utils.translation import gettext as _

from modoboa.core import mail_access

DEFAULT_TIMEOUT = 10


class ImapUnavailable(Exception):
    """The IMAP server does not answer or refuses the panel's login."""


def decode_mutf7(name):
    """Decode an IMAP folder name (modified UTF-7, RFC 3501 5.1.3)."""
    result, position = [], 0
    while position < len(name):
        char = name[position]
        if char != "&":
            result.append(char)
            position += 1
            continue
        end = name.find("-", position)
        if end < 0:
            raise ValueError("unterminated shift in %r" % name)
        chunk = name[position + 1 : end]
        if not chunk:
            result.append("&")
        else:
            data = chunk.replace(",", "/")
            data += "=" * (-len(data) % 4)
            result.append(base64.b64decode(data).decode("utf-16-be"))
        position = end + 1
    return "".join(result)


def encode_mutf7(name):
    """Encode ``name`` in modified UTF-7."""
    result, pending = [], []

    def flush():
        if pending:
            data = base64.b64encode("".join(pending).encode("utf-16-be")).decode()
            result.append("&%s-" % data.rstrip("=").replace("/", ","))
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            result.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(result)


_LIST = re.compile(rb'\((?P<flags>[^)]*)\) (?P<sep>"[^"]*"|NIL) (?P<name>.+)$')


def _name(raw):
    raw = raw.strip()
    if raw.startswith(b'"') and raw.endswith(b'"'):
        raw = re.sub(rb"\\(.)", rb"\1", raw[1:-1])
    return raw.decode("ascii", "replace")


def list_folders(target, host, port, secured=False, timeout=DEFAULT_TIMEOUT):
    """Return the folder names of ``target``'s mailbox, decoded (UTF-8),
    sorted, with INBOX first. Names Sieve's ``fileinto`` takes.
    """
    try:
        credentials = mail_access.credentials_for(target)
    except mail_access.MailAccessError as exc:
        raise ImapUnavailable(str(exc)) from exc
    where = "%s:%s" % (host, port)
    try:
        if secured:
            client = imaplib.IMAP4_SSL(
                host, int(port), ssl_context=ssl.create_default_context(), timeout=timeout
            )
        else:
            client = imaplib.IMAP4(host, int(port), timeout=timeout)
    except OSError as exc:
        raise ImapUnavailable(
            _("The IMAP server at %(where)s does not answer (%(error)s).")
            % {"where": where, "error": exc}
        ) from exc
    try:
        try:
            client.login(credentials.login, credentials.secret)
        except imaplib.IMAP4.error as exc:
            raise ImapUnavailable(
                _("The IMAP server at %(where)s refused the panel's login for %(address)s.")
                % {"where": where, "address": credentials.address}
            ) from exc
        status, lines = client.list()
        if status != "OK":
            raise ImapUnavailable(_("The IMAP server at %s cannot list the folders.") % where)
        names = []
        for line in lines:
            if isinstance(line, tuple):  # a literal: (b'(flags) sep {n}', b'name')
                head, literal = line
                match = _LIST.match(head.rsplit(b" ", 1)[0] + b" x")
                raw = literal
            else:
                match = _LIST.match(line or b"")
                raw = match.group("name") if match else b""
            if not match or b"\\noselect" in match.group("flags").lower():
                continue
            try:
                names.append(decode_mutf7(_name(raw)))
            except ValueError:
                continue
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapUnavailable(
            _("The IMAP server at %(where)s stopped answering (%(error)s).")
            % {"where": where, "error": exc}
        ) from exc
    finally:
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
    names = sorted(set(names), key=lambda name: (name.upper() != "INBOX", name.lower()))
    return names
