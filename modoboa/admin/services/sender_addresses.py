"""Extra addresses a mailbox may send as (``admin_senderaddress``)."""

from django.db import transaction
from django.utils.translation import gettext as _

from modoboa.core import audit
from modoboa.lib.exceptions import Conflict, PermDeniedException

from ..models import Domain, SenderAddress
from .common import clean_sender_format, require_access, require_perm, split_address


def clean_sender_address(value, acting_user, field="address"):
    """Validate ``value`` (a full address, or ``@domain`` for any address of
    the domain); a local domain must be reachable by the user.
    """
    address = clean_sender_format(value, field=field)
    _local, domain_name = split_address(address)
    domain = Domain.objects.filter(name=domain_name).first()
    if domain is not None and acting_user is not None and not acting_user.can_access(domain):
        raise PermDeniedException(
            _("You don't have access to domain %s") % domain_name, field=field
        )
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
