"""Core service functions: instance set-up, roles and passwords.

Account creation with a mailbox lives in ``modoboa.admin.services`` since
it touches domains and mailboxes; this module holds what only concerns the
account itself.
"""

import secrets
import string

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from modoboa.lib.exceptions import BadRequest, PermDeniedException

from . import access, audit, constants, signals
from .models import LocalConfig, ObjectAccess, User


def ensure_localconfig():
    """Return the LocalConfig row, creating it (and the Site) if missing."""
    localconfig = LocalConfig.objects.first()
    if localconfig is not None:
        return localconfig
    site = Site.objects.filter(pk=getattr(settings, "SITE_ID", 1)).first()
    if site is None:
        site = Site.objects.create(
            pk=getattr(settings, "SITE_ID", 1), domain="localhost", name="localhost"
        )
    return LocalConfig.objects.create(site=site)


def ensure_role_groups():
    """Create the role groups with their permissions (idempotent).

    Extensions add permissions through the ``extra_role_permissions``
    signal.
    """
    for role in constants.GROUP_ROLES:
        group, _created = Group.objects.get_or_create(name=role)
        triples = list(constants.GROUP_PERMISSIONS[role])
        for _receiver, extra in signals.extra_role_permissions.send(sender=None, role=role):
            triples.extend(extra or [])
        permissions = []
        for app_label, model, codename in triples:
            try:
                ct = ContentType.objects.get_by_natural_key(app_label, model)
            except ContentType.DoesNotExist:
                continue
            permission = Permission.objects.filter(content_type=ct, codename=codename).first()
            if permission is not None:
                permissions.append(permission)
        group.permissions.add(*permissions)


def random_password(length=None):
    """Return a random password of letters and digits that passes the
    complexity rules (at least one upper, one lower and one digit).
    """
    if length is None:
        from modoboa.parameters.tools import get_global_parameter

        length = get_global_parameter("random_password_length", app="core")
    length = max(int(length), 8)
    alphabet = string.ascii_letters + string.digits
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in value)
            and any(c.isupper() for c in value)
            and any(c.isdigit() for c in value)
        ):
            return value


def validate_password(password, account=None, field="password"):
    """Apply the password policy; raise BadRequest naming ``field``."""
    if not password:
        raise BadRequest(_("This field is required."), field=field)
    try:
        password_validation.validate_password(password, user=account)
    except ValidationError as exc:
        raise BadRequest(" ".join(exc.messages), field=field) from None


#: Dovecot schemes that store the password itself.
PLAIN_SCHEMES = ("PLAIN", "CLEAR", "CLEARTEXT", "PLAIN-TRUNC")


def check_password_hash(value, field="password"):
    """A ``{SCHEME}...`` value given as is (imports): one of a plain scheme
    holds the password itself, which must then follow the policy like any
    clear password.
    """
    if not isinstance(value, str) or not value.startswith("{") or "}" not in value:
        return
    scheme, _sep, rest = value[1:].partition("}")
    if scheme.upper() not in PLAIN_SCHEMES:
        return
    if scheme.upper() == "PLAIN-TRUNC":
        rest = rest.partition("-")[2]
    validate_password(rest, field=field)


def set_password(
    account, password, *, created=False, validate=True, field="password", old_password=None
):
    """Hash and store ``password`` for ``account`` (not saved).

    The password of an account that is not local (LDAP) is written to the
    directory (``old_password``, when given, is checked by binding as the
    user) and the local hash stays unusable.
    """
    if validate:
        validate_password(password, account, field=field)
    elif not password:
        raise BadRequest(_("This field is required."), field=field)
    if account.pk and not account.is_local:
        from .ldap import change_password

        change_password(account.username, password, old_password=old_password, field=field)
        account.set_unusable_password()
    else:
        account.set_password(password)
    if len(account.password) > User._meta.get_field("password").max_length:
        # Only reachable with the PLAIN scheme: the column holds 256.
        raise BadRequest(_("This password is too long."), field=field)
    if account.pk and not created:
        rotate_api_token(account)
    signals.account_password_updated.send(
        sender=User, account=account, password=password, created=created
    )


def get_account_roles(user, account=None):
    """Return the ``(role, label)`` pairs ``user`` may give ``account``."""
    roles = [(constants.SIMPLEUSERS, constants.ROLE_LABELS[constants.SIMPLEUSERS])]
    if user.is_superuser:
        return [
            (role, constants.ROLE_LABELS[role])
            for role in (
                constants.SIMPLEUSERS,
                constants.DOMAINADMINS,
                constants.RESELLERS,
                constants.SUPERADMINS,
            )
        ]
    if user.has_perm("admin.add_domain"):
        results = signals.user_can_set_role.send(
            sender=User, user=user, role=constants.DOMAINADMINS, account=account
        )
        if all(result is not False for _r, result in results):
            roles.append((constants.DOMAINADMINS, constants.ROLE_LABELS[constants.DOMAINADMINS]))
    return roles


def check_role_allowed(user, role, account=None):
    """Raise PermDenied unless ``user`` may give ``role``."""
    if role not in dict(constants.ROLES):
        raise BadRequest(_("Unknown role: %s") % role, field="role")
    if user is None:
        return
    if role not in dict(get_account_roles(user, account)):
        raise PermDeniedException(
            _("You are not allowed to assign the role %s") % constants.ROLE_LABELS[role],
            field="role",
        )


def _forget_cached_role(account):
    account.__dict__.pop("role", None)
    for cache in ("_perm_cache", "_group_perm_cache", "_user_perm_cache"):
        if hasattr(account, cache):
            delattr(account, cache)


@transaction.atomic
def set_role(account, role, *, acting_user=None):
    """Give ``account`` (saved) the role ``role``.

    - Becoming a superuser sets ``is_superuser``; nothing else is needed,
      since superusers reach everything without access rows.
    - A superuser losing that role hands what it owns to its heir (see
      :func:`_heir`) and loses ``master_user``.
    - An administrator becoming a simple user gives its allocated limits
      back to the reseller owning it, hands what it owns to its heir and
      stops administering its domains.
    - A new administrator gets its limit rows.
    """
    from modoboa.limits import services as limits_services

    old_role = account.role
    if old_role == role:
        return
    signals.account_role_changed.send(sender=User, account=account, role=role)
    if old_role != "---":  # "---": in no group, nothing to remove
        account.groups.clear()
    if role == constants.SUPERADMINS:
        account.is_superuser = True
        account.save(update_fields=["is_superuser"])
    else:
        if old_role == constants.SUPERADMINS:
            revoke_api_token(account, "role changed")
            account.is_superuser = False
            account.master_user = False
            account.save(update_fields=["is_superuser", "master_user"])
            _transfer_owned_objects(account, _heir(account, acting_user))
        account.groups.add(Group.objects.get_or_create(name=role)[0])
    _forget_cached_role(account)
    if role in (constants.DOMAINADMINS, constants.RESELLERS):
        limits_services.create_user_limits(account, creator=acting_user)
    if old_role in (constants.DOMAINADMINS, constants.RESELLERS) and role not in (
        constants.DOMAINADMINS,
        constants.RESELLERS,
        constants.SUPERADMINS,
    ):
        limits_services.return_resources(account)
        _transfer_owned_objects(account, _heir(account, acting_user))
        _drop_administered_domains(account)


def _heir(account, acting_user):
    """Who takes over what ``account`` owns: its own owner, else the acting
    user, else the first active superuser (never the account itself).
    """
    for candidate in (access.get_owner(account), acting_user):
        if candidate is not None and candidate.pk != account.pk:
            return candidate
    return (
        User.objects.filter(is_superuser=True, is_active=True)
        .exclude(pk=account.pk)
        .order_by("pk")
        .first()
    )


def _transfer_owned_objects(account, heir):
    """Give ``heir`` the ownership of every object ``account`` owns (except
    ``account`` itself), in three statements whatever their number.
    """
    owned = ObjectAccess.objects.filter(user=account, is_owner=True).exclude(
        content_type=ContentType.objects.get_for_model(User), object_id=account.pk
    )
    if heir is None:
        owned.delete()
        return
    heir_rows = ObjectAccess.objects.filter(
        user=heir, content_type_id=OuterRef("content_type_id"), object_id=OuterRef("object_id")
    )
    # Where the heir already has a row, it becomes the owner's row.
    ObjectAccess.objects.filter(user=heir).filter(
        Exists(
            owned.filter(
                content_type_id=OuterRef("content_type_id"), object_id=OuterRef("object_id")
            )
        )
    ).update(is_owner=True)
    owned.filter(Exists(heir_rows)).delete()
    owned.update(user=heir)


def _drop_administered_domains(account):
    from modoboa.admin.models import Domain

    ObjectAccess.objects.filter(
        user=account,
        content_type=ContentType.objects.get_for_model(Domain),
        is_owner=False,
    ).delete()


def hand_over_ownership(account, acting_user):
    """Before ``account`` is deleted, give what it owns to its own owner
    (or to ``acting_user`` when it owned itself), then drop every access
    row of the account and on the account.
    """
    _transfer_owned_objects(account, _heir(account, acting_user))
    ObjectAccess.objects.filter(user=account).delete()
    access.remove_object_rows(account)


def get_api_token(user):
    """Return ``user``'s API token key, or None."""
    from rest_framework.authtoken.models import Token

    token = Token.objects.filter(user=user).first()
    return token.key if token else None


def rotate_api_token(account):
    """Replace ``account``'s API token (if any) by a new one: a password
    change ends what the old password let anyone obtain.
    """
    from rest_framework.authtoken.models import Token

    deleted, _rows = Token.objects.filter(user_id=account.pk).delete()
    if deleted:
        Token.objects.create(user=account)
        audit.log_message("API token of %s replaced (password changed)", account.username)


def revoke_api_token(account, reason):
    """Delete ``account``'s API token (demoted or disabled account)."""
    from rest_framework.authtoken.models import Token

    deleted, _rows = Token.objects.filter(user_id=account.pk).delete()
    if deleted:
        audit.log_message("API token of %s revoked (%s)", account.username, reason)


@transaction.atomic
def set_api_access(user, enabled, *, acting_user):
    """Create (``enabled``) or revoke the API token of a super administrator.

    Return the token key, or None once revoked.
    """
    from rest_framework.authtoken.models import Token

    if not user.is_superuser:
        raise PermDeniedException(_("Only super administrators may use the API token"))
    if acting_user is not None and not acting_user.is_superuser:
        raise PermDeniedException(_("You are not allowed to do this"))
    if not enabled:
        deleted, _rows = Token.objects.filter(user=user).delete()
        if deleted:
            audit.log_message("API access disabled for %s", user.username)
        return None
    token, created = Token.objects.get_or_create(user=user)
    if created:
        audit.log_message("API access enabled for %s", user.username)
    return token.key
