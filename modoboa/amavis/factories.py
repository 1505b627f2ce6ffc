"""Quarantined messages written the way Amavis writes them (for tests and
benchmarks on engines Amavis cannot use, such as SQLite).
"""

import datetime
import itertools
import secrets
import string
from email.message import EmailMessage

from django.utils import timezone

from .lookups import reversed_domain
from .models import Maddr, Msgrcpt, Msgs, Quarantine

_ALPHABET = string.ascii_letters + string.digits + "+-"
_counter = itertools.count(1)
CHUNK = 16384


def new_id():
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))


def maddr(email):
    row = Maddr.objects.filter(partition_tag=0, email=email).first()
    if row is None:
        row = Maddr.objects.create(
            partition_tag=0, email=email, domain=reversed_domain(email.rsplit("@", 1)[-1])
        )
    return row


def build_message(sender, recipients, subject, body, html=None):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Message-ID"] = "<%d.%s@test>" % (next(_counter), new_id())
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message.as_bytes()


def quarantine_message(
    sender,
    recipients,
    *,
    subject="Buy now",
    content="S",
    score=999.0,
    body="Hello",
    html=None,
    source=None,
    received=None,
    rs=" ",
):
    """Store one quarantined message for ``recipients``; return its mail_id."""
    received = received or timezone.now()
    source = (
        source if source is not None else build_message(sender, recipients, subject, body, html)
    )
    mail_id = new_id()
    Msgs.objects.create(
        partition_tag=0,
        mail_id=mail_id,
        secret_id=new_id(),
        am_id="%05d-01" % next(_counter),
        time_num=int(received.timestamp()),
        time_iso=received.astimezone(datetime.UTC),
        sid=maddr(sender),
        size=len(source),
        content=content,
        quar_type="Q",
        quar_loc=mail_id,
        spam_level=score,
        message_id="<%s@test>" % mail_id,
        from_addr=sender,
        subject=subject,
        host="test",
    )
    for index, recipient in enumerate(recipients, start=1):
        Msgrcpt.objects.create(
            partition_tag=0,
            mail_id=mail_id,
            rseqnum=index,
            rid=maddr(recipient),
            is_local="Y",
            content=content,
            ds="D",
            rs=rs,
            bspam_level=score,
        )
    for index in range(0, max(len(source), 1), CHUNK):
        Quarantine.objects.create(
            partition_tag=0,
            mail_id=mail_id,
            chunk_ind=index // CHUNK + 1,
            mail_text=source[index : index + CHUNK],
        )
    return mail_id
