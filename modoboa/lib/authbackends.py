"""Authentication backends for accounts kept elsewhere: an LDAP directory
(``LDAPBackend``) or an SMTP server with AUTH (``SMTPBackend``).

List them before Django's ``ModelBackend`` in ``AUTHENTICATION_BACKENDS``.
Both create the local account at the first successful login (see
:mod:`modoboa.core.provisioning`) and never vouch for a *local* account: an
entry in the directory (or on the mail server) with the name of a local
administrator does not log in as that administrator.

A backend that cannot reach its server notes it on the request
(:func:`backend_errors`) and returns None, so local accounts still log in
while the directory is down, and the login page can say what happened.
"""

import logging
import smtplib
import ssl

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_auth_ldap import backend as ldap_backend

from modoboa.core import constants
from modoboa.core import ldap as ldap_conf
from modoboa.core.auth import LoginRefused
from modoboa.core.models import User
from modoboa.core.throttling import for_log
from modoboa.lib import validators
from modoboa.lib.exceptions import Conflict, ModoboaException

auth_logger = logging.getLogger("modoboa.auth")

_ERRORS_ATTRIBUTE = "_modoboa_auth_backend_errors"


def note_backend_error(request, message):
    """Remember on ``request`` that an authentication server failed."""
    if request is not None:
        errors = getattr(request, _ERRORS_ATTRIBUTE, None)
        if errors is None:
            errors = []
            setattr(request, _ERRORS_ATTRIBUTE, errors)
        errors.append(message)


def backend_errors(request):
    """The server failures noted during this request's authentication."""
    return list(getattr(request, _ERRORS_ATTRIBUTE, None) or [])


def _external_account(username, *, role, source, **profile):
    """Return the account created for ``username`` at its first login.

    Raise LoginRefused with the reason when it cannot be created (a simple
    user whose name is not an address, a domain that cannot be created...).
    """
    from modoboa.core.provisioning import create_external_account

    try:
        return create_external_account(username, role=role, source=source, **profile)
    except Conflict as exc:
        # Another request may have created it a moment ago.
        account = User.objects.filter(username=username.strip().lower(), is_local=False).first()
        if exc.field == "username" and account is not None:
            return account
        refused = exc
    except ModoboaException as exc:
        refused = exc
    auth_logger.warning(
        "%s account '%s' could not be created: %s",
        source,
        for_log(username),
        refused.message,
    )
    raise LoginRefused(_("Your account could not be created: %s") % refused.message, status=403)


def _first_value(attrs, name):
    values = (attrs or {}).get(name) or []
    return values[0] if values else ""


class LDAPBackend(ldap_backend.LDAPBackend):
    """django-auth-ldap configured from the core parameters.

    Active only when the ``authentication_type`` parameter is ``ldap``.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        params = ldap_conf.get_parameters()
        if not ldap_conf.is_enabled(params):
            return None
        # Read at each login: the parameters change online.
        self.settings = ldap_conf.build_settings(params)
        self._modoboa_params = params
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_or_build_user(self, username, ldap_user):
        """The account of the entry ``ldap_user`` found for the login
        ``username``.

        A login that is an address names the account. Any other login (a
        uid) is named after the entry's address attribute, so that ``jdoe``
        and ``jdoe@example.com`` reach the same account; an administrator
        without an address keeps its uid, a simple user without one is
        refused with a message naming the attribute.
        """
        login = username.strip().lower()
        address = None
        if "@" not in login:
            address = self._entry_address(ldap_user)
        for name in (address, login):
            account = User.objects.filter(username=name).first() if name else None
            if account is not None:
                if account.is_local:
                    raise ldap_user.AuthenticationFailed("%s is a local account" % name)
                return account, False
        role = constants.DOMAINADMINS if self._is_admin(ldap_user) else constants.SIMPLEUSERS
        if "@" not in login and address is None and role == constants.SIMPLEUSERS:
            attribute = ldap_conf.email_attribute(self._modoboa_params)
            auth_logger.warning(
                "LDAP account '%s' could not be created: no usable address in attribute %s",
                for_log(username),
                attribute,
            )
            raise LoginRefused(
                _(
                    "Your account could not be created: your directory entry has no usable "
                    "email address in its attribute '%s'"
                )
                % attribute,
                status=403,
            )
        attrs = ldap_user.attrs
        account = _external_account(
            address or login,
            role=role,
            source="LDAP",
            first_name=_first_value(attrs, "givenName"),
            last_name=_first_value(attrs, "sn"),
            email=address or _first_value(attrs, ldap_conf.email_attribute(self._modoboa_params)),
        )
        return account, False

    def _entry_address(self, ldap_user):
        """The entry's first valid address (lower-cased), or None."""
        attribute = ldap_conf.email_attribute(self._modoboa_params)
        for value in (ldap_user.attrs or {}).get(attribute) or []:
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            value = value.strip().lower()
            try:
                validators.validate_email_address(value)
            except ValidationError:
                continue
            return value
        return None

    def _is_admin(self, ldap_user):
        groups = {name.lower() for name in ldap_conf.admin_groups(self._modoboa_params)}
        if not groups or self.settings.GROUP_SEARCH is None:
            return False
        return bool(groups & {str(name).lower() for name in ldap_user.group_names})

    # Permissions come from the roles (ModelBackend), never from the directory.

    def get_all_permissions(self, user, obj=None):
        return set()

    def get_group_permissions(self, user, obj=None):
        return set()


def _report_ldap_error(sender, context, user, request, exception, **kwargs):
    message = ldap_conf.describe_error(exception)
    auth_logger.error("LDAP error while %s: %s", context.replace("_", " "), message)
    note_backend_error(request, "LDAP: %s" % message)


ldap_backend.ldap_error.connect(
    _report_ldap_error, sender=LDAPBackend, dispatch_uid="modoboa_ldap_error"
)


class SMTPBackend:
    """Authenticate with SMTP AUTH against ``AUTH_SMTP_SERVER_ADDRESS``.

    Settings: ``AUTH_SMTP_SERVER_ADDRESS`` (localhost), ``AUTH_SMTP_SERVER_PORT``
    (25), ``AUTH_SMTP_SECURED_MODE`` (None, "ssl" or "starttls"),
    ``AUTH_SMTP_CA_FILE`` (certificates to trust instead of the system's)
    and ``AUTH_SMTP_TIMEOUT`` (seconds, 10). Certificates are verified.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        name = username.strip().lower()
        account = User.objects.filter(username=name).first()
        if account is not None and account.is_local:
            return None
        if not self._smtp_login(request, username.strip(), password):
            return None
        if account is not None:
            return account
        return _external_account(name, role=constants.SIMPLEUSERS, source="SMTP", email=name)

    def get_user(self, user_id):
        return User.objects.filter(pk=user_id).first()

    @staticmethod
    def _tls_context():
        return ssl.create_default_context(cafile=getattr(settings, "AUTH_SMTP_CA_FILE", None))

    def _smtp_login(self, request, username, password):
        host = getattr(settings, "AUTH_SMTP_SERVER_ADDRESS", "localhost")
        port = int(getattr(settings, "AUTH_SMTP_SERVER_PORT", 25))
        mode = getattr(settings, "AUTH_SMTP_SECURED_MODE", None)
        timeout = getattr(settings, "AUTH_SMTP_TIMEOUT", 10)
        server = None
        try:
            if mode == "ssl":
                server = smtplib.SMTP_SSL(host, port, timeout=timeout, context=self._tls_context())
            else:
                server = smtplib.SMTP(host, port, timeout=timeout)
                if mode == "starttls":
                    server.starttls(context=self._tls_context())
            server.login(username, password)
        except (smtplib.SMTPAuthenticationError, UnicodeEncodeError):
            # smtplib only sends ASCII credentials: others cannot be right.
            return False
        except (smtplib.SMTPException, OSError) as exc:
            message = str(exc) or exc.__class__.__name__
            auth_logger.error(
                "SMTP authentication server %s:%s failed: %s", host, port, message[:200]
            )
            note_backend_error(request, "SMTP: %s" % message)
            return False
        finally:
            if server is not None:
                try:
                    server.quit()
                except (smtplib.SMTPException, OSError):
                    server.close()
        return True
