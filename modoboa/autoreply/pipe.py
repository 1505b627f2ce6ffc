"""1.10's pipe mode: Postfix hands each message for ``<address>@autoreply.
<domain>`` to ``manage.py autoreply <sender> <recipient>`` (pipe(8)); the
message is on the standard input.

No reply to an empty sender, mailer daemons, list software and their
``owner-``/``-request`` addresses, nor to list, bulk or automatic mail
(RFC 3834 and RFC 5230's advice); one reply per sender within the
``autoreplies_timeout`` parameter; a message whose until date is over is
turned off.
"""

import datetime
import logging
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.utils import getaddresses, make_msgid

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from modoboa.admin.models import Mailbox

from . import services
from .models import ARhistoric, ARmessage

logger = logging.getLogger("modoboa.autoreply")

# Exit codes pipe(8) understands (sysexits.h).
EX_OK = 0
EX_TEMPFAIL = 75

SYSTEM_SENDERS = ("mailer-daemon", "listserv", "majordomo", "postmaster")


@dataclass
class Outcome:
    recipient: str
    sent: bool
    reason: str


def sender_is_automatic(sender):
    if not sender or sender == "<>" or "@" not in sender:
        return True
    local = sender.rsplit("@", 1)[0].lower()
    return local in SYSTEM_SENDERS or local.startswith("owner-") or local.endswith("-request")


def message_is_automatic(message):
    """Lists, bulk mail and automatic replies are never answered."""
    if any(name.lower().startswith("list-") for name in message.keys()):
        return True
    if (message.get("Precedence") or "").strip().lower() in ("bulk", "list", "junk"):
        return True
    if (message.get("Auto-Submitted") or "no").strip().lower() != "no":
        return True
    return "phpmailer" in (message.get("X-Mailer") or "").lower()


def mailbox_address(recipient):
    """``user@domain`` from pipe's ``$mailbox`` (``user@domain``) or the
    full recipient (``user@domain@autoreply.domain``).
    """
    recipient = recipient.strip().lower()
    if recipient.count("@") == 2:
        recipient = recipient.rsplit("@", 1)[0]
    return recipient


def _mailbox(address):
    if address.count("@") != 1:
        return None
    local, domain = address.split("@")
    return (
        Mailbox.objects.select_related("domain", "user")
        .filter(address=local, domain__name=domain)
        .first()
    )


def answer(sender, recipients, raw, now=None):
    """Send the replies ``raw`` (bytes) calls for; return the outcomes.
    SMTP errors propagate (the caller defers the message).
    """
    now = now or timezone.now()
    incoming = message_from_bytes(raw, policy=policy.default)
    if sender_is_automatic(sender):
        return [Outcome(r, False, "automatic sender") for r in recipients]
    if message_is_automatic(incoming):
        return [Outcome(r, False, "list, bulk or automatic message") for r in recipients]
    timeout = datetime.timedelta(seconds=int(services.parameter("autoreplies_timeout")))
    outcomes = []
    for recipient in recipients:
        address = mailbox_address(recipient)
        mailbox = _mailbox(address)
        message = mailbox and ARmessage.objects.filter(mbox=mailbox, enabled=True).first()
        if message is None:
            outcomes.append(Outcome(recipient, False, "no away message"))
            continue
        if message.fromdate and message.fromdate > now:
            outcomes.append(Outcome(recipient, False, "not started"))
            continue
        if message.untildate and message.untildate < now:
            services.disable_expired(message)
            outcomes.append(Outcome(recipient, False, "over, turned off"))
            continue
        with transaction.atomic():
            historic = (
                ARhistoric.objects.select_for_update()
                .filter(armessage=message, sender=sender.lower())
                .first()
            )
            if historic is not None and historic.last_sent > now - timeout:
                outcomes.append(Outcome(recipient, False, "already answered"))
                continue
            _send(message, sender, incoming)
            if historic is None:
                ARhistoric.objects.create(armessage=message, sender=sender.lower())
            else:
                historic.save()
        logger.info("autoreply: answered %s for %s", sender, address)
        outcomes.append(Outcome(recipient, True, "sent"))
    return outcomes


def _send(message, sender, incoming):
    original = (incoming.get("Subject") or "").replace("\r", " ").replace("\n", " ")
    subject = "Auto: %s Re: %s" % (message.subject, original)
    headers = {"Auto-Submitted": "auto-replied", "Precedence": "bulk"}
    message_id = (incoming.get("Message-ID") or "").strip()
    if message_id and "\n" not in message_id and "\r" not in message_id:
        headers["In-Reply-To"] = message_id
        headers["References"] = message_id
    headers["Message-ID"] = make_msgid(domain=message.mbox.domain.name)
    reply_to = [address for _name, address in getaddresses([sender]) if address] or [sender]
    EmailMessage(
        subject=subject,
        body=services.render_content(message),
        from_email=message.mbox.full_address,
        to=reply_to,
        headers=headers,
    ).send()
