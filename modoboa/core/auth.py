"""The single place where the console checks credentials.

The login view stays thin and calls :func:`authenticate_user`; login
throttling and a second factor belong here, so every way into the console
goes through the same checks and the same log lines.
"""

import logging

from django.contrib.auth import authenticate
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from . import access, throttling

auth_logger = logging.getLogger("modoboa.auth")

# Our account language codes (upstream's) and Django's codes differ for a few.
_LANGUAGE_ALIASES = {
    "el_GR": "el",
    "ja_JP": "ja",
    "pl_PL": "pl",
    "pt_PT": "pt",
    "pt_BR": "pt-br",
    "ro_RO": "ro",
    "zh_TW": "zh-hant",
}


class LoginRefused(Exception):
    """Raised by the authentication step to refuse a login with a message
    of its own (a throttled address, a missing second factor...).
    """

    def __init__(self, message, status=401, retry_after=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


class SecondFactorRequired(LoginRefused):
    """The password was right; the login goes on at ``url`` with a code."""

    def __init__(self, url):
        super().__init__(_("Enter the code of your authenticator application"), status=302)
        self.url = url


def client_address(request):
    """The address of the client, as the proxy middleware left it."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def throttle(request, username, kind=throttling.LOGIN):
    """Refuse (LoginRefused, 429) an attempt that comes too early after
    repeated failures for ``username`` or from this client address.
    """
    address = client_address(request)
    verdict = throttling.check(kind, username, address)
    if not verdict.allowed:
        throttling.log_refusal(kind, username, address, verdict)
        raise LoginRefused(verdict.message, status=429, retry_after=verdict.wait)


def check_credentials(request, username, password):
    """Check ``username``/``password`` (throttled); return the account or
    None. Raise LoginRefused when the attempt is throttled, when an
    authentication server is unreachable, or when an account authenticated
    by LDAP/SMTP cannot be created.

    Both outcomes are logged to ``modoboa.auth`` (syslog and the admin log)
    with upstream's wording.
    """
    from modoboa.lib.authbackends import backend_errors

    throttle(request, username)
    address = client_address(request)
    user = authenticate(request, username=username, password=password)
    if user is None or access.login_refusal(user):
        auth_logger.warning(
            "Failed connection attempt from '%s' as user '%s'",
            throttling.for_log(address),
            throttling.for_log(username),
        )
        if user is None and backend_errors(request):
            # Not the user's fault: do not count it against the account.
            raise LoginRefused(
                _("The authentication server is unavailable. Please try again later."),
                status=503,
            )
        throttling.record_failure(throttling.LOGIN, username, address)
        return None
    return user


def login_succeeded(request, user, typed_username=None):
    """Forget the failures of an account that just logged in, and log it."""
    throttling.reset(throttling.LOGIN, user.username)
    if typed_username:
        throttling.reset(throttling.LOGIN, typed_username)
    auth_logger.info("User '%s' successfully logged in", user.username)


def authenticate_user(request, username, password):
    """Check ``username``/``password``; return the account or None.

    An account with a second factor does not log in yet: the password step
    is remembered in the session and SecondFactorRequired sends the user to
    the code page. An account whose role requires a second factor it has
    not set up logs in, but may only reach the set-up page.
    """
    from .twofactor import login as twofactor_login
    from .twofactor import services as twofactor

    user = check_credentials(request, username, password)
    if user is None:
        return None
    if twofactor.is_enrolled(user):
        twofactor_login.begin(
            request,
            user,
            remember=bool(request.POST.get("rememberme")),
            next_url=request.POST.get("next") or request.GET.get("next") or "",
        )
        auth_logger.info(
            "User '%s' gave a valid password from '%s', waiting for the second factor",
            user.username,
            throttling.for_log(client_address(request)),
        )
        raise SecondFactorRequired(reverse("twofactor:verify"))
    if twofactor.is_required(user):
        twofactor_login.require_enrolment(request)
    login_succeeded(request, user, username)
    return user


def check_second_factor(request, user, code):
    """Check the second factor of a login in progress (throttled like the
    password). Return True when ``code`` is valid.
    """
    from .twofactor import services as twofactor

    throttle(request, user.username)
    if twofactor.verify(user, code):
        return True
    address = client_address(request)
    auth_logger.warning(
        "Failed second factor from '%s' as user '%s'",
        throttling.for_log(address),
        throttling.for_log(user.username),
    )
    throttling.record_failure(throttling.LOGIN, user.username, address)
    return False


def record_failure(request, username):
    """Count a failed check of ``username``'s credentials from this client."""
    throttling.record_failure(throttling.LOGIN, username, client_address(request))


def check_password_reset(request, email):
    """Throttle password reset requests (each request counts)."""
    throttle(request, email, kind=throttling.PASSWORD_RESET)
    throttling.record_failure(throttling.PASSWORD_RESET, email, client_address(request))


def django_language(code):
    """Translate an account language (``pt_BR``) into Django's (``pt-br``)."""
    if not code:
        return None
    code = _LANGUAGE_ALIASES.get(code, code)
    code = code.replace("_", "-").lower()
    if translation.check_for_language(code):
        return code
    return None
