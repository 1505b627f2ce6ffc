"""The IMAP connections of a migration: the old server (a provider, the
user's old credentials) and this platform's server (the Dovecot master
user, see :mod:`modoboa.core.mail_access`). Timeouts everywhere, and
typed errors that say which server failed and why.
"""

import socket
import ssl

from django.utils.translation import gettext as _
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from modoboa.core import mail_access
from modoboa.parameters import tools as param_tools

from .models import SECURITY_STARTTLS, SECURITY_TLS

TIMEOUT = 60


class ImapError(Exception):
    """A server could not be reached or refused the login."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class Unreachable(ImapError):
    """No IMAP conversation with the server."""


class LoginRefused(ImapError):
    """The server refused the credentials."""


def _context(verify):
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def connect(host, port, security="none", verify=True, timeout=TIMEOUT):
    """An IMAPClient connected to ``host:port`` (not logged in)."""
    where = "%s:%s" % (host, port)
    try:
        client = IMAPClient(
            host,
            port=port,
            ssl=security == SECURITY_TLS,
            ssl_context=_context(verify) if security == SECURITY_TLS else None,
            timeout=timeout,
        )
        if security == SECURITY_STARTTLS:
            client.starttls(_context(verify))
    except (TimeoutError, OSError, ssl.SSLError, IMAPClientError) as exc:
        raise Unreachable(
            _("The IMAP server at %(where)s does not answer: %(error)s")
            % {"where": where, "error": getattr(exc, "strerror", None) or exc}
        ) from None
    no_delay(client)
    # Dates as the server gives them, with their offset (kept on APPEND).
    client.normalise_times = False
    return client


def no_delay(client):
    """Send small writes at once: an APPEND's literal and its closing CRLF
    go out as two writes, and Nagle's algorithm would hold the second one
    until the server's delayed acknowledgement (tens of milliseconds per
    message).
    """
    try:
        client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass


def _login(client, login, password, where, who):
    try:
        client.login(login, password)
    except LoginError:
        _quiet_logout(client)
        raise LoginRefused(
            _("The IMAP server at %(where)s refused the login of %(who)s")
            % {"where": where, "who": who}
        ) from None
    except (OSError, IMAPClientError) as exc:
        _quiet_logout(client)
        raise Unreachable(
            _("The IMAP server at %(where)s failed during the login: %(error)s")
            % {"where": where, "error": exc}
        ) from None
    return client


def open_old(provider, username, password):
    """Log in to the old server of ``provider`` as ``username``."""
    client = connect(
        provider.address, provider.port, provider.security, provider.verify_certificate
    )
    return _login(
        client, username, password, "%s:%s" % (provider.address, provider.port), username
    )


def check_old_credentials(provider, username, password):
    """Raise LoginRefused or Unreachable unless the old server accepts."""
    _quiet_logout(open_old(provider, username, password))


def new_server():
    """``(host, port)`` of this platform's IMAP server (parameters)."""
    host = param_tools.get_global_parameter("new_server_address", app="modoboa_imap_migration")
    port = param_tools.get_global_parameter("new_server_port", app="modoboa_imap_migration")
    return host or "127.0.0.1", int(port or 143)


def open_new(mailbox):
    """Log in to this platform's IMAP server as ``mailbox``'s owner,
    through the master user (no password of the user is needed).
    """
    try:
        credentials = mail_access.credentials_for(mailbox)
    except mail_access.MailAccessError as exc:
        raise Unreachable(str(exc)) from None
    host, port = new_server()
    client = connect(host, port)
    return _login(client, credentials.login, credentials.secret, "%s:%s" % (host, port), mailbox)


def _quiet_logout(client):
    try:
        client.logout()
    except (OSError, IMAPClientError):
        pass


def close(client):
    if client is not None:
        _quiet_logout(client)
