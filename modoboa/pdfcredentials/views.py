"""Download of a credentials document."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from modoboa.core.models import User
from modoboa.lib.exceptions import NotFound
from modoboa.lib.views import admin_required

from . import services


def pdf_response(account, data):
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="credentials-%d.pdf"' % account.pk
    response["Cache-Control"] = "no-store"
    return response


# POST: a download may delete the document, which a prefetching browser or a
# link preview must not do.
@admin_required
@require_POST
def download(request, pk):
    account = get_object_or_404(User, pk=pk)
    try:
        data = services.take_document(request.user, account)
    except NotFound as exc:
        messages.error(request, str(exc))
        return redirect("admin:account_detail", pk=account.pk)
    return pdf_response(account, data)
