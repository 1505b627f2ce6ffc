"""The SMTP submission client of the webmail.

Mail leaves through the MTA's submission service, authenticated *as the
user*: the panel logs in with the Dovecot master user
(``user@domain*modoboa`` and the master secret, see
``modoboa.core.mail_access``). Dovecot, Postfix's SASL backend, answers with
the real user name, so Postfix's ``smtpd_sender_login_maps`` check
(``reject_sender_login_mismatch``) applies to the user itself: a forged From
is refused by the server even if the form were bypassed.
"""

import smtplib
import ssl
from dataclasses import dataclass

from django.utils.translation import gettext as _

DEFAULT_TIMEOUT = 30
SECURITY_MODES = ("none", "starttls", "ssl")


class SubmissionError(Exception):
    """The message was not sent. ``field`` names the form field at fault
    (``sender``, ``to``) or is None for a server problem.
    """

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class SubmissionServer:
    host: str
    port: int
    security: str = "none"
    authentication: bool = True
    timeout: float = DEFAULT_TIMEOUT

    @property
    def label(self):
        return "%s:%s" % (self.host, self.port)


def _connect(server):
    context = ssl.create_default_context()
    if server.security == "ssl":
        client = smtplib.SMTP_SSL(
            server.host, server.port, timeout=server.timeout, context=context
        )
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
    client.ehlo()
    if server.security == "starttls":
        client.starttls(context=context)
        client.ehlo()
    return client


def _decode(text):
    if isinstance(text, bytes):
        return text.decode("utf-8", errors="replace")
    return str(text)


def submit(server, message, sender, recipients, credentials=None):
    """Send ``message`` (an EmailMessage; its Bcc header is not transmitted)
    from ``sender`` to ``recipients``; return the refused recipients
    ({address: reason}) when some, not all, were refused.
    """
    try:
        client = _connect(server)
    except (OSError, smtplib.SMTPException) as exc:
        raise SubmissionError(
            _("The SMTP server at %(server)s does not answer: %(error)s")
            % {"server": server.label, "error": exc}
        ) from exc
    try:
        if server.authentication:
            if credentials is None:
                raise SubmissionError(_("No credentials to log in to the SMTP server."))
            try:
                client.login(credentials.login, credentials.secret)
            except smtplib.SMTPAuthenticationError as exc:
                raise SubmissionError(
                    _("The SMTP server at %(server)s refused the login of %(address)s.")
                    % {"server": server.label, "address": credentials.address}
                ) from exc
            except smtplib.SMTPNotSupportedError as exc:
                raise SubmissionError(
                    _("The SMTP server at %(server)s offers no authentication.")
                    % {"server": server.label}
                ) from exc
        refused = client.send_message(message, from_addr=sender, to_addrs=recipients)
    except smtplib.SMTPSenderRefused as exc:
        raise SubmissionError(
            _("The server refused the sender %(address)s: %(reason)s")
            % {"address": sender, "reason": _decode(exc.smtp_error)},
            field="sender",
        ) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        answers = [_decode(answer[1]) for answer in exc.recipients.values()]
        for answer in answers:
            # Postfix delays its sender restrictions to the first RCPT.
            if "Sender address rejected" in answer:
                raise SubmissionError(
                    _("The server refused the sender %(address)s: %(reason)s")
                    % {"address": sender, "reason": answer},
                    field="sender",
                ) from exc
        reasons = "; ".join(
            "%s: %s" % (address, _decode(answer[1])) for address, answer in exc.recipients.items()
        )
        raise SubmissionError(
            _("The server refused every recipient (%(reasons)s)") % {"reasons": reasons},
            field="to",
        ) from exc
    except smtplib.SMTPDataError as exc:
        raise SubmissionError(
            _("The server refused the message: %(reason)s") % {"reason": _decode(exc.smtp_error)}
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise SubmissionError(
            _("Sending through %(server)s failed: %(error)s")
            % {"server": server.label, "error": exc}
        ) from exc
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return {address: _decode(answer[1]) for address, answer in (refused or {}).items()}
