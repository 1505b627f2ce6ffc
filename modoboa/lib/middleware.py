"""Middleware shared by every application."""

import logging
import sys
import threading

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .exceptions import ModoboaException

_local = threading.local()

logger = logging.getLogger("modoboa.admin")
database_logger = logging.getLogger("modoboa.database")


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


# Seconds a client is asked to wait before trying again.
RETRY_AFTER = 30


def _note_database_error(sender, request=None, **kwargs):
    """Mark a request whose failure was the database's (down, restarting,
    unreachable, or busy beyond the SQLite timeout).
    """
    exception = sys.exc_info()[1]
    if request is not None and isinstance(exception, (OperationalError, InterfaceError)):
        request.database_unavailable = True
        # Not to the admin log: it is in the database.
        database_logger.warning("%s %s answered 503: %s", request.method, request.path, exception)


class DatabaseUnavailableMiddleware:
    """Answer 503 (a page, or JSON for the API) instead of 500 when the
    database does not answer, wherever the request met it (a view, or a
    middleware loading the session or the user).

    Nothing is kept from the failed connection: Django drops it at the end
    of the request, and the next request connects again, so the panel
    recovers by itself when the database is back. Must come before every
    middleware that reads the database (the session's, the user's).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(
            _note_database_error, dispatch_uid="modoboa-database-unavailable"
        )

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "database_unavailable", False):
            unavailable = database_unavailable_response(request)
            for name, value in response.items():
                if name.lower() not in ("content-type", "content-length"):
                    unavailable.headers.setdefault(name, value)
            return unavailable
        return response


def database_unavailable_response(request):
    message = _("The database is not available at the moment. Try again in a minute.")
    if _wants_json(request):
        response = JsonResponse({"detail": message}, status=503)
    else:
        # No request context: the context processors would query the
        # database again.
        response = HttpResponse(render_to_string("503.html", {"error": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    # The middleware that sets it may not have run.
    response["X-Frame-Options"] = "DENY"
    response["Cache-Control"] = "no-store"
    return response


class SQLiteReadsDeferredMiddleware:
    """On SQLite, let the transactions of read-only requests (GET, HEAD,
    OPTIONS) begin DEFERRED, not IMMEDIATE.

    Deployed instances begin every transaction IMMEDIATE (see
    ``settings_defaults.sqlite_options``): writers queue for the write lock
    instead of failing. A page or an API list that only reads need not
    hold that lock for its whole duration, and must not: Dovecot's quota
    updates wait for it only briefly. Other engines are left alone.
    """

    SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in self.SAFE_METHODS:
            return self.get_response(request)
        changed = []
        for wrapper in connections.all():
            if wrapper.vendor != "sqlite":
                continue
            # The mode is read from the settings when the connection opens.
            wrapper.ensure_connection()
            if wrapper.transaction_mode not in (None, "DEFERRED"):
                changed.append((wrapper, wrapper.transaction_mode))
                wrapper.transaction_mode = "DEFERRED"
        try:
            return self.get_response(request)
        finally:
            for wrapper, mode in changed:
                wrapper.transaction_mode = mode
