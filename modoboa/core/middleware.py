"""Core middleware."""

from django.contrib.auth import logout

from modoboa.parameters.tools import get_localconfig

from . import access


class LocalConfigMiddleware:
    """Attach this instance's LocalConfig to ``request.localconfig``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.localconfig = None
        request.localconfig = get_localconfig()
        return self.get_response(request)


class AccountStateMiddleware:
    """End the session of an account that may no longer use the console
    (disabled, or its mailbox's domain disabled: see
    :func:`modoboa.core.access.login_refusal`), at its next request.

    Django already ends the sessions of a disabled account and of one whose
    password changed; this covers the rules Django does not know.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and access.login_refusal(user):
            logout(request)
        return self.get_response(request)
