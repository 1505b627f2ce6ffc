"""Mailboxes: creation, quota rules, rename and deletion.

Every mailbox has an internal self-alias (its own address, internal=True)
whose one recipient is the mailbox, and a row in ``admin_quota`` keyed by
its full address.
"""

from django.db import connection, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from modoboa.core import access, audit
from modoboa.core.models import User
from modoboa.lib.exceptions import BadRequest, Conflict
from modoboa.limits import services as limits_services
from modoboa.limits.models import UserObjectLimit

from .. import access as admin_access
from .. import signals
from ..models import Alias, AliasRecipient, Domain, Mailbox, Quota, SenderAddress
from . import mailbox_operations
from .common import (
    clean_email,
    clean_quota,
    get_domain,
    require_access,
    require_perm,
    split_address,
)


def can_override_quota_rules(acting_user):
    """Superusers, and domain creators without a reseller quota limit, may
    give a mailbox no quota inside a domain that has one.
    """
    if acting_user is None or acting_user.is_superuser:
        return True
    if not acting_user.has_perm("admin.add_domain"):
        return False
    limit = UserObjectLimit.objects.filter(user=acting_user, name="quota").first()
    return limit is None or limit.max_value == 0


def apply_quota(mailbox, value, acting_user, override=None):
    """Set ``mailbox.quota`` following the domain's quota rules."""
    domain = mailbox.domain
    if value is None:
        value = domain.default_mailbox_quota if mailbox.use_domain_quota else 0
    if override is None:
        override = can_override_quota_rules(acting_user)
    if not value and domain.quota and not override:
        raise BadRequest(_("A quota is required"), field="quota")
    if domain.quota:
        # Concurrent allocations in one domain take turns (never both the
        # last megabytes): the domain's row stays locked until the end of
        # the transaction.
        if connection.in_atomic_block:
            list(Domain.objects.select_for_update().filter(pk=domain.pk).values_list("pk"))
        allocated = (
            Mailbox.objects.filter(domain=domain)
            .exclude(pk=mailbox.pk)
            .aggregate(total=Sum("quota"))["total"]
            or 0
        )
        if allocated + value > domain.quota:
            raise BadRequest(
                _("Domain quota exceeded (%(left)d MB left)")
                % {"left": max(domain.quota - allocated, 0)},
                field="quota",
            )
    mailbox.quota = value


def _ensure_self_alias(mailbox):
    address = mailbox.full_address
    alias, created = Alias.objects.get_or_create(
        address=address, internal=True, defaults={"domain": mailbox.domain}
    )
    if created:
        # A new alias has no recipients yet: one INSERT.
        AliasRecipient.objects.create(alias=alias, r_mailbox=mailbox, address=address)
        return alias
    if alias.domain_id != mailbox.domain_id:
        alias.domain = mailbox.domain
        alias.save(update_fields=["domain"])
    AliasRecipient.objects.filter(alias=alias).exclude(r_mailbox=mailbox).delete()
    AliasRecipient.objects.update_or_create(
        alias=alias, r_mailbox=mailbox, defaults={"address": address}
    )
    return alias


@transaction.atomic
def create_mailbox(account, address, *, acting_user, quota=None, use_domain_quota=None):
    """Give ``account`` (saved) a mailbox at ``address``."""
    require_perm(acting_user, "admin.add_mailbox")
    require_access(acting_user, account)
    if Mailbox.objects.filter(user=account).exists():
        raise Conflict(_("This account already has a mailbox"), field="email")
    address = clean_email(address, field="email")
    local_part, domain_name = split_address(address)
    domain = get_domain(domain_name, acting_user, field="email")
    admin_access.check_address(acting_user, address, field="email", must_be_local=True)
    if Mailbox.objects.filter(address=local_part, domain=domain).exists():
        raise Conflict(_("Mailbox %s already exists") % address, field="email")
    if Alias.objects.filter(address=address, internal=False).exists():
        raise Conflict(_("An alias with this address already exists"), field="email")
    signals.check_new_mailbox_address.send(sender=Mailbox, address=address, field="email")
    limits_services.check_can_create(acting_user, Mailbox, "mailboxes", domain=domain)
    quota = clean_quota(quota)
    if use_domain_quota is None:
        use_domain_quota = quota is None
    mailbox = Mailbox(
        address=local_part, domain=domain, user=account, use_domain_quota=bool(use_domain_quota)
    )
    apply_quota(mailbox, None if use_domain_quota else quota, acting_user)
    with audit.revision(acting_user):
        mailbox.save()
    # Dovecot may have written the row already; one statement either way.
    Quota.objects.bulk_create([Quota(username=address)], ignore_conflicts=True)
    self_alias = _ensure_self_alias(mailbox)
    # No forward bears this address (refused above), so the mailbox's own
    # alias delivers locally (what sync_self_alias would decide).
    if not self_alias.enabled:
        Alias.objects.filter(pk=self_alias.pk).update(enabled=True)
    account.email = address
    account.save(update_fields=["email"])
    if acting_user is not None:
        access.grant_access(mailbox, acting_user, is_owner=True)
    audit.log_created(mailbox, acting_user)
    return mailbox


@transaction.atomic
def update_quota(mailbox, *, acting_user, quota=None, use_domain_quota=None):
    """Change a mailbox's quota (``use_domain_quota`` follows the domain's
    default).
    """
    require_perm(acting_user, "admin.change_mailbox")
    require_access(acting_user, mailbox)
    quota = clean_quota(quota)
    if use_domain_quota is not None:
        mailbox.use_domain_quota = bool(use_domain_quota)
    elif quota is not None:
        # An explicit value replaces the domain's default.
        mailbox.use_domain_quota = False
    apply_quota(mailbox, None if mailbox.use_domain_quota else quota, acting_user)
    with audit.revision(acting_user):
        mailbox.save(update_fields=["quota", "use_domain_quota", "last_modification"])
    audit.log_modified(mailbox, acting_user)


@transaction.atomic
def rename_mailbox(mailbox, new_address, *, acting_user, create_alias=False):
    """Move ``mailbox`` to ``new_address`` (possibly in another domain).

    The quota row, the self-alias, the forward and the recipients pointing
    at it follow; the mail home is renamed later by
    ``handle_mailbox_operations`` when file-system handling is on.
    """
    require_perm(acting_user, "admin.change_mailbox")
    require_access(acting_user, mailbox)
    new_address = clean_email(new_address, field="email")
    old_address = mailbox.full_address
    if new_address == old_address:
        return mailbox
    old_local_part = mailbox.address
    local_part, domain_name = split_address(new_address)
    domain = get_domain(domain_name, acting_user, field="email")
    admin_access.check_address(acting_user, new_address, field="email", must_be_local=True)
    if Mailbox.objects.filter(address=local_part, domain=domain).exists():
        raise Conflict(_("Mailbox %s already exists") % new_address, field="email")
    if Alias.objects.filter(address=new_address, internal=False).exists():
        raise Conflict(_("An alias with this address already exists"), field="email")
    signals.check_new_mailbox_address.send(sender=Mailbox, address=new_address, field="email")
    if domain.pk != mailbox.domain_id:
        limits_services.check_domain_limit(domain, "mailboxes")
    old_home = mailbox_operations.current_home(mailbox)
    mailbox.address = local_part
    old_domain = mailbox.domain
    mailbox.domain = domain
    if domain.pk != old_domain.pk:
        apply_quota(mailbox, None if mailbox.use_domain_quota else mailbox.quota, acting_user)
    account = mailbox.user
    if account.username == old_address and (
        User.objects.filter(username=new_address).exclude(pk=account.pk).exists()
    ):
        raise Conflict(_("Account %s already exists") % new_address, field="email")
    with audit.revision(acting_user):
        mailbox.save()
    # The usage moves with the mailbox; Dovecot recomputes it anyway.
    usage = Quota.objects.filter(username=old_address).first()
    Quota.objects.filter(username__in=[old_address, new_address]).delete()
    Quota.objects.create(
        username=new_address,
        bytes=usage.bytes if usage else 0,
        messages=usage.messages if usage else 0,
    )
    Alias.objects.filter(address=new_address, internal=True).delete()
    Alias.objects.filter(address=old_address, internal=True).update(
        address=new_address, domain=domain
    )
    _ensure_self_alias(mailbox)
    Alias.objects.filter(address=old_address, internal=False).update(
        address=new_address, domain=domain
    )
    _rename_recipients(mailbox, old_local_part, old_domain.name)
    if account.username == old_address:
        account.username = new_address
    account.email = new_address
    account.save(update_fields=["username", "email"])
    mailbox_operations.queue_rename(mailbox, old_home)
    signals.mailbox_renamed.send(sender=Mailbox, mailbox=mailbox, old_address=old_address)
    from .aliases import sync_self_alias

    sync_self_alias(new_address)
    if create_alias:
        from .aliases import create_alias as make_alias

        make_alias(acting_user=acting_user, address=old_address, recipients=[new_address])
    audit.log_modified(mailbox, acting_user)
    return mailbox


def _rename_recipients(mailbox, old_local_part, old_domain_name):
    """Point the recipients linked to ``mailbox`` at its new address,
    ``+extension`` forms included.
    """
    new_local_part, new_domain_name = mailbox.address, mailbox.domain.name
    for recipient in AliasRecipient.objects.filter(r_mailbox=mailbox):
        local_part, _sep, domain_name = recipient.address.rpartition("@")
        if domain_name != old_domain_name:
            continue
        if local_part == old_local_part:
            local_part = new_local_part
        elif local_part.startswith(old_local_part + "+"):
            local_part = new_local_part + local_part[len(old_local_part) :]
        else:
            continue
        recipient.address = "%s@%s" % (local_part, new_domain_name)
        recipient.save(update_fields=["address"])


@transaction.atomic
def delete_mailbox(mailbox, *, acting_user, keepdir=False):
    """Delete ``mailbox`` and what only exists for it: its self-alias, its
    quota row, its recipient rows and the aliases they leave empty. Unless
    ``keepdir``, the removal of its mail home is queued.
    """
    require_perm(acting_user, "admin.delete_mailbox")
    require_access(acting_user, mailbox)
    from .aliases import prune_empty_aliases

    if not keepdir:
        mailbox_operations.queue_delete(mailbox)
    address = mailbox.full_address
    touched = set(
        AliasRecipient.objects.filter(r_mailbox=mailbox).values_list("alias_id", flat=True)
    )
    AliasRecipient.objects.filter(r_mailbox=mailbox).delete()
    self_aliases = Alias.objects.filter(address=address, internal=True)
    touched |= set(
        AliasRecipient.objects.filter(r_alias__in=self_aliases).values_list("alias_id", flat=True)
    )
    self_aliases.delete()
    Quota.objects.filter(username=address).delete()
    access.remove_object_rows(mailbox)
    account = mailbox.user
    with audit.revision(acting_user):
        mailbox.delete()
    account.email = ""
    account.save(update_fields=["email"])
    prune_empty_aliases(touched, acting_user)
    audit.log_deleted(mailbox, acting_user)


@transaction.atomic
def set_mailbox_aliases(mailbox, addresses, *, acting_user):
    """Make exactly ``addresses`` aliases of ``mailbox`` (Mail tab).

    Aliases no longer listed lose the mailbox as recipient and are deleted
    when left without recipients; new ones point to the mailbox and take the
    account's active state.
    """
    from .aliases import create_alias
    from .common import clean_alias_address

    wanted = []
    for value in addresses or ():
        if value and value.strip():
            address = clean_alias_address(value, field="aliases")
            if address != mailbox.full_address and address not in wanted:
                wanted.append(address)
    current = {
        r.alias.address: r
        for r in AliasRecipient.objects.filter(
            r_mailbox=mailbox, alias__internal=False
        ).select_related("alias")
        if r.alias.address != mailbox.full_address
    }
    from .aliases import prune_empty_aliases

    for address, recipient in current.items():
        if address not in wanted:
            alias = recipient.alias
            require_perm(acting_user, "admin.change_alias")
            require_access(acting_user, alias)
            recipient.delete()
            prune_empty_aliases([alias.pk], acting_user)
    for address in wanted:
        if address in current:
            continue
        existing = Alias.objects.filter(address=address, internal=False).first()
        if existing is not None:
            require_perm(acting_user, "admin.change_alias")
            require_access(acting_user, existing)
            admin_access.check_address(
                acting_user,
                existing.address,
                field="aliases",
                catchall=existing.address.startswith("@"),
            )
            AliasRecipient.objects.get_or_create(
                alias=existing, r_mailbox=mailbox, defaults={"address": mailbox.full_address}
            )
            continue
        create_alias(
            acting_user=acting_user,
            address=address,
            recipients=[mailbox.full_address],
            enabled=mailbox.user.is_active,
        )


@transaction.atomic
def set_sender_addresses(mailbox, addresses, *, acting_user):
    """Make exactly ``addresses`` the extra sender addresses of ``mailbox``."""
    from .sender_addresses import clean_sender_address

    require_perm(acting_user, "admin.change_senderaddress")
    require_access(acting_user, mailbox)

    wanted = []
    for value in addresses or ():
        if value and value.strip():
            address = clean_sender_address(value, acting_user, field="senderaddress")
            if address not in wanted:
                wanted.append(address)
    removed, _details = (
        SenderAddress.objects.filter(mailbox=mailbox).exclude(address__in=wanted).delete()
    )
    existing = set(SenderAddress.objects.filter(mailbox=mailbox).values_list("address", flat=True))
    added = SenderAddress.objects.bulk_create(
        SenderAddress(address=address, mailbox=mailbox)
        for address in wanted
        if address not in existing
    )
    if removed or added:
        audit.log_message(
            "Sender addresses of mailbox %s set to [%s] by %s",
            mailbox.full_address,
            ", ".join(wanted),
            audit.actor_label(acting_user),
        )
