"""The single place where the console checks credentials.

The login view stays thin and calls :func:`authenticate_user`; login
throttling and a second factor belong here, so every way into the console
goes through the same checks and the same log lines.
"""

import logging

from django.contrib.auth import authenticate
from django.utils import translation

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

    def __init__(self, message, status=401):
        super().__init__(message)
        self.message = message
        self.status = status


def client_address(request):
    """The address of the client, as the proxy middleware left it."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def authenticate_user(request, username, password):
    """Check ``username``/``password``; return the account or None.

    Both outcomes are logged to ``modoboa.auth`` (syslog and the admin log)
    with upstream's wording.
    """
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        auth_logger.warning(
            "Failed connection attempt from '%s' as user '%s'",
            client_address(request),
            (username or "")[:100],
        )
        return None
    auth_logger.info("User '%s' successfully logged in", user.username)
    return user


def django_language(code):
    """Translate an account language (``pt_BR``) into Django's (``pt-br``)."""
    if not code:
        return None
    code = _LANGUAGE_ALIASES.get(code, code)
    code = code.replace("_", "-").lower()
    if translation.check_for_language(code):
        return code
    return None
