"""Extra addresses a mailbox may send as (``admin_senderaddress``)."""

from django.db import transaction
from django.utils.translation import gettext as _

from modoboa.core import audit
from modoboa.lib.exceptions import Conflict

from .. import access as admin_access
from ..models import SenderAddress
from .common import clean_sender_format, require_access, require_perm


def clean_sender_address(value, acting_user, field="address"):
    """Validate ``value`` (a full address, or ``@domain`` for any address of
    the domain); the role model (``admin.access``) says whether
    ``acting_user`` may let a mailbox send as it.
    """
    address = clean_sender_format(value, field=field)
    admin_access.check_address(acting_user, address, field=field)
    return address


@transaction.atomic
def create_sender_address(*, acting_user, address, mailbox):
    require_perm(acting_user, "admin.add_senderaddress")
    require_access(acting_user, mailbox)
    address = clean_sender_address(address, acting_user)
    if SenderAddress.objects.filter(address=address, mailbox=mailbox).exists():
        raise Conflict(_("This sender address already exists"), field="address")
    sender = SenderAddress(address=address, mailbox=mailbox)
    with audit.revision(acting_user):
        sender.save()
    audit.log_created(sender, acting_user)
    return sender


@transaction.atomic
def update_sender_address(sender, *, acting_user, address=None, mailbox=None):
    require_perm(acting_user, "admin.change_senderaddress")
    require_access(acting_user, sender.mailbox)
    if mailbox is not None:
        require_access(acting_user, mailbox)
        sender.mailbox = mailbox
    if address is not None:
        sender.address = clean_sender_address(address, acting_user)
    duplicates = SenderAddress.objects.filter(address=sender.address, mailbox=sender.mailbox)
    if duplicates.exclude(pk=sender.pk).exists():
        raise Conflict(_("This sender address already exists"), field="address")
    with audit.revision(acting_user):
        sender.save()
    audit.log_modified(sender, acting_user)
    return sender


@transaction.atomic
def delete_sender_address(sender, *, acting_user):
    require_perm(acting_user, "admin.delete_senderaddress")
    require_access(acting_user, sender.mailbox)
    with audit.revision(acting_user):
        sender.delete()
    audit.log_deleted(sender, acting_user)
