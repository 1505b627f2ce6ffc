"""Keep an account that must set up a second factor on the set-up pages."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from . import login as twofactor_login


class TwoFactorEnrolmentMiddleware:
    """Sessions flagged at login (see ``core.auth.authenticate_user``) only
    reach the set-up pages, logout and static files until the account has
    a confirmed TOTP device. The flag lives in the session, so this costs
    no query on other requests.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if twofactor_login.enrolment_required(request) and not self._allowed(request.path):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": _("Set up two-factor authentication in the console first.")},
                    status=403,
                )
            return redirect("twofactor:setup")
        return self.get_response(request)

    @staticmethod
    def _allowed(path):
        prefixes = [reverse("twofactor:setup"), reverse("core:logout")]
        prefixes += [p for p in (settings.STATIC_URL, settings.MEDIA_URL) if p and p != "/"]
        return any(path.startswith(prefix) for prefix in prefixes)
