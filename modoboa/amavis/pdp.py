"""A client of Amavis' AM.PDP policy protocol (README.protocol), for releases.

A request is ``name=value`` lines ended by an empty line; the answer is
URL-encoded ``name=value`` lines ended the same way, with one
``setreply=<SMTP status> ...`` per recipient.
"""

import socket
from urllib.parse import quote, unquote

from django.utils.translation import gettext as _

from modoboa.lib.exceptions import ModoboaException

TIMEOUT = 30.0
MAX_REPLY = 1 << 20


class AmavisError(ModoboaException):
    """Amavis could not be reached or refused the request."""

    http_code = 502


class AmavisUnreachable(AmavisError):
    """No Amavis answers at the configured socket or address."""


class ReleaseRefused(AmavisError):
    """Amavis answered, but did not release the message."""

    http_code = 409


class PDPClient:
    """One request per connection, as ``amavisd-release`` does."""

    def __init__(self, *, mode="unix", socket_path=None, host="localhost", port=9998):
        self.mode = mode
        self.socket_path = socket_path
        self.host = host
        self.port = int(port)

    @property
    def target(self):
        if self.mode == "unix":
            return self.socket_path
        return "%s:%s" % (self.host, self.port)

    def _connect(self):
        try:
            if self.mode == "unix":
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(TIMEOUT)
                sock.connect(self.socket_path)
            else:
                sock = socket.create_connection((self.host, self.port), timeout=TIMEOUT)
        except (OSError, TypeError, ValueError) as exc:
            raise AmavisUnreachable(
                _("Connection to Amavis at %(target)s failed: %(error)s")
                % {"target": self.target, "error": getattr(exc, "strerror", None) or exc}
            ) from None
        sock.settimeout(TIMEOUT)
        return sock

    def request(self, attributes):
        """Send ``attributes`` (name, value pairs); return the answer's
        attributes as a list of (name, value).
        """
        lines = []
        for name, value in attributes:
            value = str(value)
            if any(c in value for c in "\r\n\0"):
                raise AmavisError(_("Invalid value for %s") % name)
            lines.append("%s=%s\r\n" % (name, quote(value, safe="@<>+-_.")))
        payload = ("".join(lines) + "\r\n").encode("utf-8")
        sock = self._connect()
        try:
            sock.sendall(payload)
            reply = b""
            while b"\r\n\r\n" not in reply and b"\n\n" not in reply:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                reply += chunk
                if len(reply) > MAX_REPLY:
                    raise AmavisError(_("Amavis' answer is too long"))
        except OSError as exc:
            raise AmavisUnreachable(
                _("Connection to Amavis at %(target)s failed: %(error)s")
                % {"target": self.target, "error": exc}
            ) from None
        finally:
            sock.close()
        answer = []
        for line in reply.decode("utf-8", "replace").splitlines():
            if not line.strip():
                break
            name, _sep, value = line.partition("=")
            answer.append((unquote(name), unquote(value)))
        if not answer:
            raise AmavisUnreachable(
                _("Amavis at %s closed the connection without answering") % self.target
            )
        return answer

    def release(self, mail_id, secret_id, recipients, quar_type="Q"):
        """Ask Amavis to release ``mail_id`` to ``recipients``; raise
        ReleaseRefused unless every recipient got a 2xx status.
        """
        attributes = [
            ("request", "release"),
            ("mail_id", mail_id),
            ("secret_id", secret_id),
            ("quar_type", quar_type),
        ]
        attributes += [("recipient", "<%s>" % rcpt) for rcpt in recipients]
        answer = self.request(attributes)
        statuses = [value for name, value in answer if name == "setreply"]
        if not statuses or any(not status.startswith("2") for status in statuses):
            reason = "; ".join(statuses) or "; ".join("%s=%s" % pair for pair in answer)
            raise ReleaseRefused(_("Amavis did not release the message: %s") % reason)
        return statuses
