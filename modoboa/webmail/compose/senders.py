"""The addresses a user may send mail as.

The same rule as Postfix's sender-login map (``sql-sender-login-map.cf``,
``modoboa.admin.postfix_maps``): the mailbox's own address, the live aliases
delivering to the mailbox, and its extra sender addresses. A sender address
``@domain`` (any address of a domain) cannot be offered in a list: the user
types nothing free in the From field, so it is left out.
"""

from django.db.models import Q
from django.utils import timezone

from modoboa.admin.models import Alias, SenderAddress


def allowed_senders(user):
    """The From choices of ``user``: its own address first, then the others
    sorted; an empty list for an account without a mailbox.
    """
    mailbox = user.mailbox_or_none
    if mailbox is None or not user.is_active:
        return []
    own = mailbox.full_address.lower()
    aliases = (
        Alias.objects.filter(
            aliasrecipient__r_mailbox=mailbox,
            enabled=True,
            internal=False,
        )
        .filter(Q(expire_at__isnull=True) | Q(expire_at__gt=timezone.now()))
        .exclude(address__startswith="@")
        .values_list("address", flat=True)
    )
    extra = (
        SenderAddress.objects.filter(mailbox=mailbox)
        .exclude(address__startswith="@")
        .values_list("address", flat=True)
    )
    others = sorted({address.lower() for address in list(aliases) + list(extra)} - {own})
    return [own] + others
