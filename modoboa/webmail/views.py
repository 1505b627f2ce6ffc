"""Pages of the webmail's reading side: folders and message lists (the
connected user's own mailbox only, opened through the master login).
"""

import datetime
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import folders as folder_ops
from . import imap
from . import messages as message_ops
from .app_settings import user_value


def _error_status(exc):
    if isinstance(exc, imap.MailboxUnavailable):
        return 403
    if isinstance(exc, imap.FolderNotFound):
        return 404
    if isinstance(exc, imap.ImapUnavailable):
        return 503
    return 400


def no_mailbox_message():
    return _("The webmail is for accounts having a mailbox; this one has none.")


def webmail_page(view):
    """A page of the webmail: logged-in users with a mailbox; the mail
    server's errors become a page saying what happened.
    """

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request.user, "mailbox_or_none", None) is None:
            return render(
                request, "webmail/error.html", {"error": no_mailbox_message()}, status=403
            )
        try:
            return view(request, *args, **kwargs)
        except imap.WebmailError as exc:
            return render(
                request, "webmail/error.html", {"error": str(exc)}, status=_error_status(exc)
            )

    return wrapper


def folder_url(folder, **params):
    query = {"folder": folder}
    query.update({key: value for key, value in params.items() if value not in (None, "")})
    return reverse("webmail:index") + "?" + urlencode(query)


def _folder_of(request, source=None):
    source = source if source is not None else request.GET
    name = source.get("folder") or "INBOX"
    return name[:1000]


def _date(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def search_from(request):
    """The Search of the list's query string (bad dates are ignored)."""
    fields = [name for name in request.GET.getlist("in") if name in message_ops.SEARCH_FIELDS]
    return message_ops.Search(
        text=request.GET.get("q", ""),
        fields=tuple(fields) or ("from", "subject"),
        since=_date(request.GET.get("since")),
        before=_date(request.GET.get("before")),
    )


def _page_number(request):
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _sidebar(client, user, current):
    kept = folder_ops.sidebar(client, user)
    return {
        "folders": kept.folders,
        "quota": kept.quota,
        "specials": kept.specials,
        "current_folder": current,
        "refresh_interval": user_value(user, "refresh_interval"),
    }


@webmail_page
@require_GET
def index(request):
    """A folder's messages (INBOX first), one page, sorted and searched on
    the server.
    """
    folder = _folder_of(request)
    sort = request.GET.get("sort", "-date")
    if sort.lstrip("-") not in message_ops.SORT_KEYS:
        sort = "-date"
    search = search_from(request)
    per_page = user_value(request.user, "messages_per_page") or 40
    with imap.open_mailbox(request.user) as client:
        context = _sidebar(client, request.user, folder)
        page = message_ops.list_messages(
            client, folder, sort=sort, search=search, page=_page_number(request), per_page=per_page
        )
    specials = context["specials"]
    query = {
        "q": message_ops.clean_term(search.text),
        "since": request.GET.get("since", "") if search.since else "",
        "before": request.GET.get("before", "") if search.before else "",
    }
    base_query = urlencode([("folder", folder), *[(k, v) for k, v in query.items() if v]])
    base_query += "".join("&" + urlencode({"in": name}) for name in search.fields)
    context.update(
        {
            "page": page,
            "sort": sort,
            "search": search,
            "query": query,
            "base_query": base_query,
            "specials": specials,
            "in_junk": folder == specials["junk"],
            "in_trash": folder == specials["trash"],
            "search_fields": [
                ("from", _("From")),
                ("to", _("To")),
                ("subject", _("Subject")),
                ("body", _("Body")),
            ],
            "sort_columns": [
                ("date", _("Date")),
                ("from", _("From")),
                ("subject", _("Subject")),
                ("size", _("Size")),
            ],
        }
    )
    return render(request, "webmail/index.html", context)


@login_required
@require_GET
def folders_json(request):
    """The counters and quota, for the page's periodic refresh."""
    if getattr(request.user, "mailbox_or_none", None) is None:
        return JsonResponse({"error": no_mailbox_message()}, status=403)
    try:
        with imap.open_mailbox(request.user) as client:
            kept = folder_ops.sidebar(client, request.user, fresh=True)
    except imap.WebmailError as exc:
        return JsonResponse({"error": str(exc)}, status=_error_status(exc))
    return JsonResponse(
        {"folders": [folder.as_dict() for folder in kept.folders], "quota": kept.quota}
    )


ACTIONS = {
    "read": lambda client, user, folder, uids, target: message_ops.set_flag(
        client, folder, uids, "seen", True
    ),
    "unread": lambda client, user, folder, uids, target: message_ops.set_flag(
        client, folder, uids, "seen", False
    ),
    "flag": lambda client, user, folder, uids, target: message_ops.set_flag(
        client, folder, uids, "flagged", True
    ),
    "unflag": lambda client, user, folder, uids, target: message_ops.set_flag(
        client, folder, uids, "flagged", False
    ),
    "move": lambda client, user, folder, uids, target: message_ops.move(
        client, folder, uids, target
    ),
    "delete": lambda client, user, folder, uids, target: message_ops.delete(
        client, user, folder, uids
    ),
    "junk": lambda client, user, folder, uids, target: message_ops.mark_junk(
        client, user, folder, uids, True
    ),
    "notjunk": lambda client, user, folder, uids, target: message_ops.mark_junk(
        client, user, folder, uids, False
    ),
}


@webmail_page
@require_POST
def messages_action(request):
    """A bulk action on the selected messages of a folder."""
    folder = _folder_of(request, request.POST)
    action = request.POST.get("action", "")
    back = request.POST.get("next") or ""
    if not back.startswith(reverse("webmail:index")) or "//" in back:
        back = folder_url(folder)
    if action not in ACTIONS:
        flash.error(request, _("Choose an action."))
        return redirect(back)
    try:
        with imap.open_mailbox(request.user) as client:
            count = ACTIONS[action](
                client,
                request.user,
                folder,
                request.POST.getlist("uid"),
                request.POST.get("target"),
            )
    except (message_ops.MessageError, imap.FolderNotFound) as exc:
        flash.error(request, str(exc))
        return redirect(back)
    finally:
        folder_ops.forget_sidebar(request.user)
    flash.success(request, _("%(count)d message(s) updated.") % {"count": count})
    return redirect(back)


@webmail_page
@require_GET
def manage_folders(request):
    """The folders with their actions, and the creation form."""
    with imap.open_mailbox(request.user) as client:
        context = _sidebar(client, request.user, "")
    specials = context["specials"]
    context["protected"] = {"INBOX", *specials.values()}
    context["emptiable"] = {specials["trash"], specials["junk"]}
    return render(request, "webmail/folders.html", context)


def _folder_action(request, operation, success):
    try:
        with imap.open_mailbox(request.user) as client:
            result = operation(client)
    except (folder_ops.FolderError, imap.FolderNotFound, imap.ImapError) as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, success(result))
    finally:
        folder_ops.forget_sidebar(request.user)
    return redirect("webmail:folders")


@webmail_page
@require_POST
def folder_create(request):
    name = request.POST.get("name", "")
    parent = request.POST.get("parent", "")
    return _folder_action(
        request,
        lambda client: folder_ops.create_folder(client, name, parent),
        lambda full: _("Folder %s created.") % full,
    )


@webmail_page
@require_POST
def folder_rename(request):
    folder = request.POST.get("folder", "")
    return _folder_action(
        request,
        lambda client: folder_ops.rename_folder(
            client, request.user, folder, request.POST.get("new_name", "")
        ),
        lambda full: _("Folder renamed to %s.") % full,
    )


@webmail_page
@require_POST
def folder_delete(request):
    folder = request.POST.get("folder", "")
    return _folder_action(
        request,
        lambda client: folder_ops.delete_folder(client, request.user, folder),
        lambda _result: _("Folder %s deleted.") % folder,
    )


@webmail_page
@require_POST
def folder_empty(request):
    folder = request.POST.get("folder", "")
    return _folder_action(
        request,
        lambda client: folder_ops.empty_folder(client, request.user, folder),
        lambda count: (
            _("Folder %(name)s emptied (%(count)d messages).") % {"name": folder, "count": count}
        ),
    )


@webmail_page
@require_POST
def folder_compress(request):
    folder = request.POST.get("folder", "")
    return _folder_action(
        request,
        lambda client: folder_ops.compress_folder(client, folder),
        lambda _result: _("Folder %s compressed.") % folder,
    )
