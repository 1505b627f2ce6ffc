"""Accounts: creation with a mailbox, update, password and deletion.

The console's account forms, the API's account serializer, ``modo import``
and LDAP/SMTP auto-provisioning all call these functions.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from modoboa.core import access, audit
from modoboa.core import constants as core_constants
from modoboa.core import services as core_services
from modoboa.core import signals as core_signals
from modoboa.core.models import User
from modoboa.lib import validators
from modoboa.lib.exceptions import BadRequest, Conflict, PermDeniedException
from modoboa.limits import services as limits_services

from . import mailboxes as mailbox_services
from .common import require_access, require_perm

_PROFILE_FIELDS = ("first_name", "last_name", "phone_number", "secondary_email", "language")


def _default_language():
    code = getattr(settings, "LANGUAGE_CODE", "en") or "en"
    known = dict(core_constants.LANGUAGES)
    for candidate in (code, code.replace("-", "_"), code.split("-")[0]):
        if candidate in known:
            return candidate
        for key in known:
            if key.lower() == candidate.lower():
                return key
    return "en"


def clean_username(username, role):
    """Return ``username`` lower-cased, or raise BadRequest.

    Simple users are named by their email address; administrators without
    a mailbox may use a plain name (letters, digits and ``. _ - +``).
    """
    if username is not None and not isinstance(username, str):
        raise BadRequest(_("Enter a valid username."), field="username")
    username = (username or "").strip().lower()
    if not username:
        raise BadRequest(_("This field is required."), field="username")
    if role == core_constants.SIMPLEUSERS and "@" not in username:
        raise BadRequest(
            _("Simple users must have an email address as username"), field="username"
        )
    try:
        validators.validate_username(username)
    except ValidationError as exc:
        raise BadRequest(exc.messages[0], field="username") from None
    return username


def _clean_profile(values):
    cleaned = {}
    for field in _PROFILE_FIELDS:
        if field not in values or values[field] is None:
            continue
        value = values[field]
        if not isinstance(value, str):
            raise BadRequest(_("Enter a valid value."), field=field)
        if field == "language":
            if value not in dict(core_constants.LANGUAGES):
                raise BadRequest(_("Select a valid language."), field="language")
        elif field == "secondary_email":
            value = value.strip().lower() or None
            if value:
                try:
                    validators.validate_email_address(value)
                except ValidationError:
                    raise BadRequest(
                        _("Enter a valid email address."), field="secondary_email"
                    ) from None
        else:
            value = value.strip()
            if any(ord(c) < 32 for c in value):
                raise BadRequest(_("Control characters are not allowed."), field=field)
            max_length = User._meta.get_field(field).max_length
            if len(value) > max_length:
                raise BadRequest(
                    _("Ensure this value has at most %d characters.") % max_length,
                    field=field,
                )
        cleaned[field] = value
    return cleaned


def _mailbox_address(mailbox):
    if not mailbox:
        return None
    if isinstance(mailbox, str):
        return mailbox
    return mailbox.get("full_address") or mailbox.get("address") or mailbox.get("email")


@transaction.atomic
def create_account(
    *,
    acting_user,
    username,
    password=None,
    random_password=False,
    password_hash=None,
    role=core_constants.SIMPLEUSERS,
    first_name="",
    last_name="",
    is_active=True,
    master_user=False,
    language=None,
    phone_number=None,
    secondary_email=None,
    mailbox=None,
    domains=(),
    aliases=(),
    sender_addresses=(),
    validate_password=True,
):
    """Create an account, and optionally its mailbox, aliases, sender
    addresses and administered domains.

    ``mailbox`` is ``{"address" | "full_address": ..., "quota": ...,
    "use_domain_quota": ...}`` (or just the address). A simple user always
    gets a mailbox at its username. ``password_hash`` stores an already
    hashed ``{SCHEME}...`` value (imports). Returns the account; its clear
    password is in ``account.clear_password`` when it was made up.
    """
    require_perm(acting_user, "core.add_user")
    if role == core_constants.DOMAINADMINS and acting_user is not None:
        # Said before "role not allowed", which it also causes.
        limits_services.check_user_limit(acting_user, "domain_admins")
    core_services.check_role_allowed(acting_user, role)
    username = clean_username(username, role)
    if User.objects.filter(username=username).exists():
        raise Conflict(_("Account %s already exists") % username, field="username")
    if master_user and role != core_constants.SUPERADMINS:
        raise BadRequest(
            _("Only super administrators are allowed for this mode"), field="master_user"
        )
    address = _mailbox_address(mailbox)
    if role == core_constants.SIMPLEUSERS and not address:
        address = username
    if address is not None and not isinstance(address, str):
        raise BadRequest(_("Enter a valid email address."), field="email")
    if address and address.strip().lower() != username:
        raise BadRequest(_("The mailbox address must be equal to the username"), field="email")
    profile = _clean_profile(
        {
            "first_name": first_name,
            "last_name": last_name,
            "phone_number": phone_number,
            "secondary_email": secondary_email,
            "language": language or _default_language(),
        }
    )
    account = User(username=username, is_active=bool(is_active), master_user=bool(master_user))
    for field, value in profile.items():
        setattr(account, field, value)
    clear_password = None
    if password_hash:
        if acting_user is not None and not acting_user.is_superuser:
            # Superusers may carry over weak legacy passwords (migrations).
            core_services.check_password_hash(password_hash)
        account.password = password_hash
    elif random_password:
        clear_password = core_services.random_password()
        core_services.set_password(account, clear_password, created=True, validate=False)
    elif password:
        core_services.set_password(account, password, created=True, validate=validate_password)
    else:
        raise BadRequest(_("This field is required."), field="password")
    with audit.revision(acting_user):
        account.save()
        account.know_role(None)  # a new account is in no group yet
        core_services.set_role(account, role, acting_user=acting_user)
        if acting_user is not None:
            access.grant_access(account, acting_user, is_owner=True)
        if address:
            quota = use_domain_quota = None
            if isinstance(mailbox, dict):
                quota = mailbox.get("quota")
                use_domain_quota = mailbox.get("use_domain_quota")
                if quota in (None, "") and use_domain_quota is None:
                    use_domain_quota = True
            box = mailbox_services.create_mailbox(
                account,
                address,
                acting_user=acting_user,
                quota=quota,
                use_domain_quota=use_domain_quota,
            )
            if aliases:
                mailbox_services.set_mailbox_aliases(box, aliases, acting_user=acting_user)
            if sender_addresses:
                mailbox_services.set_sender_addresses(
                    box, sender_addresses, acting_user=acting_user
                )
        elif aliases or sender_addresses:
            raise BadRequest(_("A mailbox is required for aliases"), field="aliases")
        if domains and role in (core_constants.DOMAINADMINS, core_constants.RESELLERS):
            from .domains import set_administered_domains

            set_administered_domains(account, domains, acting_user=acting_user)
    account.clear_password = clear_password
    audit.log_created(account, acting_user)
    return account


def _check_can_edit(account, acting_user):
    require_perm(acting_user, "core.change_user")
    if acting_user is not None and account.pk != acting_user.pk:
        require_access(acting_user, account)


@transaction.atomic
def update_account(account, *, acting_user, **changes):
    """Change an account and its mailbox.

    Recognised keys: ``username``, ``role``, ``password``,
    ``random_password``, ``is_active``, ``master_user``, the profile fields,
    ``email`` (mailbox address; empty removes the mailbox), ``quota``,
    ``use_domain_quota``, ``create_alias_with_old_address``, ``aliases``,
    ``sender_addresses``, ``domains`` (administered domains) and
    ``keepdir``.
    """
    _check_can_edit(account, acting_user)
    account = User.objects.select_for_update().get(pk=account.pk)
    is_self = acting_user is not None and acting_user.pk == account.pk
    role = changes.get("role") or account.role
    if role != account.role:
        if is_self:
            raise PermDeniedException(_("You can't change your own role"), field="role")
        if role == core_constants.DOMAINADMINS and acting_user is not None:
            limits_services.check_user_limit(acting_user, "domain_admins")
        core_services.check_role_allowed(acting_user, role, account)
        if changes.get("username") is None:
            clean_username(account.username, role)
    mailbox = account.mailbox_or_none
    current_address = mailbox.full_address if mailbox is not None else None
    username = account.username
    if changes.get("username") is not None:
        username = clean_username(changes["username"], role)
        if username != account.username:
            if User.objects.filter(username=username).exclude(pk=account.pk).exists():
                raise Conflict(_("Account %s already exists") % username, field="username")
    if "email" in changes:
        new_address = (changes["email"] or "").strip().lower() or None
    elif mailbox is not None:
        new_address = mailbox.full_address
        if username != account.username and account.username == mailbox.full_address:
            new_address = username
    else:
        new_address = None
    if role == core_constants.SIMPLEUSERS and not new_address:
        new_address = username
    if (
        new_address
        and new_address != username
        and (new_address, username) != (current_address, account.username)
    ):
        raise BadRequest(_("The mailbox address must be equal to the username"), field="email")
    if changes.get("is_active") is not None:
        is_active = bool(changes["is_active"])
        if is_self and not is_active:
            raise PermDeniedException(_("You can't disable your own account"), field="is_active")
        if is_active != account.is_active and mailbox is not None and not mailbox.domain.enabled:
            raise BadRequest(_("The domain of this account is disabled"), field="is_active")
        account.is_active = is_active
        if not is_active:
            core_services.revoke_api_token(account, "account disabled")
    if changes.get("master_user") is not None:
        if changes["master_user"] and role != core_constants.SUPERADMINS:
            raise BadRequest(
                _("Only super administrators are allowed for this mode"), field="master_user"
            )
        if acting_user is not None and not acting_user.is_superuser:
            if bool(changes["master_user"]) != account.master_user:
                raise PermDeniedException(
                    _("Only super administrators may change this"), field="master_user"
                )
        account.master_user = bool(changes["master_user"])
    for field, value in _clean_profile(changes).items():
        setattr(account, field, value)
    clear_password = None
    if changes.get("random_password"):
        clear_password = core_services.random_password()
        core_services.set_password(account, clear_password, validate=False)
    elif changes.get("password"):
        core_services.set_password(account, changes["password"])
    account.username = username if not mailbox else account.username
    with audit.revision(acting_user):
        account.save()
        if role != account.role:
            core_services.set_role(account, role, acting_user=acting_user)
        if mailbox is not None and new_address is None:
            mailbox_services.delete_mailbox(
                mailbox, acting_user=acting_user, keepdir=changes.get("keepdir", False)
            )
            account.username = username
            account.save(update_fields=["username"])
            mailbox = None
        elif mailbox is not None:
            if new_address != mailbox.full_address:
                mailbox_services.rename_mailbox(
                    mailbox,
                    new_address,
                    acting_user=acting_user,
                    create_alias=changes.get("create_alias_with_old_address", False),
                )
                account.refresh_from_db()
            if "quota" in changes or "use_domain_quota" in changes:
                mailbox_services.update_quota(
                    mailbox,
                    acting_user=acting_user,
                    quota=changes.get("quota", mailbox.quota),
                    use_domain_quota=changes.get("use_domain_quota"),
                )
        elif new_address:
            use_domain_quota = changes.get("use_domain_quota")
            if changes.get("quota") in (None, "") and use_domain_quota is None:
                use_domain_quota = True
            mailbox = mailbox_services.create_mailbox(
                account,
                new_address,
                acting_user=acting_user,
                quota=changes.get("quota"),
                use_domain_quota=use_domain_quota,
            )
            account.username = username
            account.save(update_fields=["username"])
        if mailbox is not None:
            if changes.get("aliases") is not None:
                mailbox_services.set_mailbox_aliases(
                    mailbox, changes["aliases"], acting_user=acting_user
                )
            if changes.get("sender_addresses") is not None:
                mailbox_services.set_sender_addresses(
                    mailbox, changes["sender_addresses"], acting_user=acting_user
                )
            if changes.get("is_active") is not None:
                _follow_account_state(mailbox, account.is_active, acting_user)
        if changes.get("domains") is not None and account.role in (
            core_constants.DOMAINADMINS,
            core_constants.RESELLERS,
        ):
            from .domains import set_administered_domains

            set_administered_domains(account, changes["domains"], acting_user=acting_user)
    account.clear_password = clear_password
    audit.log_modified(account, acting_user)
    return account


def _follow_account_state(mailbox, is_active, acting_user):
    """The aliases of ``mailbox`` follow its account's state: those whose
    only recipient it is and that ``acting_user`` reaches. An alias that
    also delivers elsewhere, or that another tenant made, is not the
    account's to switch.

    Disabling marks the aliases it switches off; enabling switches on only
    those marked, so an alias its administrator disabled stays disabled.
    """
    from django.db.models import Exists, OuterRef

    from ..models import Alias, AliasRecipient

    others = AliasRecipient.objects.filter(alias=OuterRef("pk")).exclude(r_mailbox=mailbox)
    own = Alias.objects.filter(
        internal=False,
        pk__in=AliasRecipient.objects.filter(r_mailbox=mailbox).values("alias_id"),
    ).exclude(Exists(others))
    if acting_user is not None:
        own = access.filter_for_admin(acting_user, own)
    if is_active:
        own = own.filter(enabled=False, disabled_with_account=True)
    else:
        own = own.filter(enabled=True)
    ids = list(own.values_list("pk", flat=True))
    if ids:
        Alias.objects.filter(pk__in=ids).update(
            enabled=is_active, disabled_with_account=not is_active
        )


@transaction.atomic
def update_profile(account, *, acting_user, **fields):
    """Change the profile fields (names, language, phone, secondary email)
    of ``account``: a user editing its own profile needs no permission.
    """
    if acting_user is not None and acting_user.pk != account.pk:
        _check_can_edit(account, acting_user)
    cleaned = _clean_profile(fields)
    for field, value in cleaned.items():
        setattr(account, field, value)
    with audit.revision(acting_user):
        account.save(update_fields=list(cleaned) or None)
    audit.log_modified(account, acting_user)
    return account


@transaction.atomic
def change_own_password(account, old_password, new_password):
    """A user changing its own password: the old one must match."""
    if not account.is_local:
        # The directory checks the old password (see core.ldap).
        core_services.set_password(
            account, new_password, field="new_password", old_password=old_password or ""
        )
    elif not account.check_password(old_password or ""):
        raise BadRequest(_("Old password mismatchs"), field="password")
    else:
        core_services.set_password(account, new_password, field="new_password")
    account.save(update_fields=["password"])
    audit.log_message("Password of account %s changed by its owner", account.username)
    return account


@transaction.atomic
def set_account_password(account, new_password, *, acting_user):
    """An administrator setting another account's password."""
    _check_can_edit(account, acting_user)
    core_services.set_password(account, new_password, field="new_password")
    account.save(update_fields=["password"])
    audit.log_modified(account, acting_user)
    return account


@transaction.atomic
def delete_account(account, *, acting_user, keepdir=False, check_access=True):
    """Delete an account with its mailbox; what it owned goes to its own
    owner, and what it was allocated goes back to its reseller.
    """
    if acting_user is not None and account.pk == acting_user.pk:
        raise PermDeniedException(_("You can't delete your own account"))
    if check_access:
        require_perm(acting_user, "core.delete_user")
        require_access(acting_user, account)
    core_signals.account_deleted.send(sender=User, user=account)
    limits_services.return_resources(account)
    mailbox = account.mailbox_or_none
    if mailbox is not None:
        mailbox_services.delete_mailbox(mailbox, acting_user=acting_user, keepdir=keepdir)
    core_services.hand_over_ownership(account, acting_user)
    name = account.username
    with audit.revision(acting_user):
        account.delete()
    account.username = name
    audit.log_deleted(account, acting_user)
