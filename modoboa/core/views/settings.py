"""The super administrators' "Modoboa" area: information, log and
parameters.
"""

from django.contrib import messages
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

import modoboa
from modoboa.core import signals
from modoboa.core.extensions import exts_pool
from modoboa.core.models import Log, User
from modoboa.lib.listing import Listing
from modoboa.lib.views import superuser_required
from modoboa.parameters import tools as param_tools

SIDEBAR = "core/_settings_menu.html"
MAX_ACTIVE_SESSIONS = 2000


def _version_key(value):
    parts = []
    for piece in str(value).replace("-", ".").split("."):
        parts.append((0, int(piece)) if piece.isdigit() else (1, piece))
    return parts


def installed_versions(localconfig):
    """Installed core and extensions, with the latest known versions."""
    latest = {}
    for item in localconfig.api_versions or []:
        if isinstance(item, dict) and item.get("name"):
            latest[item["name"]] = item
    rows = [{"name": "modoboa", "label": "Modoboa", "version": modoboa.__version__}]
    for extension in exts_pool.list_all():
        rows.append(
            {
                "name": extension["name"],
                "label": extension["label"] or extension["name"],
                "version": extension["version"],
            }
        )
    for row in rows:
        known = latest.get(row["name"])
        row["last_version"] = known.get("version") if known else None
        row["changelog_url"] = known.get("url") if known else None
        row["update"] = bool(
            row["last_version"]
            and _version_key(row["last_version"]) > _version_key(row["version"])
        )
    return rows


def active_users(limit=100):
    """Accounts holding a live session (most recent logins first)."""
    user_ids = set()
    for session in Session.objects.filter(expire_date__gt=timezone.now()).order_by("-expire_date")[
        :MAX_ACTIVE_SESSIONS
    ]:
        value = session.get_decoded().get("_auth_user_id")
        if value is not None:
            user_ids.add(value)
    return list(
        User.objects.filter(pk__in=user_ids)
        .prefetch_related("groups")
        .order_by("-last_login")[:limit]
    )


@superuser_required
@require_GET
def index(request):
    return redirect("core:information")


@superuser_required
@require_GET
def information(request):
    return render(
        request,
        "core/information.html",
        {
            "sidebar_template": SIDEBAR,
            "section": "information",
            "versions": installed_versions(request.localconfig),
            "active_users": active_users(),
        },
    )


@superuser_required
@require_GET
def logs(request):
    listing = Listing(
        request,
        Log.objects.all(),
        sort_fields={
            "date_created": "date_created",
            "level": "level",
            "logger": "logger",
            "message": "message",
        },
        default_sort="-date_created",
    )
    return render(
        request,
        "core/logs.html",
        {"sidebar_template": SIDEBAR, "section": "logs", "listing": listing},
    )


@superuser_required
@require_http_methods(["GET", "POST"])
def parameters(request):
    """One tab per registered application; every form must validate
    before anything is saved.
    """
    if request.method == "POST":
        forms = param_tools.registry.get_forms("global", request.POST, user=request.user)
        if all(entry["form"].is_valid() for entry in forms):
            with transaction.atomic():
                for entry in forms:
                    entry["form"].save()
            messages.success(request, _("Parameters saved"))
            return redirect("core:parameters")
        messages.error(request, _("Some parameters are invalid: see the marked tabs."))
        status = 400
    else:
        forms = param_tools.registry.get_forms("global", user=request.user)
        status = 200
    return render(
        request,
        "core/parameters.html",
        {"sidebar_template": SIDEBAR, "section": "parameters", "forms": forms},
        status=status,
    )


def core_notifications(user):
    """Core's own notification: updates available (super administrators)."""
    if not user.is_superuser:
        return []
    from modoboa.parameters.tools import get_localconfig

    rows = installed_versions(get_localconfig())
    if any(row["update"] for row in rows):
        from django.urls import reverse

        return [
            {
                "id": "newversionavailable",
                "url": reverse("core:information"),
                "text": _("One or more updates are available"),
                "level": "info",
            }
        ]
    return []


@require_GET
def top_notifications(request):
    """JSON list of notifications for the top bar (polled by the page)."""
    if not request.user.is_authenticated:
        return JsonResponse([], safe=False, status=401)
    items = core_notifications(request.user)
    for _receiver, result in signals.get_top_notifications.send(
        sender="top_notifications", include_all=True, user=request.user
    ):
        for item in result or []:
            items.append(
                {
                    "id": str(item.get("id", "")),
                    "url": str(item.get("url", "")),
                    "text": str(item.get("text", "")),
                    "level": str(item.get("level", "info")),
                }
            )
    return JsonResponse(items, safe=False)
