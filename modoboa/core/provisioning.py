"""Accounts created at their first login through LDAP or SMTP.

The account is not local (its password lives in the directory or on the
mail server, so the local hash is unusable), it belongs to the first super
administrator, and ``account_auto_created`` lets the admin application add
the domain and the mailbox. Everything happens in one transaction: a login
that fails half-way leaves nothing behind.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from modoboa.lib.exceptions import Conflict

from . import access, audit, constants, services, signals
from .models import User

_NAME_LENGTH = User._meta.get_field("first_name").max_length


def _text(value, length):
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return (value or "").strip()[:length]


def _email_or_blank(value):
    value = _text(value, 254).lower()
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value


@transaction.atomic
def create_external_account(username, *, role, source, first_name="", last_name="", email=""):
    """Create the local record of an account authenticated elsewhere.

    ``source`` ("LDAP", "SMTP") only goes to the log. Raise BadRequest when
    ``username`` cannot name an account of ``role`` (a simple user needs an
    email address), Conflict when it already exists; any error of the
    domain or mailbox creation rolls the account back too.
    """
    from modoboa.admin.services.accounts import _default_language, clean_username

    username = clean_username(username, role)
    if User.objects.filter(username=username).exists():
        raise Conflict(_("Account %s already exists") % username, field="username")
    account = User(
        username=username,
        is_local=False,
        first_name=_text(first_name, _NAME_LENGTH),
        last_name=_text(last_name, _NAME_LENGTH),
        email=_email_or_blank(email),
        language=_default_language(),
    )
    account.set_unusable_password()
    with audit.revision(None):
        account.save()
    services.set_role(account, role, acting_user=None)
    owner = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if owner is not None:
        access.grant_access(account, owner, is_owner=True)
    audit.log_message(
        "Account %s created at its first login (%s, %s)",
        username,
        source,
        constants.ROLE_LABELS.get(role, role),
    )
    signals.account_auto_created.send(sender=User, user=account)
    return account


def hide_password_change(sender, user, **kwargs):
    """``allow_password_change`` receiver: the profile page hides the
    password fields of an account whose password lives on a server Modoboa
    cannot write to (SMTP, or LDAP once LDAP authentication is off).
    """
    if user.is_local:
        return False
    from .ldap import is_enabled

    return not is_enabled()
