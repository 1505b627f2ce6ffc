"""Helpers shared by the admin service functions."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from modoboa.lib import validators
from modoboa.lib.exceptions import BadRequest, NotFound, PermDeniedException


def require_perm(acting_user, *perms):
    """Raise PermDenied unless ``acting_user`` has every permission.

    ``acting_user`` None stands for a management command, which may do
    anything.
    """
    if acting_user is None:
        return
    for perm in perms:
        if not acting_user.has_perm(perm):
            raise PermDeniedException(_("You are not allowed to do this"))


def require_access(acting_user, obj):
    """Raise PermDenied unless ``acting_user`` reaches ``obj``."""
    if acting_user is None or acting_user.is_superuser:
        return
    if not acting_user.can_access(obj):
        raise PermDeniedException(_("You are not allowed to access this object"))


def clean_domain_name(value, field="name"):
    """Return ``value`` lower-cased, or raise BadRequest naming ``field``."""
    value = (value or "").strip().lower()
    if not value:
        raise BadRequest(_("This field is required."), field=field)
    try:
        validators.validate_domain_name(value)
    except ValidationError as exc:
        raise BadRequest(exc.messages[0], field=field) from None
    return value


def clean_email(value, field="email"):
    value = (value or "").strip().lower()
    if not value:
        raise BadRequest(_("This field is required."), field=field)
    try:
        validators.validate_email_address(value)
    except ValidationError as exc:
        raise BadRequest(exc.messages[0], field=field) from None
    return value


def clean_alias_address(value, field="address"):
    value = (value or "").strip().lower()
    if not value:
        raise BadRequest(_("This field is required."), field=field)
    try:
        validators.validate_alias_address(value)
    except ValidationError as exc:
        raise BadRequest(exc.messages[0], field=field) from None
    return value


def clean_sender_format(value, field="address"):
    """Return ``value`` lower-cased if it is a full address or ``@domain``."""
    value = (value or "").strip().lower() if isinstance(value, str) else ""
    if not value:
        raise BadRequest(_("This field is required."), field=field)
    try:
        validators.validate_sender_address(value)
    except ValidationError as exc:
        raise BadRequest(exc.messages[0], field=field) from None
    return value


def clean_quota(value, field="quota"):
    """Return a non-negative integer quota (MB)."""
    if value is None or value == "":
        return None
    try:
        value = validators.parse_integer(value)
    except ValueError:
        raise BadRequest(_("Enter a whole number."), field=field) from None
    if value < 0:
        raise BadRequest(_("Ensure this value is greater than or equal to 0."), field=field)
    if value > 2147483647:
        raise BadRequest(_("This value is too large."), field=field)
    return value


def split_address(address):
    local, _sep, domain = address.rpartition("@")
    return local, domain


def get_domain(name, acting_user=None, field="domain"):
    """Return the domain ``name`` if ``acting_user`` reaches it."""
    from ..models import Domain

    domain = Domain.objects.filter(name=name).first()
    if domain is None:
        raise NotFound(_("Domain %s does not exist") % name, field=field)
    if acting_user is not None and not acting_user.is_superuser:
        if not acting_user.can_access(domain):
            raise PermDeniedException(_("You don't have access to domain %s") % name, field=field)
    return domain
