"""The connection to the user's mailbox on the IMAP server.

The panel never knows the user's password: it logs in through Dovecot's
master user (``modoboa.core.mail_access.credentials_for``). Folder names
are Unicode everywhere in the webmail; imapclient encodes them in modified
UTF-7 and quotes them on the wire, and decodes the names the server lists.

Every failure is one of the exceptions below, whose text is a sentence for
the user: pages and API views show it instead of failing.

Usage::

    with open_mailbox(request.user) as client:
        client.select_folder("INBOX", readonly=True)
        ...

A connection whose block ended without error is kept, logged in, for the
next page of the same mailbox (``MODOBOA_WEBMAIL_KEEP_IMAP_SECONDS``, 60 by
default, 0: never), instead of a new connection and login per page: each
process keeps at most one idle connection per mailbox, server and
credentials, checked with a NOOP before it is used again.
"""

import hashlib
import ssl
import threading
import time
from contextlib import contextmanager

import imapclient
from django.conf import settings
from django.utils.translation import gettext as _
from imapclient import exceptions as imap_exceptions

from modoboa.core import mail_access

from . import app_settings

DEFAULT_TIMEOUT = 20
#: Idle connections a process keeps at most.
MAX_KEPT = 100

_kept = {}
_kept_lock = threading.Lock()

#: The special folders, their SPECIAL-USE flag (RFC 6154) and the user
#: parameter naming them.
SPECIAL_FOLDERS = {
    "sent": (rb"\Sent", "sent_folder"),
    "drafts": (rb"\Drafts", "drafts_folder"),
    "trash": (rb"\Trash", "trash_folder"),
    "junk": (rb"\Junk", "junk_folder"),
}


class WebmailError(Exception):
    """Base of the webmail's errors; the text is meant for the user."""


class MailboxUnavailable(WebmailError):
    """The panel cannot open this account's mailbox (no mailbox, or the
    master user is not configured).
    """


class ImapUnavailable(WebmailError):
    """The IMAP server does not answer, or the connection broke."""


class ImapLoginRefused(ImapUnavailable):
    """The IMAP server refused the panel's (master) login."""


class ImapError(WebmailError):
    """The IMAP server refused a command."""


class FolderNotFound(ImapError):
    """The folder does not exist (or cannot be selected)."""


def server_settings():
    """``(host, port, secured)`` of the IMAP server, from the parameters."""
    host = app_settings.global_value("imap_server") or "127.0.0.1"
    port = int(app_settings.global_value("imap_port") or 143)
    secured = bool(app_settings.global_value("imap_secured"))
    return host, port, secured


def connect(timeout=DEFAULT_TIMEOUT):
    """A new, not logged-in client to the configured server."""
    host, port, secured = server_settings()
    where = "%s:%s" % (host, port)
    try:
        return imapclient.IMAPClient(
            host,
            port=port,
            ssl=secured,
            ssl_context=ssl.create_default_context() if secured else None,
            timeout=timeout,
            use_uid=True,
        )
    except (OSError, imap_exceptions.IMAPClientError) as exc:
        raise ImapUnavailable(
            _("The IMAP server at %(where)s does not answer (%(error)s).")
            % {"where": where, "error": exc}
        ) from exc


def _close(client):
    try:
        client.logout()
    except (OSError, imap_exceptions.IMAPClientError):
        try:
            client.shutdown()
        except (OSError, imap_exceptions.IMAPClientError):
            pass


def keep_seconds():
    return int(getattr(settings, "MODOBOA_WEBMAIL_KEEP_IMAP_SECONDS", 60))


def _kept_key(credentials, timeout):
    host, port, secured = server_settings()
    secret = hashlib.sha256(str(credentials.secret).encode()).hexdigest()
    return (host, port, secured, credentials.login, secret, timeout)


def _take(key):
    """A kept connection for ``key`` still answering, or None; the ones
    idle too long are closed.
    """
    now = time.monotonic()
    limit = keep_seconds()
    with _kept_lock:
        entry = _kept.pop(key, None)
        stale = [other for other, (_c, used) in _kept.items() if now - used > limit]
        closing = [_kept.pop(other)[0] for other in stale]
    for client in closing:
        _close(client)
    if entry is None:
        return None
    client, used = entry
    if now - used > limit:
        _close(client)
        return None
    try:
        client.noop()
    except (imap_exceptions.IMAPClientError, OSError):
        _close(client)
        return None
    return client


def _give_back(key, client):
    if keep_seconds() <= 0:
        _close(client)
        return
    with _kept_lock:
        if key not in _kept and len(_kept) < MAX_KEPT:
            _kept[key] = (client, time.monotonic())
            return
    _close(client)


def close_kept_connections():
    """Log out every kept connection of this process."""
    with _kept_lock:
        clients = [client for client, _used in _kept.values()]
        _kept.clear()
    for client in clients:
        _close(client)


def _login(credentials, timeout):
    client = connect(timeout)
    host, port, _secured = server_settings()
    where = "%s:%s" % (host, port)
    try:
        client.login(credentials.login, credentials.secret)
    except imap_exceptions.LoginError as exc:
        _close(client)
        raise ImapLoginRefused(
            _("The IMAP server at %(where)s refused the panel's login for %(address)s.")
            % {"where": where, "address": credentials.address}
        ) from exc
    except (imap_exceptions.IMAPClientAbortError, OSError) as exc:
        _close(client)
        raise ImapUnavailable(
            _("The IMAP server at %(where)s stopped answering (%(error)s).")
            % {"where": where, "error": exc}
        ) from exc
    return client


@contextmanager
def open_mailbox(user, timeout=DEFAULT_TIMEOUT):
    """Yield an imapclient.IMAPClient logged in to ``user``'s mailbox
    (``user`` is an account, a mailbox or an address).

    Raises MailboxUnavailable, ImapUnavailable, ImapLoginRefused; errors of
    the server met inside the block come out as ImapError (a refused
    command) or ImapUnavailable (the connection broke).
    """
    try:
        credentials = mail_access.credentials_for(user)
    except mail_access.MailAccessError as exc:
        raise MailboxUnavailable(str(exc)) from exc
    key = _kept_key(credentials, timeout)
    client = _take(key) or _login(credentials, timeout)
    host, port, _secured = server_settings()
    where = "%s:%s" % (host, port)
    finished = False
    try:
        yield client
        finished = True
    except (imap_exceptions.IMAPClientAbortError, OSError) as exc:
        raise ImapUnavailable(
            _("The IMAP server at %(where)s stopped answering (%(error)s).")
            % {"where": where, "error": exc}
        ) from exc
    except imap_exceptions.IMAPClientError as exc:
        raise ImapError(_("The IMAP server refused the operation: %s") % _text(exc)) from exc
    finally:
        if finished:
            _give_back(key, client)
        else:
            _close(client)


def _text(exc):
    text = str(exc)
    for prefix in ("b'", 'b"'):
        if text.startswith(prefix) and text.endswith(text[1]):
            text = text[2:-1]
    return text


def list_folders(client):
    """``[(flags, delimiter, name)]`` of the mailbox, names as Unicode."""
    result = []
    for flags, delimiter, name in client.list_folders():
        if isinstance(delimiter, bytes):
            delimiter = delimiter.decode("ascii", "replace")
        if isinstance(name, bytes):
            name = name.decode("utf-8", "replace")
        result.append((tuple(flags), delimiter, name))
    return result


def special_folders(client, user, folders=None):
    """``{"sent"|"drafts"|"trash"|"junk": name}`` for ``user``'s mailbox.

    A folder the user named in its preferences wins when it exists; then
    the folder the server marks with the SPECIAL-USE flag; else the
    configured name (the folder may not exist yet, see ensure_folder).
    """
    if folders is None:
        folders = list_folders(client)
    names = {name for _flags, _delimiter, name in folders}
    result = {}
    for kind, (flag, parameter) in SPECIAL_FOLDERS.items():
        configured = app_settings.user_value(user, parameter)
        if configured in names:
            result[kind] = configured
            continue
        flagged = [name for flags, _delimiter, name in folders if flag in flags]
        result[kind] = flagged[0] if flagged else configured
    return result


def special_folder(client, user, kind, create=False):
    """The name of ``user``'s special folder ``kind``; created when asked
    and missing.
    """
    name = special_folders(client, user)[kind]
    if create:
        ensure_folder(client, name)
    return name


def forget_selection(client):
    """The folders changed (renamed, deleted, closed): select again next
    time.
    """
    client.modoboa_selected = None
    client.modoboa_sorted = None


def selected_folder(client):
    """The name of the folder ``select`` left selected, or None."""
    selected = getattr(client, "modoboa_selected", None)
    return selected[0] if selected else None


def ensure_folder(client, name):
    """Create the folder ``name`` (and subscribe to it) if it is missing."""
    if not client.folder_exists(name):
        client.create_folder(name)
        try:
            client.subscribe_folder(name)
        except imap_exceptions.IMAPClientError:
            pass
    return name


def select(client, name, readonly=False):
    """Select the folder ``name``; FolderNotFound when it does not exist.

    On a kept connection (open_mailbox) that has ``name`` selected already,
    in read-write mode or in the mode asked, nothing is sent: the server
    keeps a selected folder up to date at every command (the NOOP checking
    the connection included), and selecting a large folder again costs the
    server a new read of its index. Then the answer is None (the SELECT's
    answer otherwise).
    """
    selected = getattr(client, "modoboa_selected", None)
    if selected is not None and selected[0] == name and (readonly or not selected[1]):
        return None
    client.modoboa_selected = None
    # What messages.list_messages kept of the former selection.
    client.modoboa_sorted = None
    try:
        answer = client.select_folder(name, readonly=readonly)
        client.modoboa_selected = (name, readonly)
        return answer
    except imap_exceptions.IMAPClientAbortError:
        raise
    except imap_exceptions.IMAPClientError as exc:
        raise FolderNotFound(_("The folder %s does not exist.") % name) from exc
