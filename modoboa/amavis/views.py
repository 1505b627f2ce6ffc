"""Console pages of the quarantine: list, message, actions, allow/block
lists and the self-service page of Amavis' notification links.
"""

import functools
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from modoboa.lib.exceptions import ModoboaException
from modoboa.lib.listing import Listing

from . import app_settings, constants, forms, message
from .dbrouter import amavis_alias
from .services import learning, quarantine, wblist

logger = logging.getLogger("modoboa.amavis")


def amavis_database(view):
    """Answer a clear page, not a 500, when Amavis' database cannot be read
    (tables not created, server down); the savepoint keeps the request's
    transaction usable.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            with transaction.atomic(using=amavis_alias()):
                return view(request, *args, **kwargs)
        except DatabaseError as exc:
            logger.error("Amavis database error: %s", exc)
            return render(
                request,
                "amavis/error.html",
                {"error": _("The quarantine database cannot be read: %s") % exc},
                status=503,
            )

    return wrapper


# Every key ends with the message id (the tie breaker): "date" is then the
# order of the msgs (time_num, mail_id) index, the pages read in index order.
SORT_FIELDS = {
    "date": ["mail__time_num"],
    "score": ["mail__spam_level"],
    "type": ["content"],
    "subject": ["mail__subject"],
    "from": ["mail__from_addr"],
}
ACTIONS = ("release", "delete", "spam", "ham")


def _per_page(user):
    try:
        return int(user.parameters.get_value("messages_per_page", app=app_settings.APP))
    except (TypeError, ValueError, ModoboaException):
        return 40


def _filters(request):
    return {
        "type": request.GET.get("type", ""),
        "criteria": request.GET.get("criteria", "all"),
        "pattern": request.GET.get("pattern", "")[:200],
        "pending": request.GET.get("pending", "") == "1",
    }


@login_required
@require_GET
@amavis_database
def index(request):
    filters = _filters(request)
    status = 200
    try:
        rows = quarantine.list_rows(
            request.user,
            content=filters["type"] or None,
            search=filters["pattern"],
            search_in=filters["criteria"],
            pending_only=filters["pending"],
        )
    except ModoboaException as exc:
        messages.error(request, str(exc))
        rows = quarantine.list_rows(request.user)
        status = 400
    listing = Listing(
        request,
        rows,
        SORT_FIELDS,
        "-date",
        per_page=_per_page(request.user),
        tie_breaker=quarantine.message_key(),
        plain_ordering=True,
        count_limit=quarantine.COUNT_LIMIT,
    )
    context = {
        "listing": listing,
        "filters": filters,
        "content_types": sorted(constants.CONTENT_TYPES.items()),
        "criteria": [
            ("all", _("All")),
            ("from", _("From")),
            ("subject", _("Subject")),
            ("to", _("To")),
        ],
        "learning": bool(app_settings.get("manual_learning")),
        "can_release": quarantine.can_release_directly(request.user),
        "is_admin": quarantine.is_admin(request.user),
    }
    return render(request, "amavis/index.html", context, status=status)


def _back(request):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("amavis:index")


def _apply(user, action, mail_id, rcpt=None, level=None):
    """Run ``action`` on ``mail_id``; return the message to show."""
    if action == "release":
        result = quarantine.release(user, mail_id, rcpt=rcpt)
        if result == "requested":
            return _("Release request sent")
        return _("Message released")
    if action == "delete":
        quarantine.delete(user, mail_id, rcpt=rcpt)
        return _("Message deleted")
    learning.mark(user, mail_id, spam=action == "spam", level=level or None, rcpt=rcpt)
    return _("Message marked as spam") if action == "spam" else _("Message marked as not spam")


@login_required
@require_GET
@amavis_database
def detail(request, mail_id):
    rcpt = request.GET.get("rcpt") or None
    try:
        rows = quarantine.get_rows(request.user, mail_id, rcpt)
        parsed = message.parse(quarantine.message_source(mail_id))
    except ModoboaException as exc:
        return render(request, "amavis/error.html", {"error": str(exc)}, status=exc.http_code)
    quarantine.mark_viewed(rows)
    context = {
        "recipients": [row.rid.email for row in rows],
        "mail": rows[0].mail,
        "parsed": parsed,
        "rcpt": rcpt or "",
        "learning": bool(app_settings.get("manual_learning")),
        "levels": learning.available_levels(request.user),
        "can_release": quarantine.can_release_directly(request.user),
    }
    return render(request, "amavis/detail.html", context)


@login_required
@require_POST
@amavis_database
def action(request, mail_id, name):
    if name not in ACTIONS:
        messages.error(request, _("Unknown action: %s") % name)
        return _back(request)
    try:
        messages.success(
            request,
            _apply(
                request.user,
                name,
                mail_id,
                rcpt=request.POST.get("rcpt") or None,
                level=request.POST.get("level"),
            ),
        )
    except ModoboaException as exc:
        messages.error(request, str(exc))
    return _back(request)


@login_required
@require_POST
@amavis_database
def bulk(request):
    name = request.POST.get("action", "")
    selection = [value for value in request.POST.getlist("selection") if value][:500]
    if name not in ACTIONS:
        messages.error(request, _("Unknown action: %s") % name)
        return _back(request)
    if not selection:
        messages.error(request, _("Select at least one message"))
        return _back(request)
    done, errors = 0, []
    for mail_id in dict.fromkeys(selection):
        try:
            _apply(request.user, name, mail_id, level=request.POST.get("level"))
            done += 1
        except ModoboaException as exc:
            errors.append("%s: %s" % (mail_id, exc))
    if done:
        messages.success(request, _("%(count)d message(s) processed") % {"count": done})
    for error in errors[:10]:
        messages.error(request, error)
    return _back(request)


@login_required
@require_http_methods(["GET", "POST"])
@amavis_database
def lists(request):
    """Allow and block lists of one recipient (a domain or an address)."""
    user = request.user
    if quarantine.is_admin(user):
        owners = ["@%s" % name for name in quarantine.admin_domain_names(user)]
    else:
        owners = quarantine.own_list_addresses(user)
    owner = request.POST.get("owner") or request.GET.get("owner") or (owners[0] if owners else "")
    form = forms.ListEntryForm(request.POST or None, initial={"owner": owner})
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("remove"):
                wblist.remove_entry(user, owner, request.POST["remove"])
                messages.success(request, _("Entry removed"))
                return redirect(reverse("amavis:lists") + "?owner=%s" % owner)
            if form.is_valid():
                wblist.set_entry(
                    user,
                    form.cleaned_data["owner"],
                    form.cleaned_data["sender"],
                    form.cleaned_data["kind"],
                )
                messages.success(request, _("Entry saved"))
                return redirect(reverse("amavis:lists") + "?owner=%s" % owner)
            status = 400
        except ModoboaException as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, str(exc))
            else:
                messages.error(request, str(exc))
            status = exc.http_code if exc.http_code < 500 else 400
    entries = []
    if owner:
        try:
            entries = wblist.entries(user, owner)
        except ModoboaException as exc:
            messages.error(request, str(exc))
            status = exc.http_code
    context = {"owners": owners, "owner": owner, "entries": entries, "form": form}
    return render(request, "amavis/lists.html", context, status=status)


@require_http_methods(["GET", "POST"])
@amavis_database
def self_service(request, mail_id):
    """A message opened from the link of an Amavis notification."""
    secret_id = request.POST.get("secret_id") or request.GET.get("secret_id") or ""
    # Ids hold "+", which an unencoded query string turns into a space.
    secret_id = secret_id.replace(" ", "+")
    rcpt = request.POST.get("rcpt") or request.GET.get("rcpt") or None
    try:
        if request.method == "POST":
            name = request.POST.get("action")
            if name == "release":
                quarantine.self_service_release(mail_id, secret_id, rcpt)
                messages.success(request, _("Message released"))
            elif name == "delete":
                quarantine.self_service_delete(mail_id, secret_id, rcpt)
                messages.success(request, _("Message deleted"))
                return render(request, "amavis/error.html", {"error": _("Message deleted")})
            else:
                messages.error(request, _("Unknown action: %s") % name)
        rows = quarantine.self_service_rows(mail_id, secret_id, rcpt)
        parsed = message.parse(quarantine.message_source(mail_id))
    except ModoboaException as exc:
        return render(request, "amavis/error.html", {"error": str(exc)}, status=exc.http_code)
    context = {
        "recipients": quarantine.self_service_recipients(rows, rcpt),
        "mail": rows[0].mail,
        "parsed": parsed,
        "secret_id": secret_id,
        "rcpt": rcpt or "",
        "self_service": True,
    }
    return render(request, "amavis/detail.html", context)
