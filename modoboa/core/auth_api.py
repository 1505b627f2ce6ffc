"""``POST /api/v1/token/``: exchange credentials (and the second factor of
an enrolled account) for the account's API token.

It goes through the same checks as the console login (throttling, auth
log lines, LDAP/SMTP backends, second factor). It only hands out a token
that exists: API access is still turned on from *Settings > API* (or
``manage.py api_token``), as the documentation says.
"""

import logging

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .auth import LoginRefused, check_credentials, check_second_factor, login_succeeded

auth_logger = logging.getLogger("modoboa.auth")


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254)
    password = serializers.CharField(
        max_length=256, trim_whitespace=False, style={"input_type": "password"}
    )
    code = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="TOTP or recovery code, required when two-factor authentication is on",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as 'Authorization: Token <token>'")


_ERROR = inline_serializer("TokenError", fields={"detail": serializers.CharField()})


def _refusal(message, status, retry_after=None, **extra):
    response = Response({"detail": message, **extra}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


class ObtainTokenView(APIView):
    """Exchange a username, a password (and a code) for the API token."""

    authentication_classes = []
    permission_classes = [AllowAny]
    # Throttling is the shared, database-backed one of the console login.
    throttle_classes = []

    @extend_schema(
        operation_id="obtain_token",
        tags=["authentication"],
        summary="Obtain the API token of an account",
        description=(
            "Checks the credentials like the login page does: repeated failures "
            "for an account or from an address are slowed down, then refused for "
            "a while (HTTP 429 with Retry-After). Accounts with two-factor "
            "authentication must send `code`. Only accounts whose API access is "
            "enabled have a token."
        ),
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Missing or invalid fields"),
            401: OpenApiResponse(_ERROR, description="Wrong credentials or code"),
            403: OpenApiResponse(_ERROR, description="API access is not enabled"),
            429: OpenApiResponse(_ERROR, description="Too many failed attempts"),
            503: OpenApiResponse(_ERROR, description="Authentication server unavailable"),
        },
        auth=[],
    )
    def post(self, request):
        from rest_framework.authtoken.models import Token

        from .twofactor import services as twofactor

        serializer = TokenRequestSerializer(data=request.data)
        if not serializer.is_valid():
            return Response(serializer.errors, status=400)
        data = serializer.validated_data
        django_request = request._request
        # Responses, not exceptions: a raised error would roll back the
        # failure just counted (ATOMIC_REQUESTS).
        try:
            user = check_credentials(django_request, data["username"], data["password"])
            if user is None:
                return _refusal(_("Invalid username or password"), 401)
            if twofactor.is_enrolled(user):
                if not data.get("code"):
                    return _refusal(
                        _("A two-factor authentication code is required"), 401, code_required=True
                    )
                if not check_second_factor(django_request, user, data["code"]):
                    return _refusal(_("Invalid code"), 401, code_required=True)
            elif twofactor.is_required(user):
                return _refusal(_("Set up two-factor authentication in the console first."), 403)
        except LoginRefused as exc:
            return _refusal(exc.message, exc.status, exc.retry_after)
        login_succeeded(django_request, user, data["username"])
        token = Token.objects.filter(user=user).first()
        if token is None:
            return _refusal(_("API access is not enabled for this account"), 403)
        auth_logger.info("API token handed to '%s'", user.username)
        return Response({"token": token.key})
