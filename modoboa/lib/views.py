"""Helpers shared by the console's views: access decorators and the
mapping of typed service errors onto form fields.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


def _role_required(test, message):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not test(request.user):
                raise PermissionDenied(message())
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def superuser_required(view):
    """Only super administrators; others get the 403 page."""
    return _role_required(
        lambda user: user.is_superuser, lambda: _("This page is for super administrators.")
    )(view)


def admin_required(view):
    """Super administrators, resellers and domain administrators."""
    return _role_required(
        lambda user: user.is_admin, lambda: _("This page is for administrators.")
    )(view)


def perm_required(*perms, any_of=False):
    """Require Django model permissions; refuse with a clear 403 page."""

    def test(user):
        checks = [user.has_perm(perm) for perm in perms]
        return any(checks) if any_of else all(checks)

    return _role_required(test, lambda: _("You are not allowed to access this page."))


def check_access(user, obj):
    """Refuse (403) unless ``user`` reaches ``obj``."""
    if not user.can_access(obj):
        raise PermissionDenied(_("You are not allowed to access this object."))


def apply_service_error(form, exc, field_map=None):
    """Show a typed service error next to the field it names.

    ``field_map`` translates service field names into form field names.
    Errors naming no field of the form go to the form's non-field errors.
    """
    field_map = field_map or {}
    for field, messages in exc.errors.items():
        name = field_map.get(field, field)
        target = name if form is not None and name in form.fields else None
        for message in messages:
            form.add_error(target, message)


def safe_next_url(request, candidate, fallback):
    """``candidate`` when it stays on this site, else ``fallback``."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def dispatch_service_error(forms, exc, field_map=None):
    """Like :func:`apply_service_error` over several forms: each message
    goes to the first form that has the field it names, else to the first
    form's non-field errors.
    """
    field_map = field_map or {}
    forms = [form for form in forms if form is not None]
    for field, messages in exc.errors.items():
        name = field_map.get(field, field)
        target_form = next((f for f in forms if name in f.fields), None)
        for message in messages:
            if target_form is not None:
                target_form.add_error(name, message)
            else:
                forms[0].add_error(None, message)
