"""Away messages: one function per change, shared by the user's page, the
account form's tab, the API and the ``autoreply`` command.

Two ways of answering, chosen by the ``mode`` parameter:

- ``sieve`` (default): the message becomes a Sieve ``vacation`` rule
  (RFC 5230) in its own part of the user's active filter set, written over
  ManageSieve with the panel's master user; Dovecot answers, tracks the
  senders already answered (``:days``) and skips lists and bulk mail;
- ``pipe``: 1.10's design; Postfix sends a copy of each message to
  ``<address>@autoreply.<domain>``, whose transport pipes it to
  ``manage.py autoreply`` (see ``pipe.py``).
"""

import datetime
import math

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from modoboa.admin.models import Alias, AliasRecipient
from modoboa.core import audit
from modoboa.lib.exceptions import ModoboaException
from modoboa.parameters import tools as param_tools

from .app_settings import APP
from .models import ARmessage, Transport

TRANSPORT_PREFIX = "autoreply."
TRANSPORT_METHOD = "autoreply:"


class AutoreplyError(ModoboaException):
    """Bad input or a mail server that refused: nothing was changed."""

    http_code = 400


def parameter(name):
    return param_tools.get_global_parameter(name, app=APP)


def get_message(mailbox):
    """The away message of ``mailbox``; an unsaved one with the default
    subject and body when it has none.
    """
    message = ARmessage.objects.filter(mbox=mailbox).first()
    if message is None:
        message = ARmessage(
            mbox=mailbox,
            subject=parameter("default_subject"),
            content=parameter("default_content"),
            enabled=False,
            fromdate=timezone.now(),
        )
    return message


def placeholders(message):
    """The values of 1.10's placeholders for ``message``."""
    user = message.mbox.user
    name = (" ".join(part for part in (user.first_name, user.last_name) if part)).strip()

    def fmt(value):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else ""

    return {
        "name": name or message.mbox.full_address,
        "fromdate": fmt(message.fromdate),
        "untildate": fmt(message.untildate),
    }


def render_content(message):
    """The body with its placeholders replaced."""
    try:
        return message.content % placeholders(message)
    except (KeyError, ValueError, TypeError):
        return message.content


def _validate(subject, content, enabled, fromdate, untildate):
    errors = {}
    subject = (subject or "").strip()
    if not subject:
        errors["subject"] = _("This field is required.")
    elif any(char in subject for char in "\r\n\0"):
        errors["subject"] = _("The subject must fit on one line.")
    if not (content or "").strip():
        errors["content"] = _("This field is required.")
    else:
        try:
            content % {"name": "", "fromdate": "", "untildate": ""}
        except (KeyError, ValueError, TypeError):
            errors["content"] = _(
                "Invalid syntax: use %(name)s, %(fromdate)s and %(untildate)s only "
                "(write %% for a percent sign)."
            )
    if fromdate is None:
        errors["fromdate"] = _("This field is required.")
    if enabled and untildate is not None:
        if untildate <= timezone.now():
            errors["untildate"] = _("This date is over.")
        elif fromdate is not None and untildate <= fromdate:
            errors["untildate"] = _("Must be greater than start date.")
    if errors:
        raise AutoreplyError(_("Invalid away message."), errors=errors)
    return subject


def set_message(mailbox, *, acting_user, subject, content, enabled, fromdate=None, untildate=None):
    """Save the away message of ``mailbox`` and make the mail server apply
    it; a server that refuses leaves the database as it was.
    """
    subject = _validate(subject, content, enabled, fromdate, untildate)
    with transaction.atomic():
        message = ARmessage.objects.select_for_update().filter(mbox=mailbox).first()
        created = message is None
        message = message or ARmessage(mbox=mailbox)
        message.subject, message.content = subject, content
        message.enabled, message.fromdate, message.untildate = enabled, fromdate, untildate
        message.save()
        apply(message)
        if acting_user is not None and acting_user.pk != mailbox.user_id:
            audit.log_message(
                "Away message of %s %s by %s",
                mailbox.full_address,
                "created" if created else "modified",
                audit.actor_label(acting_user),
            )
    return message


def apply(message):
    """Make the mail server answer (or stop answering) as ``message`` says."""
    if parameter("mode") == "pipe":
        set_pipe_recipient(message.mbox, message.enabled)
        return
    from modoboa.sievefilters import services as sieve_services
    from modoboa.sievefilters.client import SieveError

    text = vacation_rule(message) if message.enabled else None
    try:
        sieve_services.set_away_part(message.mbox, text)
    except (SieveError, sieve_services.FilterError) as exc:
        raise AutoreplyError(
            _("The away message could not be written on the mail server: %s") % exc
        ) from exc


def disable_expired(message):
    """Turn off a message whose until date is over (pipe mode)."""
    ARmessage.objects.filter(pk=message.pk).update(enabled=False)
    message.enabled = False
    set_pipe_recipient(message.mbox, False)


# Sieve ----------------------------------------------------------------------


def _quote(value):
    from modoboa.sievefilters.rules import quote

    return quote(value)


def _utc(value):
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def addresses(mailbox):
    """The addresses the user receives mail at: its own and its aliases."""
    result = [mailbox.full_address]
    # Catch-alls (@domain) are not addresses Sieve can compare.
    result += [
        address
        for address in mailbox.alias_addresses
        if address not in result and "@" in address and not address.startswith("@")
    ]
    return result


def vacation_rule(message):
    """The Sieve ``if`` command answering as ``message`` says."""
    days = max(1, math.ceil(int(parameter("autoreplies_timeout")) / 86400))
    tests = ['currentdate :zone "+0000" :value "ge" "iso8601" %s' % _quote(_utc(message.fromdate))]
    if message.untildate is not None:
        tests.append(
            'currentdate :zone "+0000" :value "lt" "iso8601" %s' % _quote(_utc(message.untildate))
        )
    return (
        "if allof (%s) {\n"
        "    vacation :days %d :from %s :subject %s\n"
        "        :addresses [%s]\n"
        "        %s;\n"
        "}\n"
    ) % (
        ", ".join(tests),
        days,
        _quote(message.mbox.full_address),
        _quote(message.subject),
        ", ".join(_quote(address) for address in addresses(message.mbox)),
        _quote(render_content(message)),
    )


# Pipe mode (1.10) -------------------------------------------------------------


def autoreply_address(mailbox):
    return "%s@%s%s" % (mailbox.full_address, TRANSPORT_PREFIX, mailbox.domain.name)


def set_pipe_recipient(mailbox, enabled):
    """Add (or remove) ``<address>@autoreply.<domain>`` to the recipients
    of the mailbox's internal alias, and the domain's transport row.
    """
    alias, _created = Alias.objects.get_or_create(
        address=mailbox.full_address,
        internal=True,
        defaults={"domain": mailbox.domain, "enabled": True},
    )
    if not AliasRecipient.objects.filter(alias=alias, r_mailbox=mailbox).exists():
        AliasRecipient.objects.create(alias=alias, address=mailbox.full_address, r_mailbox=mailbox)
    target = autoreply_address(mailbox)
    existing = AliasRecipient.objects.filter(alias=alias, address=target)
    if enabled:
        if not existing.exists():
            AliasRecipient.objects.create(alias=alias, address=target)
        ensure_transport(mailbox.domain.name)
    else:
        existing.delete()


def ensure_transport(domain_name):
    key = TRANSPORT_PREFIX + domain_name
    if not Transport.objects.filter(domain=key).exists():
        Transport.objects.create(domain=key, method=TRANSPORT_METHOD)
