"""The nightly jobs: ``qcleanup`` and ``amnotify``."""

import time

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .. import app_settings, constants
from ..dbrouter import amavis_alias
from ..models import Maddr, Msgrcpt, Msgs, Quarantine
from . import quarantine

BATCH = 500
# What the jobs remember, next to the parameters ({app: {name: value}}).
STATE_APP = "modoboa_amavis_state"


def _delete_messages(mail_ids):
    mail_ids = list(mail_ids)
    for start in range(0, len(mail_ids), BATCH):
        batch = mail_ids[start : start + BATCH]
        with transaction.atomic(using=amavis_alias()):
            Quarantine.objects.filter(mail_id__in=batch).delete()
            Msgrcpt.objects.filter(mail_id__in=batch).delete()
            Msgs.objects.filter(mail_id__in=batch).delete()
    return len(mail_ids)


def cleanup(now=None):
    """Remove what the quarantine no longer needs; return counts.

    - messages every recipient deleted (and released, with "Remove released
      messages");
    - messages older than "Maximum message age";
    - recipients and chunks of messages that no longer exist, addresses no
      message refers to.
    """
    now = time.time() if now is None else now
    done = set([constants.RS_DELETED])
    if app_settings.get("released_msgs_cleanup"):
        done.add(constants.RS_RELEASED)
    recipients = Msgrcpt.objects.filter(mail_id=OuterRef("mail_id"))
    finished = (
        Msgs.objects.filter(Exists(recipients))
        .exclude(Exists(recipients.exclude(rs__in=done)))
        .values_list("mail_id", flat=True)
    )
    counts = {"deleted": _delete_messages(finished)}
    threshold = int(now) - int(app_settings.get("max_messages_age")) * 86400
    counts["expired"] = _delete_messages(
        Msgs.objects.filter(time_num__lt=threshold).values_list("mail_id", flat=True)
    )
    message = Msgs.objects.filter(mail_id=OuterRef("mail_id"))
    orphans, _detail = Msgrcpt.objects.exclude(Exists(message)).delete()
    chunks, _detail = Quarantine.objects.exclude(Exists(message)).delete()
    unused = Maddr.objects.exclude(
        Exists(Msgs.objects.filter(sid=OuterRef("pk")))
        | Exists(Msgrcpt.objects.filter(rid=OuterRef("pk")))
    )
    addresses, _detail = unused.delete()
    counts.update(orphans=orphans + chunks, addresses=addresses)
    return counts


def smtp_connection(smtp_host=None, smtp_port=None):
    """The SMTP connection of ``--smtp_host``/``--smtp_port``, or None for
    Django's.
    """
    if not smtp_host:
        return None
    return get_connection(
        "django.core.mail.backends.smtp.EmailBackend", host=smtp_host, port=smtp_port or 25
    )


def _administrators():
    from modoboa.core import constants as core_constants
    from modoboa.core.models import User

    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__name__in=[core_constants.DOMAINADMINS, core_constants.RESELLERS])
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def notify(base_url="", smtp_host=None, smtp_port=None, limit=10):
    """Mail each administrator the release requests it may grant that no
    earlier run mailed; return the number of mails sent.
    """
    from modoboa.parameters.tools import get_localconfig

    localconfig = get_localconfig()
    state = localconfig._parameters.setdefault(STATE_APP, {})
    notified = set(state.get("notified", []))
    pending = {
        "%s:%s" % key
        for key in Msgrcpt.objects.filter(rs=constants.RS_PENDING).values_list(
            "mail_id", "rseqnum"
        )
    }
    new = pending - notified
    sent = 0
    connection = smtp_connection(smtp_host, smtp_port)
    if new:
        sender = app_settings.get("notifications_sender")
        for admin in _administrators():
            rows = [
                row
                for row in quarantine.visible_rows(admin)
                .filter(rs=constants.RS_PENDING)
                .select_related("mail", "rid")
                .order_by("-mail__time_num")
                if "%s:%s" % (row.mail_id, row.rseqnum) in new
            ]
            if not rows:
                continue
            with translation.override(admin.language or settings.LANGUAGE_CODE):
                body = render_to_string(
                    "amavis/notifications/pending_requests.txt",
                    {
                        "counter": len(rows),
                        "requests": rows[:limit],
                        "link": base_url.rstrip("/") + reverse("amavis:index") + "?pending=1",
                    },
                )
                subject = translation.gettext("[modoboa] Pending release requests")
            EmailMessage(subject, body, sender, [admin.email], connection=connection).send()
            sent += 1
    state["notified"] = sorted(pending & (notified | new))
    localconfig.save(update_fields=["_parameters"])
    return sent


DIGEST_PERIODS = {"daily": 86400, "weekly": 7 * 86400}
DIGEST_STATE = "digest_sent"
# A job started a few minutes early still sends the digest of the period.
DIGEST_SLACK = 3600


def send_digests(base_url="", now=None, connection=None, limit=50):
    """Mail every user who asked for it (daily or weekly) the messages that
    entered its quarantine since its previous digest; return the number of
    mails sent. A second run within the period sends nothing.
    """
    from modoboa.core.models import User

    now = int(time.time() if now is None else now)
    sender = app_settings.get("notifications_sender")
    users = (
        User.objects.filter(is_active=True)
        .filter(**{"_parameters__%s__digest__in" % app_settings.APP: list(DIGEST_PERIODS)})
        .exclude(email="")
        .order_by("pk")
    )
    sent = 0
    for user in users:
        settings_of_user = user._parameters.get(app_settings.APP, {})
        period = DIGEST_PERIODS.get(settings_of_user.get("digest"))
        if period is None:
            continue
        state = user._parameters.setdefault(STATE_APP, {})
        last = int(state.get(DIGEST_STATE) or now - period)
        if now - last < period - DIGEST_SLACK:
            continue
        rows = list(
            quarantine.visible_rows(user)
            .filter(mail__time_num__gte=last, mail__time_num__lt=now, rs=constants.RS_NEW)
            .select_related("mail", "rid")
            .order_by("-mail__time_num")[: limit + 1]
        )
        if rows:
            with translation.override(user.language or settings.LANGUAGE_CODE):
                body = render_to_string(
                    "amavis/notifications/digest.txt",
                    {
                        "rows": rows[:limit],
                        "more": len(rows) > limit,
                        "link": base_url.rstrip("/") + reverse("amavis:index"),
                    },
                )
                subject = translation.gettext("[modoboa] New messages in your quarantine")
            EmailMessage(subject, body, sender, [user.email], connection=connection).send()
            sent += 1
        state[DIGEST_STATE] = now
        User.objects.filter(pk=user.pk).update(_parameters=user._parameters)
    return sent
