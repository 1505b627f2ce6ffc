"""API token authentication that follows the account's state."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from . import access


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, refusing the token of an account that
    may no longer use the API (see :func:`modoboa.core.access.login_refusal`):
    disabled, or whose mailbox's domain is disabled.
    """

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if access.login_refusal(user):
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, token
