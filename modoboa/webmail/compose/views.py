"""Pages of the writing side: compose, reply, reply-all, forward, drafts, and
the recipients' completion (the connected user's own mailbox only).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from modoboa.core import signals as core_signals

from ..views import webmail_page
from . import forms, services
from . import message as compose_message
from .smtp import SubmissionError

MAX_FOLDER_LENGTH = 1000
MAX_QUERY_LENGTH = 100
COMPLETION_LIMIT = 10


def parse_origin(action, folder, uid):
    """An :class:`~.services.Origin` from untrusted values; ValidationError."""
    if action not in services.ACTIONS:
        raise ValidationError(_("Unknown action."))
    folder = (folder or "").strip()
    if not folder or len(folder) > MAX_FOLDER_LENGTH or compose_message._CONTROL_RE.search(folder):
        raise ValidationError(_("Give the folder of the message."))
    try:
        uid = int(uid)
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("Give the UID of the message.")) from exc
    if uid < 1 or uid > 2**32 - 1:
        raise ValidationError(_("Give the UID of the message."))
    return services.Origin(action=action, folder=folder, uid=uid)


def composition(form, origin):
    """The service's Composition of a valid form."""
    data = form.cleaned_data
    return services.Composition(
        sender=data["sender"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        subject=data["subject"],
        body=data["body"],
        mode=data["mode"],
        attachments=data["attachments"],
        origin=origin,
        draft_uid=data.get("draft_uid"),
        keep=data.get("keep") or [],
    )


def _origin_query(origin):
    if origin is None:
        return ""
    return "?" + urlencode({"action": origin.action, "folder": origin.folder, "uid": origin.uid})


def _handle(request, origin=None, draft_uid=None):
    user = request.user
    fields, kept = services.initial(user, origin=origin, draft_uid=draft_uid)
    if request.method == "GET":
        form = forms.ComposeForm(user, initial=fields, kept=kept)
        form.initial["keep"] = [index for index, _name, _size in kept]
        return _render(request, form, origin, draft_uid)
    form = forms.ComposeForm(user, request.POST, request.FILES, kept=kept)
    sending = request.POST.get("action") != "save"
    if form.is_valid() and (not sending or form.require_recipient()):
        if form.cleaned_data.get("draft_uid") != draft_uid:
            form.add_error(None, _("This form belongs to another draft."))
            return _render(request, form, origin, draft_uid, status=400)
        try:
            if sending:
                result = services.send(user, composition(form, origin))
            else:
                new_uid = services.save_draft(user, composition(form, origin))
        except compose_message.ComposeError as exc:
            form.apply_error(exc)
        except SubmissionError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if not sending:
                messages.success(request, _("Draft saved."))
                if new_uid is None:
                    return redirect("webmail:index")
                url = reverse("webmail:compose:draft", args=[new_uid])
                return redirect(url + _origin_query(origin))
            messages.success(request, _("Message sent."))
            for address, reason in result.refused.items():
                messages.warning(
                    request,
                    _("%(address)s was refused: %(reason)s")
                    % {"address": address, "reason": reason},
                )
            for warning in result.warnings:
                messages.warning(request, warning)
            return redirect("webmail:index")
    return _render(request, form, origin, draft_uid, status=400)


def _render(request, form, origin, draft_uid, status=200):
    return render(
        request,
        "webmail/compose.html",
        {
            "form": form,
            "origin": origin,
            "draft_uid": draft_uid,
            "completion_url": reverse("webmail:compose:recipients"),
        },
        status=status,
    )


@webmail_page
@require_http_methods(["GET", "POST"])
def compose(request):
    """A new message."""
    return _handle(request)


@webmail_page
@require_http_methods(["GET", "POST"])
def reply_or_forward(request, action, uid):
    """A reply, reply-all or forward of the message ``uid`` of ``?folder=``."""
    try:
        origin = parse_origin(action, request.GET.get("folder"), uid)
    except ValidationError as exc:
        return render(request, "webmail/error.html", {"error": exc.messages[0]}, status=400)
    return _handle(request, origin=origin)


@webmail_page
@require_http_methods(["GET", "POST"])
def draft(request, uid):
    """A draft opened again (``?action=...&folder=...&uid=...`` when it
    answers or forwards a message).
    """
    origin = None
    if request.GET.get("action"):
        try:
            origin = parse_origin(
                request.GET.get("action"), request.GET.get("folder"), request.GET.get("uid")
            )
        except ValidationError as exc:
            return render(request, "webmail/error.html", {"error": exc.messages[0]}, status=400)
    return _handle(request, origin=origin, draft_uid=uid)


def search_address_book(user, query, limit=COMPLETION_LIMIT):
    """``[{"name", "address", "label"}]`` from every address book."""
    query = (query or "").strip()[:MAX_QUERY_LENGTH]
    if not query or compose_message._CONTROL_RE.search(query):
        return []
    results, seen = [], set()
    for _receiver, answer in core_signals.address_book_search.send_robust(
        sender=search_address_book, user=user, query=query, limit=limit
    ):
        if isinstance(answer, Exception) or not answer:
            continue
        for name, address in answer:
            try:
                [parsed] = compose_message.parse_addresses("to", str(address))
            except (compose_message.ComposeError, ValueError):
                continue
            key = parsed.addr_spec.lower()
            if key in seen:
                continue
            seen.add(key)
            name = compose_message._CONTROL_RE.sub(" ", str(name or "")).strip()
            label = str(compose_message.Address(display_name=name, addr_spec=parsed.addr_spec))
            results.append({"name": name, "address": parsed.addr_spec, "label": label})
            if len(results) >= limit:
                return results
    return results


@webmail_page
@require_GET
def recipients(request):
    """The address book's completion of ``?q=``."""
    return JsonResponse({"results": search_address_book(request.user, request.GET.get("q"))})
