"""Pages of the webmail's reading side (the connected user's own mailbox)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import imap


def _error_status(exc):
    if isinstance(exc, imap.MailboxUnavailable):
        return 403
    if isinstance(exc, imap.FolderNotFound):
        return 404
    if isinstance(exc, imap.ImapUnavailable):
        return 503
    return 400


def webmail_page(view):
    """A page of the webmail: logged-in users with a mailbox; the mail
    server's errors become a page saying what happened.
    """

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request.user, "mailbox_or_none", None) is None:
            return render(
                request,
                "webmail/error.html",
                {"error": _("The webmail is for accounts having a mailbox; this one has none.")},
                status=403,
            )
        try:
            return view(request, *args, **kwargs)
        except imap.WebmailError as exc:
            return render(
                request, "webmail/error.html", {"error": str(exc)}, status=_error_status(exc)
            )

    return wrapper


@webmail_page
def index(request):
    """The folders of the mailbox."""
    with imap.open_mailbox(request.user) as client:
        folders = imap.list_folders(client)
    names = sorted(
        (name for _flags, _delimiter, name in folders),
        key=lambda name: (name.upper() != "INBOX", name.lower()),
    )
    return render(request, "webmail/index.html", {"folders": names})
