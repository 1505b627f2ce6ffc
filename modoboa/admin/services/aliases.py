"""Aliases: creation, recipients, update, deletion and the user forward.

Recipient resolution (upstream ``set_recipients``): each address is split on
the ``+`` extension delimiter; in a local domain the mailbox of the base
local part is linked (``r_mailbox``), failing that a local alias with the
address (``r_alias``), failing that the address is refused (NotFound). An
alias never points to itself.

The forward of a mailbox is the user-visible alias bearing the mailbox's own
address. Without "keep local copies", the mailbox's internal self-alias is
disabled so that Postfix's alias map, which reads every enabled alias with
the address, no longer delivers a local copy (docs/decisions.rst).
"""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from modoboa.core import access, audit
from modoboa.lib.exceptions import BadRequest, Conflict, NotFound, PermDeniedException
from modoboa.limits import services as limits_services

from .. import access as admin_access
from .. import signals
from ..models import Alias, AliasRecipient, Domain, Mailbox
from .common import (
    clean_alias_address,
    clean_email,
    get_domain,
    require_access,
    require_perm,
    split_address,
)

# Local parts that must not be split on the extension delimiter.
_NO_EXTENSION = ("mailer-daemon", "double-bounce")


def _base_local_part(local_part):
    if (
        local_part in _NO_EXTENSION
        or local_part.startswith("owner-")
        or local_part.endswith("-request")
        or "+" not in local_part
    ):
        return local_part
    return local_part.split("+", 1)[0]


def _is_external(address, domain):
    if domain is None:
        return True
    for _receiver, answer in signals.use_external_recipients.send(
        sender=Alias, recipients=address
    ):
        if answer:
            return True
    return False


def _build_recipient(alias, address):
    """Resolve ``address`` to a local mailbox, a local alias or nothing."""
    local_part, domain_name = split_address(address)
    domain = Domain.objects.filter(name=domain_name).first()
    recipient = AliasRecipient(alias=alias, address=address)
    if _is_external(address, domain):
        return recipient
    mailbox = Mailbox.objects.filter(domain=domain, address=_base_local_part(local_part)).first()
    if mailbox is not None:
        recipient.r_mailbox = mailbox
        return recipient
    target = Alias.objects.filter(address=address, internal=False).first()
    if target is None:
        target = Alias.objects.filter(address=address, internal=True).first()
    if target is not None:
        if target.pk == alias.pk:
            raise Conflict(_("Alias %s cannot point to itself") % address, field="recipients")
        recipient.r_alias = target
        return recipient
    if domain.type == "relaydomain":
        # Split relay domains: only addresses with a local mailbox are local.
        return recipient
    raise NotFound(_("Local recipient %s not found") % address, field="recipients")


def clean_recipients(addresses):
    """Normalise a list of recipient addresses (lower-case, unique).

    Recipients are full addresses: ``@domain`` only ever appears in the
    internal aliases of domain aliases, which are not made here.
    """
    if isinstance(addresses, str):
        addresses = [addresses]
    cleaned = []
    for value in addresses or ():
        if not isinstance(value, str):
            raise BadRequest(_("Enter a valid email address."), field="recipients")
        value = value.strip().lower()
        if not value:
            continue
        address = clean_email(value, field="recipients")
        if address not in cleaned:
            cleaned.append(address)
    return cleaned


@transaction.atomic
def set_recipients(alias, addresses):
    """Make ``alias`` forward to exactly ``addresses``."""
    addresses = clean_recipients(addresses)
    existing = {r.address: r for r in alias.aliasrecipient_set.all()}
    stale = [r.pk for address, r in existing.items() if address not in addresses]
    if stale:
        AliasRecipient.objects.filter(pk__in=stale).delete()
    new = [_build_recipient(alias, a) for a in addresses if a not in existing]
    seen_mailboxes = {r.r_mailbox_id for r in existing.values() if r.address in addresses}
    for recipient in new:
        # Two addresses of one mailbox (user and user+ext) would break the
        # (alias, r_mailbox) uniqueness: keep the second as an address only.
        if recipient.r_mailbox_id is not None:
            if recipient.r_mailbox_id in seen_mailboxes:
                recipient.r_mailbox = None
            else:
                seen_mailboxes.add(recipient.r_mailbox_id)
    AliasRecipient.objects.bulk_create(new)
    sync_self_alias(alias.address)


def sync_self_alias(address):
    """Enable the internal self-alias of the mailbox at ``address`` unless a
    forward without local copies exists for it.
    """
    local_part, domain_name = split_address(address)
    mailbox = Mailbox.objects.filter(address=local_part, domain__name=domain_name).first()
    if mailbox is None:
        return
    forward = Alias.objects.filter(address=address, internal=False, enabled=True).first()
    deliver_locally = (
        forward is None or forward.aliasrecipient_set.filter(r_mailbox=mailbox).exists()
    )
    Alias.objects.filter(address=address, internal=True).exclude(enabled=deliver_locally).update(
        enabled=deliver_locally
    )


def random_local_part():
    """A random local part of 20 hexadecimal characters."""
    return secrets.token_hex(10)


def _check_expire_at(expire_at):
    if expire_at is None or expire_at == "":
        return None
    if isinstance(expire_at, str):
        from django.utils.dateparse import parse_datetime

        try:
            value = parse_datetime(expire_at)
        except ValueError:
            value = None
        if value is None:
            raise BadRequest(_("Enter a valid date/time."), field="expire_at")
        expire_at = value
    if not hasattr(expire_at, "tzinfo"):
        raise BadRequest(_("Enter a valid date/time."), field="expire_at")
    if timezone.is_naive(expire_at):
        expire_at = timezone.make_aware(expire_at)
    return expire_at


def _clean_description(description):
    if description is None:
        return ""
    if not isinstance(description, str):
        raise BadRequest(_("Enter a valid text."), field="description")
    if "\x00" in description:
        raise BadRequest(_("Null characters are not allowed."), field="description")
    return description


@transaction.atomic
def create_alias(
    *,
    acting_user,
    address=None,
    recipients,
    enabled=True,
    description="",
    expire_at=None,
    random_address=False,
    domain=None,
):
    """Create a (non-internal) alias.

    With ``random_address`` the local part is made up and ``domain`` (a
    name) gives its domain. ``@domain`` makes a catch-all. An alias bearing
    a mailbox's address is that mailbox's forward.
    """
    require_perm(acting_user, "admin.add_alias")
    if random_address:
        domain_name = domain.name if isinstance(domain, Domain) else (domain or "")
        if not isinstance(domain_name, str) or not domain_name.strip():
            raise BadRequest(_("This field is required."), field="domain")
        address = "%s@%s" % (random_local_part(), domain_name.strip().lower())
    address = clean_alias_address(address)
    local_part, domain_name = split_address(address)
    domain = get_domain(domain_name, acting_user, field="address")
    admin_access.check_address(
        acting_user, address, field="address", must_be_local=True, catchall=not local_part
    )
    if not clean_recipients(recipients):
        raise BadRequest(_("At least one recipient is required"), field="recipients")
    if Alias.objects.filter(address=address, internal=False).exists():
        raise Conflict(_("Alias %s already exists") % address, field="address")
    description = _clean_description(description)
    expire_at = _check_expire_at(expire_at)
    limits_services.check_can_create(acting_user, Alias, "mailbox_aliases", domain=domain)
    alias = Alias(
        address=address,
        domain=domain,
        enabled=bool(enabled),
        description=description,
        expire_at=expire_at,
    )
    with audit.revision(acting_user):
        alias.save()
        set_recipients(alias, recipients)
    if acting_user is not None:
        access.grant_access(alias, acting_user, is_owner=True)
    audit.log_created(alias, acting_user)
    return alias


@transaction.atomic
def update_alias(
    alias,
    *,
    acting_user,
    address=None,
    recipients=None,
    enabled=None,
    description=None,
    expire_at=False,
):
    """Change an alias. ``expire_at=False`` leaves the expiry untouched."""
    require_perm(acting_user, "admin.change_alias")
    require_access(acting_user, alias)
    if alias.internal:
        raise PermDeniedException(_("Internal aliases cannot be modified"))
    admin_access.check_address(
        acting_user, alias.address, field="address", catchall=alias.address.startswith("@")
    )
    alias = Alias.objects.select_for_update().get(pk=alias.pk)
    old_address = alias.address
    if address is not None:
        address = clean_alias_address(address)
        if address != alias.address:
            local_part, domain_name = split_address(address)
            domain = get_domain(domain_name, acting_user, field="address")
            admin_access.check_address(
                acting_user, address, field="address", must_be_local=True, catchall=not local_part
            )
            if Alias.objects.filter(address=address, internal=False).exclude(pk=alias.pk).exists():
                raise Conflict(_("Alias %s already exists") % address, field="address")
            if domain.pk != alias.domain_id:
                limits_services.check_domain_limit(domain, "mailbox_aliases")
            alias.address = address
            alias.domain = domain
    if enabled is not None and bool(enabled) != alias.enabled:
        alias.enabled = bool(enabled)
        # An administrator's choice: enabling the account no longer decides.
        alias.disabled_with_account = False
    if description is not None:
        alias.description = _clean_description(description)
    if expire_at is not False:
        alias.expire_at = _check_expire_at(expire_at)
    if recipients is not None and not clean_recipients(recipients):
        raise BadRequest(_("At least one recipient is required"), field="recipients")
    with audit.revision(acting_user):
        alias.save()
        if recipients is not None:
            set_recipients(alias, recipients)
    sync_self_alias(old_address)
    sync_self_alias(alias.address)
    audit.log_modified(alias, acting_user)
    return alias


@transaction.atomic
def delete_alias(alias, *, acting_user):
    require_perm(acting_user, "admin.delete_alias")
    require_access(acting_user, alias)
    if alias.internal:
        raise PermDeniedException(_("Internal aliases cannot be deleted"))
    admin_access.check_address(
        acting_user, alias.address, field="address", catchall=alias.address.startswith("@")
    )
    _delete_aliases([alias], acting_user)


def _delete_aliases(aliases, acting_user):
    """Delete ``aliases`` with their access rows; aliases left without
    recipients because they pointed at them go too.
    """
    ids = [alias.pk for alias in aliases]
    access.remove_rows_for(Alias, ids)
    touched = set(
        AliasRecipient.objects.filter(r_alias_id__in=ids)
        .exclude(alias_id__in=ids)
        .values_list("alias_id", flat=True)
    )
    with audit.revision(acting_user):
        Alias.objects.filter(pk__in=ids).delete()
    for alias in aliases:
        audit.log_deleted(alias, acting_user)
        sync_self_alias(alias.address)
    prune_empty_aliases(touched, acting_user)


def prune_empty_aliases(alias_ids, acting_user):
    """Delete the user-visible aliases among ``alias_ids`` left without any
    recipient (and, in turn, those that only pointed at them).
    """
    empty = list(
        Alias.objects.filter(pk__in=alias_ids, internal=False, aliasrecipient__isnull=True)
    )
    if empty:
        _delete_aliases(empty, acting_user)


@transaction.atomic
def delete_aliases(ids, *, acting_user):
    """Delete several aliases at once; all or none."""
    require_perm(acting_user, "admin.delete_alias")
    try:
        ids = {int(pk) for pk in ids}
    except (TypeError, ValueError):
        raise BadRequest(_("Invalid selection"), field="selection") from None
    aliases = list(Alias.objects.filter(pk__in=ids, internal=False))
    if len(aliases) != len(ids):
        raise NotFound(_("Alias not found"), field="selection")
    for alias in aliases:
        require_access(acting_user, alias)
        admin_access.check_address(
            acting_user,
            alias.address,
            field="selection",
            catchall=alias.address.startswith("@"),
        )
    _delete_aliases(aliases, acting_user)
    return len(aliases)


def get_forward(mailbox):
    """Return ``(recipients, keep_local_copies)`` of ``mailbox``'s forward."""
    alias = Alias.objects.filter(address=mailbox.full_address, internal=False).first()
    if alias is None:
        return [], False
    recipients = []
    keep = False
    for recipient in alias.aliasrecipient_set.order_by("pk"):
        if recipient.r_mailbox_id == mailbox.pk:
            keep = True
        else:
            recipients.append(recipient.address)
    return recipients, keep


@transaction.atomic
def set_forward(mailbox, recipients, keep_local_copies=False, *, acting_user):
    """Set the forward of ``mailbox`` (the page of mailbox owners).

    The forward is a non-internal alias bearing the mailbox's own address;
    keeping local copies adds the mailbox itself as a recipient, and an
    empty list removes the forward.
    """
    if acting_user is not None and acting_user.pk != mailbox.user_id:
        require_perm(acting_user, "admin.change_alias")
        require_access(acting_user, mailbox)
    address = mailbox.full_address
    recipients = [r for r in clean_recipients(recipients) if r != address]
    alias = Alias.objects.filter(address=address, internal=False).first()
    if not recipients:
        if alias is not None:
            _delete_aliases([alias], acting_user)
        return None
    if keep_local_copies:
        recipients.append(address)
    created = alias is None
    if created:
        active = mailbox.user.is_active
        alias = Alias(
            address=address,
            domain=mailbox.domain,
            enabled=active,
            disabled_with_account=not active,
        )
    with audit.revision(acting_user):
        alias.save()
        set_recipients(alias, recipients)
    if created:
        audit.log_created(alias, acting_user)
    else:
        audit.log_modified(alias, acting_user)
    return alias
