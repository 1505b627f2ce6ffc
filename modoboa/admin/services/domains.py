"""Domains: creation, update (rename included), deletion and domain
administrators.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _

from modoboa.core import access, audit
from modoboa.core import constants as core_constants
from modoboa.core import services as core_services
from modoboa.core.models import ObjectAccess, User
from modoboa.lib import validators
from modoboa.lib.exceptions import BadRequest, Conflict, PermDeniedException
from modoboa.limits import services as limits_services
from modoboa.parameters import tools as param_tools

from .. import access as admin_access
from .. import signals
from ..lib import domain_has_authorized_mx
from ..models import Alias, AliasRecipient, Domain, DomainAlias, Mailbox, Quota
from . import mailbox_operations
from .common import clean_domain_name, clean_quota, require_access, require_perm

DOMAIN_TYPES = ("domain", "relaydomain")


def _check_name_free(name, exclude=None):
    domains = Domain.objects.filter(name=name)
    if exclude is not None:
        domains = domains.exclude(pk=exclude.pk)
    if domains.exists():
        raise Conflict(_("Domain %s already exists") % name, field="name")
    if DomainAlias.objects.filter(name=name).exists():
        raise Conflict(_("A domain alias with this name already exists"), field="name")


def _check_quotas(
    acting_user, quota, default_mailbox_quota, old_quota=0, relay=False, check_default=True
):
    if check_default and quota and default_mailbox_quota > quota:
        raise BadRequest(_("Cannot be greater than domain quota"), field="default_mailbox_quota")
    if quota and not default_mailbox_quota:
        raise BadRequest(
            _("A default mailbox quota is required when the domain has a quota"),
            field="default_mailbox_quota",
        )
    if relay and not quota:
        # A relay domain stores no mail: without a quota it takes nothing
        # from a reseller's quota pool.
        return
    limits_services.check_user_limit(acting_user, "quota", new_value=quota, old_value=old_quota)


def _clean_dkim_key_length(value):
    if value in (None, "", 0):
        return None
    try:
        value = validators.parse_integer(value)
    except ValueError:
        raise BadRequest(_("Invalid key length"), field="dkim_key_length") from None
    if value not in (1024, 2048, 4096):
        raise BadRequest(_("Invalid key length"), field="dkim_key_length")
    return value


def _check_dkim(enable_dkim, selector, key_length):
    # The selector ends up in DNS records and OpenDKIM's tables: it is
    # checked even while signing is off.
    if not isinstance(selector, str):
        raise BadRequest(_("This field is required."), field="dkim_key_selector")
    try:
        validators.validate_dkim_selector(selector)
    except ValidationError as exc:
        raise BadRequest(exc.messages[0], field="dkim_key_selector") from None
    _clean_dkim_key_length(key_length)
    if not enable_dkim:
        return
    storage = param_tools.get_global_parameter("dkim_keys_storage_dir", app="admin")
    if not storage:
        raise BadRequest(_("DKIM keys storage directory not configured"), field="enable_dkim")


def _check_authorized_mx(acting_user, name):
    if acting_user is None or acting_user.is_superuser:
        return
    if not param_tools.get_global_parameter("domains_must_have_authorized_mx", app="admin"):
        return
    if not domain_has_authorized_mx(name):
        raise BadRequest(_("No authorized MX record found for this domain"), field="name")


def _bool(value, default):
    return default if value is None else bool(value)


@transaction.atomic
def create_domain(
    *,
    acting_user,
    name,
    quota=None,
    default_mailbox_quota=None,
    enabled=True,
    type="domain",
    enable_dns_checks=True,
    enable_dkim=False,
    dkim_key_selector="modoboa",
    dkim_key_length=None,
    aliases=(),
    transport=None,
    domain_admin=None,
):
    """Create a domain (or a relay domain) and what comes with it.

    ``transport`` is ``{"service": name, "settings": {...}}`` for a relay
    domain. ``domain_admin`` is ``{"username": local part, "password":
    ..., "random_password": bool, "with_mailbox": bool, "create_aliases":
    bool}`` to create the domain's administrator at once.
    """
    require_perm(acting_user, "admin.add_domain")
    name = clean_domain_name(name)
    if type not in DOMAIN_TYPES:
        raise BadRequest(_("Unknown domain type"), field="type")
    _check_name_free(name)
    admin_access.check_domain_name(acting_user, name)
    signals.check_new_domain_name.send(sender=Domain, name=name, field="name")
    limits_services.check_can_create(acting_user, Domain, "domains")
    admin_params = param_tools.get_global_parameters("admin")
    quota = clean_quota(quota)
    if quota is None:
        quota = admin_params["default_domain_quota"]
    default_mailbox_quota = clean_quota(default_mailbox_quota, "default_mailbox_quota")
    if default_mailbox_quota is None:
        default_mailbox_quota = admin_params["default_mailbox_quota"]
        if quota and (not default_mailbox_quota or default_mailbox_quota > quota):
            default_mailbox_quota = quota
    _check_quotas(acting_user, quota, default_mailbox_quota, relay=type == "relaydomain")
    if dkim_key_selector is None or dkim_key_selector == "":
        dkim_key_selector = "modoboa"
    if isinstance(dkim_key_selector, str):
        dkim_key_selector = dkim_key_selector.strip()
    _check_dkim(enable_dkim, dkim_key_selector, dkim_key_length)
    dkim_key_length = _clean_dkim_key_length(dkim_key_length)
    _check_authorized_mx(acting_user, name)
    domain = Domain(
        name=name,
        quota=quota,
        default_mailbox_quota=default_mailbox_quota,
        enabled=_bool(enabled, True),
        type=type,
        enable_dns_checks=_bool(enable_dns_checks, True),
        enable_dkim=bool(enable_dkim),
        dkim_key_selector=dkim_key_selector,
        dkim_key_length=dkim_key_length,
    )
    with audit.revision(acting_user):
        if type == "relaydomain":
            from modoboa.relaydomains.services import attach_relay_transport

            attach_relay_transport(domain, transport or {}, acting_user=acting_user)
        domain.save()
    admin_access.drop_foreign_sender_addresses(name, domain)
    if acting_user is not None:
        access.grant_access(domain, acting_user, is_owner=True)
    limits_services.create_domain_limits(domain)
    audit.log_created(domain, acting_user)
    from .domain_aliases import create_domain_alias

    for alias_name in aliases or ():
        if alias_name:
            create_domain_alias(acting_user=acting_user, name=alias_name, target=domain)
    if domain_admin:
        _create_domain_admin(domain, domain_admin, acting_user)
    return domain


def _create_domain_admin(domain, options, acting_user):
    """The "options" step of the domain wizard."""
    from .accounts import create_account
    from .aliases import create_alias

    local_part = (options.get("username") or "admin").strip().lower()
    if "@" in local_part:
        raise BadRequest(_("Enter a local part only (without @)"), field="dom_admin_username")
    username = "%s@%s" % (local_part, domain.name)
    password = options.get("password")
    random = bool(options.get("random_password")) and not password
    if not password and not random:
        password = param_tools.get_global_parameter("default_password", app="core")
        try:
            core_services.validate_password(password)
        except BadRequest:
            # The shipped default ("password") fails the policy: an
            # administrator account must never be created with it.
            password, random = None, True
    with_mailbox = options.get("with_mailbox", True)
    account = create_account(
        acting_user=acting_user,
        username=username,
        password=password,
        random_password=random,
        role=core_constants.DOMAINADMINS,
        mailbox={"address": username} if with_mailbox else None,
        domains=[domain.name],
    )
    if with_mailbox and options.get("create_aliases", True):
        address = "postmaster@%s" % domain.name
        if not Alias.objects.filter(address=address, internal=False).exists():
            create_alias(acting_user=acting_user, address=address, recipients=[username])
    return account


@transaction.atomic
def update_domain(domain, *, acting_user, **changes):
    """Change a domain. A new ``name`` renames it with its addresses."""
    require_perm(acting_user, "admin.change_domain")
    require_access(acting_user, domain)
    domain = Domain.objects.select_for_update().get(pk=domain.pk)
    old_name = domain.name
    old_quota = domain.quota
    old_default = domain.default_mailbox_quota
    new_name = old_name
    if "name" in changes and changes["name"] is not None:
        new_name = clean_domain_name(changes["name"])
        if new_name != old_name:
            _check_name_free(new_name, exclude=domain)
            admin_access.check_domain_name(acting_user, new_name)
            signals.check_new_domain_name.send(sender=Domain, name=new_name, field="name")
    quota = clean_quota(changes.get("quota"))
    if quota is None:
        quota = domain.quota
    default_mailbox_quota = clean_quota(
        changes.get("default_mailbox_quota"), "default_mailbox_quota"
    )
    if default_mailbox_quota is None:
        default_mailbox_quota = domain.default_mailbox_quota
    if quota != old_quota or default_mailbox_quota != old_default:
        # A default mailbox quota sent without the domain quota is not
        # compared with the stored one (as 1.10 did; docs/decisions.rst).
        _check_quotas(
            acting_user,
            quota,
            default_mailbox_quota,
            old_quota,
            check_default=changes.get("quota") is not None,
        )
    for field in ("enabled", "enable_dns_checks", "enable_dkim"):
        if changes.get(field) is not None:
            setattr(domain, field, bool(changes[field]))
    regenerate = False
    if changes.get("dkim_key_selector") is not None:
        selector = changes["dkim_key_selector"]
        selector = selector.strip() if isinstance(selector, str) else selector
        _check_dkim(False, selector, None)
        regenerate |= selector != domain.dkim_key_selector
        domain.dkim_key_selector = selector
    if "dkim_key_length" in changes:
        length = _clean_dkim_key_length(changes["dkim_key_length"])
        regenerate |= length != domain.dkim_key_length
        domain.dkim_key_length = length
    _check_dkim(domain.enable_dkim, domain.dkim_key_selector, domain.dkim_key_length)
    if regenerate:
        domain.dkim_private_key_path = ""
        domain.dkim_public_key = ""
    new_type = changes.get("type") or domain.type
    if new_type not in DOMAIN_TYPES:
        raise BadRequest(_("Unknown domain type"), field="type")
    domain.quota = quota
    domain.default_mailbox_quota = default_mailbox_quota
    renamed = new_name != old_name
    if renamed:
        _queue_domain_renames(domain)
    domain.name = new_name
    with audit.revision(acting_user):
        from modoboa.relaydomains.services import sync_relay_transport

        sync_relay_transport(
            domain,
            new_type,
            changes.get("transport"),
            acting_user=acting_user,
            old_name=old_name,
        )
        if renamed and new_type != "relaydomain":
            from modoboa.transport.models import Transport

            Transport.objects.filter(pattern=old_name, domain__isnull=True).delete()
        domain.type = new_type
        domain.save()
    if renamed:
        _rename_addresses(domain, old_name, new_name)
        admin_access.drop_foreign_sender_addresses(new_name, domain)
        signals.domain_renamed.send(sender=Domain, domain=domain, old_name=old_name)
    if default_mailbox_quota != old_default:
        Mailbox.objects.filter(domain=domain, use_domain_quota=True).update(
            quota=default_mailbox_quota
        )
    audit.log_modified(domain, acting_user)
    return domain


def regenerate_dkim_key(domain, *, acting_user):
    """Forget the domain's key so the next ``manage_dkim_keys`` run makes a
    new one.
    """
    require_perm(acting_user, "admin.change_domain")
    require_access(acting_user, domain)
    Domain.objects.filter(pk=domain.pk).update(dkim_private_key_path="", dkim_public_key="")
    domain.dkim_private_key_path = ""
    domain.dkim_public_key = ""
    audit.log_modified(domain, acting_user)


def _queue_domain_renames(domain):
    """Queue a rename of every mailbox home of ``domain`` (before the new
    name is written, so Dovecot still answers with the old homes).
    """
    if not mailbox_operations.handle_mailboxes():
        return
    for mailbox in Mailbox.objects.filter(domain=domain).select_related("domain"):
        mailbox_operations.queue_rename(mailbox, mailbox_operations.current_home(mailbox))


def _rename_addresses(domain, old_name, new_name):
    """Rewrite every address that ends with ``@old_name``."""
    old_suffix = "@%s" % old_name
    new_suffix = "@%s" % new_name

    def rewritten(field):
        return Concat(Substr(field, 1, Length(field) - len(old_suffix)), Value(new_suffix))

    # Rows left under the new name (by Dovecot, for an older domain) would
    # clash with the moved ones.
    Quota.objects.filter(username__endswith=new_suffix).delete()
    Quota.objects.filter(username__endswith=old_suffix).update(username=rewritten(F("username")))
    Alias.objects.filter(address__endswith=old_suffix).update(address=rewritten(F("address")))
    Alias.objects.filter(address=old_suffix).update(address=new_suffix)
    AliasRecipient.objects.filter(address__endswith=old_suffix).update(
        address=rewritten(F("address"))
    )
    AliasRecipient.objects.filter(address=old_suffix).update(address=new_suffix)
    accounts = User.objects.filter(mailbox__domain=domain)
    accounts.filter(username__endswith=old_suffix).update(username=rewritten(F("username")))
    accounts.filter(email__endswith=old_suffix).update(email=rewritten(F("email")))
    from ..models import SenderAddress

    SenderAddress.objects.filter(address__endswith=old_suffix).update(
        address=rewritten(F("address"))
    )


@transaction.atomic
def delete_domain(domain, *, acting_user, keepdir=False):
    """Delete a domain, its aliases and mailboxes.

    With ``auto_account_removal`` the accounts owning its mailboxes are
    deleted too; otherwise they stay, without a mailbox and without an
    address Dovecot could authenticate.
    """
    require_perm(acting_user, "admin.delete_domain")
    require_access(acting_user, domain)
    if acting_user is not None:
        mailbox = acting_user.mailbox_or_none
        if mailbox is not None and mailbox.domain_id == domain.pk:
            raise PermDeniedException(_("You can't delete your own domain"))
    from modoboa.relaydomains.services import detach_relay_transport

    mailboxes = list(Mailbox.objects.filter(domain=domain).select_related("domain", "user"))
    if not keepdir:
        for mailbox in mailboxes:
            mailbox_operations.queue_delete(mailbox)
    account_ids = [mb.user_id for mb in mailboxes]
    auto_removal = param_tools.get_global_parameter("auto_account_removal", app="admin")
    domain_alias_ids = list(domain.domainalias_set.values_list("pk", flat=True))
    domain_alias_names = list(domain.domainalias_set.values_list("name", flat=True))
    alias_ids = list(domain.alias_set.values_list("pk", flat=True))
    mailbox_ids = [mb.pk for mb in mailboxes]
    access.remove_rows_for(DomainAlias, domain_alias_ids)
    access.remove_rows_for(Alias, alias_ids)
    access.remove_rows_for(Mailbox, mailbox_ids)
    Alias.objects.filter(
        internal=True, domain=None, address__in=["@%s" % n for n in domain_alias_names]
    ).delete()
    Quota.objects.filter(username__endswith="@%s" % domain.name).delete()
    # Recipients elsewhere that pointed at this domain's mailboxes or aliases
    # go, and aliases left without recipients with them.
    touched = list(
        AliasRecipient.objects.filter(
            Q(r_mailbox_id__in=mailbox_ids) | Q(r_alias_id__in=alias_ids)
        )
        .exclude(alias_id__in=alias_ids)
        .values_list("alias_id", flat=True)
    )
    AliasRecipient.objects.filter(
        Q(r_mailbox_id__in=mailbox_ids) | Q(r_alias_id__in=alias_ids)
    ).delete()
    Alias.objects.filter(pk__in=touched, aliasrecipient__isnull=True).delete()
    with audit.revision(acting_user):
        detach_relay_transport(domain)
        name = str(domain)
        domain_id = domain.pk
        access.remove_object_rows(domain)
        domain.delete()
    domain.name = name
    domain.pk = domain_id
    if auto_removal and account_ids:
        from .accounts import delete_account

        for account in User.objects.filter(pk__in=account_ids):
            if acting_user is not None and account.pk == acting_user.pk:
                continue
            delete_account(account, acting_user=acting_user, keepdir=True, check_access=False)
    else:
        User.objects.filter(pk__in=account_ids).update(email="")
    audit.log_deleted(domain, acting_user)


@transaction.atomic
def add_domain_admin(domain, account, *, acting_user):
    """Make ``account`` (a domain administrator or a reseller) administer
    ``domain``. Only superusers and resellers give domains, among those they
    reach, to accounts they reach.
    """
    require_perm(acting_user, "admin.add_domain")
    require_access(acting_user, domain)
    require_access(acting_user, account)
    if account.role not in (core_constants.DOMAINADMINS, core_constants.RESELLERS):
        raise BadRequest(_("%s is not a domain administrator") % account.username, field="domains")
    ct = ContentType.objects.get_for_model(Domain)
    if ObjectAccess.objects.filter(user=account, content_type=ct, object_id=domain.pk).exists():
        return
    limits_services.check_can_create(None, User, "domain_admins", domain=domain)
    access.grant_access(domain, account)
    audit.log_message(
        "Account %s is now an administrator of domain %s", account.username, domain.name
    )


@transaction.atomic
def remove_domain_admin(domain, account, *, acting_user):
    """Stop ``account`` from administering ``domain``."""
    require_perm(acting_user, "admin.add_domain")
    require_access(acting_user, domain)
    if acting_user is not None and not acting_user.is_superuser:
        require_access(acting_user, account)
    ct = ContentType.objects.get_for_model(Domain)
    ObjectAccess.objects.filter(
        user=account, content_type=ct, object_id=domain.pk, is_owner=False
    ).delete()
    audit.log_message(
        "Account %s is no longer an administrator of domain %s",
        account.username,
        domain.name,
    )


@transaction.atomic
def set_administered_domains(account, names, *, acting_user):
    """Make ``account`` administer exactly the domains ``names`` (among
    those ``acting_user`` reaches).
    """
    from .common import get_domain

    if isinstance(names, str):
        names = [names]
    wanted = {}
    for name in names or ():
        if not isinstance(name, str):
            raise BadRequest(_("Enter a valid domain name."), field="domains")
        if not name.strip():
            continue
        name = clean_domain_name(name, field="domains")
        wanted[name] = get_domain(name, acting_user, field="domains")
    current = Domain.objects.filter(
        pk__in=ObjectAccess.objects.filter(
            user=account,
            content_type=ContentType.objects.get_for_model(Domain),
            is_owner=False,
        ).values("object_id")
    )
    current_ids = set()
    for domain in current:
        current_ids.add(domain.pk)
        if domain.name not in wanted:
            # Domains the acting user does not reach are not its to take away.
            if acting_user is None or acting_user.can_access(domain):
                remove_domain_admin(domain, account, acting_user=acting_user)
    for domain in wanted.values():
        if domain.pk not in current_ids:
            add_domain_admin(domain, account, acting_user=acting_user)
