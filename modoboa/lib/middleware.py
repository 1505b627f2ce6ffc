"""Middleware shared by every application."""

import logging
import threading

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

from .exceptions import ModoboaException

_local = threading.local()

logger = logging.getLogger("modoboa.admin")


def get_current_request():
    """Return the request being served by this thread, or None."""
    return getattr(_local, "request", None)


def set_current_request(request):
    _local.request = request


class RequestCatcherMiddleware:
    """Keep the current request at hand for code that needs its user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        set_current_request(request)
        try:
            return self.get_response(request)
        finally:
            set_current_request(None)


def _wants_json(request):
    return (
        request.path.startswith("/api/")
        or request.headers.get("x-requested-with") == "XMLHttpRequest"
        or "application/json" in request.headers.get("accept", "")
    )


class AjaxLoginRedirect:
    """Answer an AJAX request that was redirected to login with HTTP 278,
    so the page's script can reload instead of inserting a login form.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.headers.get("x-requested-with") == "XMLHttpRequest"
            and response.status_code == 302
        ):
            location = response.get("Location", "")
            reply = HttpResponse(status=278)
            reply["Location"] = location
            return reply
        return response


class CommonExceptionCatcher:
    """Turn a ModoboaException into a clean error answer (never a 500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ModoboaException):
            return None
        if _wants_json(request):
            return JsonResponse(exception.errors, status=exception.http_code)
        return render(
            request,
            "common/error.html",
            {"error": exception.message, "status": exception.http_code},
            status=exception.http_code,
        )
