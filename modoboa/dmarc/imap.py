"""``import_aggregated_report --imap``: import the report mails of an IMAP
folder, then move each one to another folder.

A mail whose reports are rejected is moved too (the log says why): only a
failure of the import itself (the database is down...) leaves it in place,
to be tried again by the next run.
"""

import imaplib
import logging
import os
import re
import ssl
from dataclasses import dataclass

from . import parser
from .services import import_mail

logger = logging.getLogger("modoboa.dmarc")

USER_VARIABLE = "MODOBOA_DMARC_IMAP_USER"
PASSWORD_VARIABLE = "MODOBOA_DMARC_IMAP_PASSWORD"  # noqa: S105 - a variable name
_size_re = re.compile(rb"RFC822\.SIZE (\d+)")


class ImapError(Exception):
    """The IMAP session cannot go on; the text says why."""


@dataclass
class ImapSettings:
    host: str
    port: int
    security: str  # "ssl", "starttls" or "none"
    mailbox: str
    move_to: str
    user: str
    password: str
    timeout: float = 30.0


def read_credentials(path=None, environ=None):
    """``(user, password)`` from ``path`` (first line the login, second the
    password) or else from the environment. Raise ImapError.
    """
    environ = os.environ if environ is None else environ
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                lines = handle.read(4096).splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ImapError("cannot read the credentials file %s: %s" % (path, exc)) from None
        if len(lines) < 2 or not lines[0].strip() or not lines[1]:
            raise ImapError(
                "the credentials file %s must hold the login on its first line "
                "and the password on its second" % path
            )
        return lines[0].strip(), lines[1]
    user, password = environ.get(USER_VARIABLE, ""), environ.get(PASSWORD_VARIABLE, "")
    if not user or not password:
        raise ImapError(
            "no IMAP credentials: give --credentials-file or set %s and %s"
            % (USER_VARIABLE, PASSWORD_VARIABLE)
        )
    return user, password


def quote(name, option):
    """An IMAP quoted string for the folder ``name`` (ASCII only)."""
    if not name or not name.isascii() or any(ord(char) < 32 for char in name):
        raise ImapError("%s: a folder name must be printable ASCII: %r" % (option, name))
    return '"%s"' % name.replace("\\", "\\\\").replace('"', '\\"')


def connect(config):
    try:
        if config.security == "ssl":
            client = imaplib.IMAP4_SSL(
                config.host,
                config.port,
                ssl_context=ssl.create_default_context(),
                timeout=config.timeout,
            )
        else:
            client = imaplib.IMAP4(config.host, config.port, timeout=config.timeout)
            if config.security == "starttls":
                client.starttls(ssl_context=ssl.create_default_context())
        client.login(config.user, config.password)
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
        raise ImapError(
            "IMAP connection to %s:%d failed: %s" % (config.host, config.port, exc)
        ) from None
    return client


def _check(answer, what):
    status, data = answer
    if status != "OK":
        detail = b" ".join(item for item in data if isinstance(item, bytes)).decode(
            "utf-8", "replace"
        )
        raise ImapError("%s failed: %s" % (what, detail))
    return data


def _ensure_folder(client, folder):
    status, data = client.list('""', folder)
    if status == "OK" and any(item for item in data if item):
        return
    _check(client.create(folder), "CREATE %s" % folder)


def _move(client, uid, folder):
    if "MOVE" in client.capabilities:
        _check(client.uid("MOVE", uid, folder), "MOVE")
        return
    _check(client.uid("COPY", uid, folder), "COPY")
    _check(client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)"), "STORE")
    if "UIDPLUS" in client.capabilities:
        _check(client.uid("EXPUNGE", uid), "EXPUNGE")
    else:
        _check(client.expunge(), "EXPUNGE")


def _fetch(client, uid):
    data = _check(client.uid("FETCH", uid, "(RFC822.SIZE)"), "FETCH")
    match = _size_re.search(b" ".join(item for item in data if isinstance(item, bytes)))
    if match and int(match.group(1)) > parser.MAX_MAIL_SIZE:
        return None
    data = _check(client.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    return b""


def run(config):
    """Import every mail of the folder; return the ImportOutcome."""
    from .services import ImportOutcome

    mailbox = quote(config.mailbox, "--mailbox")
    folder = quote(config.move_to, "--move-to")
    if config.mailbox == config.move_to:
        raise ImapError("--move-to must differ from --mailbox")
    total = ImportOutcome()
    client = connect(config)
    try:
        _check(client.select(mailbox), "SELECT %s" % config.mailbox)
        _ensure_folder(client, folder)
        data = _check(client.uid("SEARCH", None, "ALL"), "SEARCH")
        uids = (data[0] or b"").split()
        for uid in uids:
            raw = _fetch(client, uid.decode())
            if raw is None:
                total.errors.append(
                    "message %s: larger than %d bytes" % (uid.decode(), parser.MAX_MAIL_SIZE)
                )
                logger.warning("DMARC report rejected: IMAP message %s is too large", uid.decode())
            else:
                total.extend(import_mail(raw))
            _move(client, uid.decode(), folder)
        client.close()
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapError("IMAP session failed: %s" % exc) from None
    finally:
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
    return total
