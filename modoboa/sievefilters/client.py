"""The ManageSieve client (RFC 5804): sievelib's protocol code, with
timeouts and typed errors a page can show.

It logs in with the panel's master user (``modoboa.core.mail_access``),
never with a stored user password.
"""

import re
import socket

from django.utils.translation import gettext as _
from sievelib import managesieve

from modoboa.core import mail_access

DEFAULT_TIMEOUT = 10


class SieveError(Exception):
    """Something the ManageSieve server refused or could not do."""


class SieveUnavailable(SieveError):
    """The server does not answer or the panel cannot log in."""


class ScriptRejected(SieveError):
    """The server found errors in a script; ``line`` is the first one."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.line = line


class QuotaExceeded(SieveError):
    """No room for this script (number of scripts or size)."""


class ScriptNotFound(SieveError):
    """No script of this name."""


_LINE = re.compile(r"\bline (\d+)\b")


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value or ""


class _Client(managesieve.Client):
    """sievelib's client whose connection has a timeout."""

    def open(self, login, secret, starttls, timeout):
        self.read_timeout = timeout
        self.sock = socket.create_connection((self.srvaddr, self.srvport), timeout)
        self.sock.settimeout(timeout)
        if not self._Client__get_capabilities():
            raise managesieve.Error("no capabilities")
        if starttls and not self._Client__starttls():
            raise managesieve.Error("STARTTLS failed")
        return self._Client__authenticate(login, secret, "", None)

    def _Client__read_block(self, size):  # noqa: N802 - overrides a mangled name
        # Keep the exact bytes of the last literal: sievelib's getscript
        # rejoins lines, which loses CRLFs and the final line break.
        data = managesieve.Client._Client__read_block(self, size)
        self.last_literal = data
        return data

    def exact_getscript(self, name):
        self.last_literal = None
        code, _data, _content = self._Client__send_command(
            "GETSCRIPT", [name.encode("utf-8")], withcontent=True
        )
        if code != "OK" or self.last_literal is None:
            return None
        return self.last_literal.decode("utf-8", "replace")


class ManageSieve:
    """A session on the ManageSieve server for one mailbox.

    Use as a context manager::

        with ManageSieve(mailbox, host, port) as server:
            server.list_scripts()
    """

    def __init__(self, target, host, port, starttls=False, timeout=DEFAULT_TIMEOUT):
        self.target = target
        self.host, self.port = host, int(port)
        self.starttls, self.timeout = starttls, timeout
        self.client = None

    def _where(self):
        return "%s:%s" % (self.host, self.port)

    def __enter__(self):
        try:
            credentials = mail_access.credentials_for(self.target)
        except mail_access.MailAccessError as exc:
            raise SieveUnavailable(str(exc)) from exc
        self.client = _Client(self.host, self.port)
        try:
            logged_in = self.client.open(
                credentials.login, credentials.secret, self.starttls, self.timeout
            )
        except (OSError, managesieve.Error) as exc:
            self._close()
            raise SieveUnavailable(
                _("The ManageSieve server at %(where)s does not answer (%(error)s).")
                % {"where": self._where(), "error": exc}
            ) from exc
        if not logged_in:
            self._close()
            raise SieveUnavailable(
                _(
                    "The ManageSieve server at %(where)s refused the panel's login "
                    "for %(address)s (check the mail master user)."
                )
                % {"where": self._where(), "address": credentials.address}
            )
        return self

    def __exit__(self, *exc):
        try:
            if self.client is not None and self.client.authenticated:
                self.client.logout()
        except (OSError, managesieve.Error):
            pass
        self._close()

    def _close(self):
        if self.client is not None and self.client.sock is not None:
            try:
                self.client.sock.close()
            except OSError:
                pass

    def _call(self, method, *args):
        try:
            return getattr(self.client, method)(*args)
        except (OSError, managesieve.Error) as exc:
            raise SieveUnavailable(
                _("The ManageSieve server at %(where)s stopped answering (%(error)s).")
                % {"where": self._where(), "error": exc}
            ) from exc

    def _failure(self, default):
        code = _text(self.client.errcode).upper()
        message = _text(self.client.errmsg).strip() or default
        if code.startswith("QUOTA"):
            return QuotaExceeded(_("The server has no room for this script: %s") % message)
        if code == "NONEXISTENT":
            return ScriptNotFound(message)
        return SieveError(message)

    # Commands ------------------------------------------------------------

    def capabilities(self):
        """The Sieve extensions the server supports."""
        return self.client.get_sieve_capabilities() or []

    def list_scripts(self):
        """Return ``(active name or None, [names])``."""
        result = self._call("listscripts")
        if result is None:
            raise self._failure(_("Cannot list the filter sets."))
        active, names = result
        if active is not None:
            names = [active] + list(names)
        return active, sorted(names, key=str.lower)

    def get_script(self, name):
        content = self._call("exact_getscript", name)
        if content is None:
            raise self._failure(_("No filter set named %s.") % name)
        return content

    def check_script(self, content):
        """Raise ScriptRejected with the server's message when the server
        would not accept ``content``.
        """
        if self._call("checkscript", content):
            return
        self._rejected()

    def _rejected(self):
        code = _text(self.client.errcode).upper()
        message = _text(self.client.errmsg).strip()
        if code.startswith("QUOTA"):
            raise QuotaExceeded(_("The server has no room for this script: %s") % message)
        match = _LINE.search(message)
        raise ScriptRejected(
            message or _("The server refused the script."),
            int(match.group(1)) if match else None,
        )

    def put_script(self, name, content):
        """Store ``content`` as ``name``; the server checks it first and
        keeps the old version when it refuses the new one.
        """
        if not self._call("havespace", name, len(content.encode("utf-8"))):
            raise QuotaExceeded(
                _("The server has no room for this script: %s")
                % (_text(self.client.errmsg).strip() or name)
            )
        if not self._call("putscript", name, content):
            self._rejected()

    def activate(self, name):
        """Make ``name`` the active script ('' deactivates every script)."""
        if not self._call("setactive", name):
            raise self._failure(_("Cannot activate %s.") % name)

    def delete_script(self, name):
        if not self._call("deletescript", name):
            raise self._failure(_("Cannot delete %s.") % name)

    def rename_script(self, old, new):
        if not self._call("renamescript", old, new):
            raise self._failure(_("Cannot rename %s.") % old)
