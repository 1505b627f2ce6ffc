"""The connected user's away message page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import forms, services


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    mailbox = request.user.mailbox_or_none
    if mailbox is None:
        raise PermissionDenied(_("Only accounts with a mailbox have an away message."))
    form = forms.ARmessageForm(request.POST or None, mailbox=mailbox)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    form.save(request.user)
            except services.AutoreplyError as exc:
                form.apply_error(exc)
            else:
                messages.success(request, _("Auto reply message updated successfully."))
                return redirect("postfix_autoreply:index")
        status = 400
    return render(
        request,
        "autoreply/index.html",
        {"form": form, "sidebar_template": "core/_user_menu.html", "section": "autoreply"},
        status=status,
    )
