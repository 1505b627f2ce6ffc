"""Domain aliases: another name for a domain.

Each domain alias comes with an internal alias ``@alias`` whose recipient is
``@target``, which is how Postfix's alias map resolves it.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from modoboa.core import access, audit
from modoboa.lib.exceptions import Conflict
from modoboa.limits import services as limits_services

from .. import access as admin_access
from ..models import Alias, AliasRecipient, Domain, DomainAlias
from .common import clean_domain_name, require_access, require_perm


def _check_name_free(name, exclude=None):
    aliases = DomainAlias.objects.filter(name=name)
    if exclude is not None:
        aliases = aliases.exclude(pk=exclude.pk)
    if aliases.exists():
        raise Conflict(_("Domain alias %s already exists") % name, field="name")
    if Domain.objects.filter(name=name).exists():
        raise Conflict(_("A domain with this name already exists"), field="name")


def _set_internal_alias(domain_alias, old_name=None):
    lookup = "@%s" % (old_name or domain_alias.name)
    alias = Alias.objects.filter(address=lookup, internal=True, domain=None).first()
    if alias is None:
        alias = Alias(address=lookup, internal=True, domain=None)
    alias.address = "@%s" % domain_alias.name
    alias.enabled = domain_alias.enabled
    alias.save()
    recipient = "@%s" % domain_alias.target.name
    AliasRecipient.objects.filter(alias=alias).exclude(address=recipient).delete()
    AliasRecipient.objects.get_or_create(alias=alias, address=recipient)
    return alias


def _resolve_target(target, acting_user):
    if isinstance(target, Domain):
        domain = target
    else:
        from .common import get_domain

        if isinstance(target, int) or (isinstance(target, str) and target.isdigit()):
            domain = Domain.objects.filter(pk=int(target)).first()
            if domain is None:
                from modoboa.lib.exceptions import NotFound

                raise NotFound(_("Domain not found"), field="target")
        else:
            domain = get_domain(clean_domain_name(target, "target"), acting_user, "target")
    require_access(acting_user, domain)
    return domain


@transaction.atomic
def create_domain_alias(*, acting_user, name, target, enabled=True):
    """Create ``name`` as an alias of the domain ``target``."""
    require_perm(acting_user, "admin.add_domainalias")
    name = clean_domain_name(name)
    target = _resolve_target(target, acting_user)
    _check_name_free(name)
    admin_access.check_domain_name(acting_user, name)
    limits_services.check_can_create(acting_user, DomainAlias, "domain_aliases")
    limits_services.check_domain_limit(target, "domain_aliases")
    domain_alias = DomainAlias(name=name, target=target, enabled=bool(enabled))
    with audit.revision(acting_user):
        domain_alias.save()
    _set_internal_alias(domain_alias)
    admin_access.drop_foreign_sender_addresses(name, target)
    if acting_user is not None:
        access.grant_access(domain_alias, acting_user, is_owner=True)
    audit.log_created(domain_alias, acting_user)
    return domain_alias


@transaction.atomic
def update_domain_alias(domain_alias, *, acting_user, name=None, target=None, enabled=None):
    require_perm(acting_user, "admin.change_domainalias")
    require_access(acting_user, domain_alias)
    old_name = domain_alias.name
    if name is not None:
        name = clean_domain_name(name)
        if name != old_name:
            _check_name_free(name, exclude=domain_alias)
            admin_access.check_domain_name(acting_user, name)
        domain_alias.name = name
    if target is not None:
        new_target = _resolve_target(target, acting_user)
        if new_target.pk != domain_alias.target_id:
            limits_services.check_domain_limit(new_target, "domain_aliases")
        domain_alias.target = new_target
    if enabled is not None:
        domain_alias.enabled = bool(enabled)
    with audit.revision(acting_user):
        domain_alias.save()
    _set_internal_alias(domain_alias, old_name=old_name)
    admin_access.drop_foreign_sender_addresses(domain_alias.name, domain_alias.target)
    audit.log_modified(domain_alias, acting_user)
    return domain_alias


@transaction.atomic
def delete_domain_alias(domain_alias, *, acting_user):
    require_perm(acting_user, "admin.delete_domainalias")
    require_access(acting_user, domain_alias)
    Alias.objects.filter(address="@%s" % domain_alias.name, internal=True, domain=None).delete()
    access.remove_object_rows(domain_alias)
    with audit.revision(acting_user):
        domain_alias.delete()
    audit.log_deleted(domain_alias, acting_user)
