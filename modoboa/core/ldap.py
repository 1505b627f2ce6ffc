"""LDAP: django-auth-ldap settings built from the core parameters, and
password changes written to the directory.

The parameters are read each time a connection is made, so a change saved
in the console applies to the next login without a restart. Settings the
parameters do not cover (``AUTH_LDAP_CONNECTION_OPTIONS`` for a private CA,
``AUTH_LDAP_CACHE_TIMEOUT``...) may still be given in ``settings.py``.
"""

import logging

import ldap
import ldap.dn
import ldap.filter
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from modoboa.lib.exceptions import BadRequest, InternalError
from modoboa.parameters import tools as param_tools

auth_logger = logging.getLogger("modoboa.auth")

# Seconds before an unreachable directory gives up: a login must not hang.
DEFAULT_TIMEOUT = 5

USER_ATTR_MAP = {"first_name": "givenName", "last_name": "sn", "email": "mail"}


class DirectoryError(InternalError):
    """The directory could not be reached or refused the operation."""

    http_code = 503
    default_message = gettext_lazy("The directory server is unavailable")


def get_parameters():
    return param_tools.get_global_parameters("core")


def is_enabled(params=None):
    params = params if params is not None else get_parameters()
    return params.get("authentication_type") == "ldap"


def server_uri(params):
    host = params["ldap_server_address"]
    if ":" in host and not host.startswith("["):
        host = "[%s]" % host
    scheme = "ldaps" if params["ldap_secured"] == "ssl" else "ldap"
    return "%s://%s:%s" % (scheme, host, params["ldap_server_port"])


def email_attribute(params):
    """The attribute of a user's entry holding its address (``mail``)."""
    return (params.get("ldap_email_attribute") or "").strip() or "mail"


def admin_groups(params):
    """The administrator group names, from the ';'-separated parameter."""
    return [
        name.strip() for name in (params.get("ldap_admin_groups") or "").split(";") if name.strip()
    ]


def connection_options(params):
    """Options set on every connection: referrals off for Active Directory,
    a network timeout, then whatever ``settings.AUTH_LDAP_CONNECTION_OPTIONS``
    adds (it comes last since ``OPT_X_TLS_NEWCTX`` must be the final option).
    """
    timeout = getattr(settings, "MODOBOA_LDAP_TIMEOUT", DEFAULT_TIMEOUT)
    options = {ldap.OPT_NETWORK_TIMEOUT: timeout, ldap.OPT_TIMEOUT: timeout}
    if params.get("ldap_is_active_directory"):
        options[ldap.OPT_REFERRALS] = 0
    options.update(getattr(settings, "AUTH_LDAP_CONNECTION_OPTIONS", {}) or {})
    return options


def build_settings(params=None):
    """Return a django-auth-ldap ``LDAPSettings`` for the current parameters."""
    from django_auth_ldap.config import (
        GroupOfNamesType,
        LDAPSearch,
        LDAPSettings,
        PosixGroupType,
    )

    params = params if params is not None else get_parameters()
    conf = LDAPSettings()
    conf.SERVER_URI = server_uri(params)
    conf.START_TLS = params["ldap_secured"] == "starttls"
    conf.CONNECTION_OPTIONS = connection_options(params)
    conf.USER_ATTR_MAP = dict(USER_ATTR_MAP, email=email_attribute(params))
    # Modoboa never synchronises an account after its creation.
    conf.ALWAYS_UPDATE_USER = False
    conf.MIRROR_GROUPS = None
    conf.MIRROR_GROUPS_EXCEPT = None
    conf.REQUIRE_GROUP = None
    conf.DENY_GROUP = None
    conf.PERMIT_EMPTY_PASSWORD = False
    if params["ldap_auth_method"] == "directbind":
        conf.USER_DN_TEMPLATE = params["ldap_user_dn_template"] or None
        conf.USER_SEARCH = None
        # Directories seldom let anonymous binds read entries: look the
        # user's attributes and groups up with the user's own bind.
        conf.BIND_AS_AUTHENTICATING_USER = True
        conf.BIND_DN = ""
        conf.BIND_PASSWORD = ""
    else:
        conf.USER_DN_TEMPLATE = None
        conf.BIND_AS_AUTHENTICATING_USER = False
        conf.BIND_DN = params["ldap_bind_dn"] or ""
        conf.BIND_PASSWORD = params["ldap_bind_password"] or ""
        conf.USER_SEARCH = LDAPSearch(
            params["ldap_search_base"],
            ldap.SCOPE_SUBTREE,
            params["ldap_search_filter"] or "(mail=%(user)s)",
        )
    if params["ldap_group_type"] == "groupofnames":
        conf.GROUP_TYPE = GroupOfNamesType(name_attr="cn")
        group_filter = "(objectClass=groupOfNames)"
    else:
        conf.GROUP_TYPE = PosixGroupType(name_attr="cn")
        group_filter = "(objectClass=posixGroup)"
    base = params.get("ldap_groups_search_base")
    conf.GROUP_SEARCH = LDAPSearch(base, ldap.SCOPE_SUBTREE, group_filter) if base else None
    return conf


def describe_error(exc):
    """A short, readable text for a python-ldap exception."""
    info = exc.args[0] if exc.args else None
    if isinstance(info, dict):
        parts = [info.get("desc"), info.get("info")]
        return ": ".join(str(part) for part in parts if part)
    return str(exc) or exc.__class__.__name__


# Password changes


def directory_password_value(password, params, rounds=None):
    """The value written to the password attribute.

    Active Directory wants the clear password quoted and UTF-16-LE encoded
    in ``unicodePwd``; other directories get the configured scheme's hash
    in its LDAP form (``{CRYPT}$6$...``, ``{SSHA256}...``).
    """
    if params.get("ldap_is_active_directory"):
        return ('"%s"' % password).encode("utf-16-le")
    from . import password_hashers
    from .app_settings import password_settings

    scheme, default_rounds = password_settings()
    stored = password_hashers.make_password(password, scheme, rounds or default_rounds)
    return password_hashers.to_ldap_hash(stored).encode()


def _connect(params):
    conn = ldap.initialize(server_uri(params), bytes_mode=False)
    for option, value in connection_options(params).items():
        conn.set_option(option, value)
    if params["ldap_secured"] == "starttls":
        conn.start_tls_s()
    return conn


def _find_user_dn(conn, params, username, field="password"):
    """Return the DN of ``username`` (the connection is bound as needed)."""
    if params["ldap_auth_method"] == "directbind":
        return params["ldap_user_dn_template"] % {"user": ldap.dn.escape_dn_chars(username)}
    conn.simple_bind_s(params["ldap_bind_dn"] or "", params["ldap_bind_password"] or "")
    search_filter = (params["ldap_search_filter"] or "(mail=%(user)s)") % {
        "user": ldap.filter.escape_filter_chars(username)
    }
    results = conn.search_s(
        params["ldap_search_base"], ldap.SCOPE_SUBTREE, search_filter, attrlist=["1.1"]
    )
    entries = [dn for dn, _attrs in results if dn]
    if not entries and "@" in username:
        # The account of a user who logs in with its uid is named after the
        # entry's address attribute: look that up too.
        by_address = "(%s=%s)" % (
            email_attribute(params),
            ldap.filter.escape_filter_chars(username),
        )
        results = conn.search_s(
            params["ldap_search_base"], ldap.SCOPE_SUBTREE, by_address, attrlist=["1.1"]
        )
        entries = [dn for dn, _attrs in results if dn]
    if len(entries) != 1:
        raise BadRequest(_("Your account was not found in the directory"), field=field)
    return entries[0]


def _service_bind_available(params):
    return params["ldap_auth_method"] == "searchbind" and bool(params["ldap_bind_dn"])


def change_password(username, new_password, old_password=None, field="password"):
    """Write ``new_password`` for ``username`` into the directory.

    With ``old_password`` (a user changing its own password) the change is
    made with the user's own bind, which also checks the old password; when
    the directory refuses a user writing its own password, the configured
    bind DN (search-and-bind mode) makes the change instead. Without it (an
    administrator resetting the password) only the bind DN can.
    """
    params = get_parameters()
    if not is_enabled(params):
        raise BadRequest(_("The password of this account is managed outside Modoboa"), field=field)
    if old_password is not None and not old_password:
        # An empty password would make an anonymous bind, which succeeds.
        raise BadRequest(_("Old password mismatchs"), field="password")
    change = [
        (
            ldap.MOD_REPLACE,
            params["ldap_password_attribute"],
            [directory_password_value(new_password, params)],
        )
    ]
    conn = None
    try:
        conn = _connect(params)
        user_dn = _find_user_dn(conn, params, username, field)
        if old_password is not None:
            _write_as_user(conn, params, user_dn, old_password, change)
        elif _service_bind_available(params):
            _write_as_service(conn, params, user_dn, change)
        else:
            raise BadRequest(
                _("Only the user can change this password (direct bind mode)"), field=field
            )
    except ldap.LDAPError as exc:
        auth_logger.error(
            "Failed to update the LDAP password of '%s': %s", username, describe_error(exc)
        )
        raise DirectoryError(
            _("The directory refused the new password: %s") % describe_error(exc),
            field=field,
        ) from None
    finally:
        if conn is not None:
            _unbind(conn)
    auth_logger.info("LDAP password of '%s' updated", username)


def _write_as_user(conn, params, user_dn, old_password, change):
    try:
        conn.simple_bind_s(user_dn, old_password)
    except (ldap.INVALID_CREDENTIALS, ldap.UNWILLING_TO_PERFORM):
        raise BadRequest(_("Old password mismatchs"), field="password") from None
    try:
        conn.modify_s(user_dn, change)
    except ldap.INSUFFICIENT_ACCESS:
        if not _service_bind_available(params):
            raise
        _write_as_service(conn, params, user_dn, change)


def _write_as_service(conn, params, user_dn, change):
    conn.simple_bind_s(params["ldap_bind_dn"], params["ldap_bind_password"] or "")
    conn.modify_s(user_dn, change)


def _unbind(conn):
    try:
        conn.unbind_s()
    except ldap.LDAPError:
        # The connection is being dropped anyway.
        pass
