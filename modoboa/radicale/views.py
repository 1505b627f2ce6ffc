"""Calendar pages, and the login check Radicale's plugin calls."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from modoboa.admin.models import Domain
from modoboa.core.auth import LoginRefused
from modoboa.lib.exceptions import BadRequest, ModoboaException
from modoboa.lib.views import apply_service_error

from . import client, services
from .forms import CalendarForm, SharedCalendarForm, ShareForm
from .models import SharedCalendar, UserCalendar


# Outside the request's transaction: Radicale asks while the panel's own
# request that created a calendar may still hold SQLite's write lock.
@transaction.non_atomic_requests
@csrf_exempt
@require_POST
def auth_check(request):
    """Radicale's plugin asks whether a login and password are right."""
    try:
        payload = json.loads(request.body.decode("utf-8"))
        username, password = payload["username"], payload["password"]
        if not isinstance(username, str) or not isinstance(password, str):
            raise TypeError
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return JsonResponse({"error": "username and password expected"}, status=400)
    try:
        user = services.check_login(request, username.strip().lower(), password)
    except LoginRefused as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    if user is None:
        return JsonResponse({"error": "refused"}, status=403)
    return JsonResponse({"user": user})


def _calendar_url(path):
    try:
        return client.collection_url(path)
    except client.RadicaleError:
        return ""


@login_required
@require_http_methods(["GET", "POST"])
def calendar_list(request):
    user = request.user
    if user.mailbox_or_none is None and not user.is_admin:
        raise PermissionDenied(_("Calendars belong to mailboxes."))
    admin_allowed = services.administration_allowed(user)
    form = CalendarForm(prefix="cal")
    shared_form = SharedCalendarForm(prefix="shared")
    status = 200
    if request.method == "POST" and "cal-name" in request.POST:
        form = CalendarForm(request.POST, prefix="cal")
        if form.is_valid():
            try:
                mailbox = services.calendar_owner(user, form.cleaned_data["mailbox"])
                calendar = services.create_user_calendar(
                    acting_user=user, mailbox=mailbox, name=form.cleaned_data["name"]
                )
            except ModoboaException as exc:
                apply_service_error(form, exc, {"name": "name", "mailbox": "mailbox"})
            else:
                messages.success(request, _("Calendar %s created") % calendar.name)
                return redirect("modoboa_radicale:calendar_list")
        status = 400
    elif request.method == "POST" and "shared-name" in request.POST and admin_allowed:
        shared_form = SharedCalendarForm(request.POST, prefix="shared")
        if shared_form.is_valid():
            domain = Domain.objects.filter(name=shared_form.cleaned_data["domain"].lower()).first()
            try:
                if domain is None:
                    raise BadRequest(
                        _("No domain %s") % shared_form.cleaned_data["domain"], field="domain"
                    )
                calendar = services.create_shared_calendar(
                    acting_user=user, domain=domain, name=shared_form.cleaned_data["name"]
                )
            except ModoboaException as exc:
                apply_service_error(shared_form, exc, {"name": "name", "domain": "domain"})
            else:
                messages.success(request, _("Calendar %s created") % calendar.name)
                return redirect("modoboa_radicale:calendar_list")
        status = 400
    own = services.user_calendars_for(user).order_by("mailbox__domain__name", "name")[:200]
    context = {
        "user_calendars": [(calendar, _calendar_url(calendar.path)) for calendar in own],
        "shared_calendars": [
            (calendar, _calendar_url(calendar.path))
            for calendar in services.shared_calendars_for(user).order_by("domain__name", "name")[
                :200
            ]
        ],
        "shared_with_me": [
            (rule, _calendar_url(rule.calendar.path))
            for rule in services.calendars_shared_with(user)[:200]
        ],
        "form": form,
        "shared_form": shared_form,
        "admin_allowed": admin_allowed,
    }
    return render(request, "radicale/calendar_list.html", context, status=status)


def _user_calendar(request, pk):
    calendar = get_object_or_404(UserCalendar.objects.select_related("mailbox__domain"), pk=pk)
    if not services.user_calendars_for(request.user).filter(pk=calendar.pk).exists():
        raise PermissionDenied(_("You are not allowed to manage this calendar"))
    return calendar


@login_required
@require_http_methods(["GET", "POST"])
def calendar_share(request, pk):
    calendar = _user_calendar(request, pk)
    form = ShareForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.set_access_rule(
                    calendar,
                    acting_user=request.user,
                    address=form.cleaned_data["mailbox"],
                    read=form.cleaned_data["read"],
                    write=form.cleaned_data["write"],
                )
            except ModoboaException as exc:
                apply_service_error(form, exc, {"mailbox": "mailbox"})
            else:
                messages.success(request, _("Sharing updated"))
                return redirect("modoboa_radicale:calendar_share", pk=calendar.pk)
        status = 400
    context = {
        "calendar": calendar,
        "url": _calendar_url(calendar.path),
        "rules": calendar.rules.select_related("mailbox__domain").order_by("pk"),
        "form": form,
    }
    return render(request, "radicale/calendar_share.html", context, status=status)


def _delete(request, calendar):
    try:
        services.delete_calendar(calendar, acting_user=request.user)
    except ModoboaException as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Calendar %s deleted") % calendar.name)
    return redirect("modoboa_radicale:calendar_list")


@login_required
@require_POST
def user_calendar_delete(request, pk):
    return _delete(request, _user_calendar(request, pk))


@login_required
@require_POST
def shared_calendar_delete(request, pk):
    calendar = get_object_or_404(SharedCalendar.objects.select_related("domain"), pk=pk)
    if not services.shared_calendars_for(request.user).filter(pk=calendar.pk).exists():
        raise PermissionDenied(_("You are not allowed to manage this calendar"))
    return _delete(request, calendar)
