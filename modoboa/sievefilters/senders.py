"""The addresses a Sieve script may make the mail server send as.

Dovecot's Sieve sends mail itself — vacation replies and ``notify``'s
``mailto:`` notifications — through its ``submission_host``, where Postfix
does not check the sender against the login (``smtpd_sender_login_maps``
applies to authenticated SMTP only). So a script saved through the panel
may only name, in ``vacation :from``, ``vacation :addresses`` (Pigeonhole
answers from the address of that list the message was sent to) and
``notify :from``, an address the user could send as over SMTP: its own,
a live alias delivering to its mailbox, or one of its sender addresses —
the addresses Postfix's sender login map gives it. Values built at run time
(``${...}``: variables, encoded characters) are refused.

``redirect`` keeps the original sender and may target any valid address,
as a forward may (docs/security.rst).
"""

from email.utils import parseaddr

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from modoboa.admin.models import Alias, SenderAddress

from .lexer import SieveSyntaxError, tokenize

# Command -> its tags whose values are addresses mail is sent as.
SENDING_TAGS = {"vacation": (":from", ":addresses"), "notify": (":from",)}


class ForeignSender(ValueError):
    """A script names an address its user may not send as."""


def may_send_as(mailbox, address):
    """Tell whether ``mailbox``'s owner may send mail as ``address``."""
    address = (address or "").strip().lower()
    if address.count("@") != 1:
        return False
    if address in (mailbox.full_address.lower(), (mailbox.user.email or "").lower()):
        return True
    domain = address.rsplit("@", 1)[1]
    if SenderAddress.objects.filter(
        Q(address__iexact=address) | Q(address__iexact="@" + domain), mailbox=mailbox
    ).exists():
        return True
    return (
        Alias.objects.filter(
            address__iexact=address, enabled=True, aliasrecipient__r_mailbox=mailbox
        )
        .filter(Q(expire_at__isnull=True) | Q(expire_at__gt=timezone.now()))
        .exists()
    )


def _values(tokens, position):
    """The string, or the strings of the list, starting at ``position``."""
    if position >= len(tokens):
        return []
    token = tokens[position]
    if token.kind == "string":
        return [token.value]
    values = []
    if token.kind == "punct" and token.value == "[":
        for item in tokens[position + 1 :]:
            if item.kind == "punct" and item.value == "]":
                break
            if item.kind == "string":
                values.append(item.value)
    return values


def sending_addresses(text):
    """``[(command, tag, value)]`` of the addresses ``text`` sends as."""
    tokens = [token for token in tokenize(text) if token.kind != "comment"]
    found, command, expect_command = [], None, True
    for position, token in enumerate(tokens):
        if token.kind == "punct" and token.value in ";{}":
            command, expect_command = None, True
        elif token.kind == "word" and expect_command:
            command, expect_command = token.value.lower(), False
        elif token.kind == "word" and token.value.lower() in SENDING_TAGS.get(command, ()):
            for value in _values(tokens, position + 1):
                found.append((command, token.value.lower(), value))
    return found


def check_script(mailbox, text):
    """Raise ForeignSender when ``text`` would send as an address the
    owner of ``mailbox`` may not use. A script that cannot be tokenized is
    left to the server, which refuses it.
    """
    try:
        found = sending_addresses(text)
    except SieveSyntaxError:
        return
    for command, tag, value in found:
        address = parseaddr(value)[1]
        if "${" in value or not address or not may_send_as(mailbox, address):
            raise ForeignSender(
                _("%(command)s %(tag)s: %(value)s is not an address you may send as.")
                % {"command": command, "tag": tag, "value": value}
            )
