"""API endpoint of the credentials documents."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound

from modoboa.core.models import User

from .. import services
from ..views import pdf_response


@extend_schema(
    summary="Take the credentials document of an account",
    description=(
        "Returns the PDF (application/pdf). With the 'delete after the first download' "
        "parameter on, the document is removed once taken (hence POST). 403 for a "
        "caller who is not an administrator, 404 for an account out of the "
        "administrator's reach (as for one that does not exist) or without a document."
    ),
    request=None,
    responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    tags=["credentials"],
)
@api_view(["POST"])
@permission_classes([permissions.IsAuthenticated])
def take_document(request, pk):
    account = get_object_or_404(User, pk=pk)
    if request.user.is_admin and not request.user.can_access(account):
        # As everywhere in the API: an object out of reach does not exist.
        raise NotFound()
    return pdf_response(account, services.take_document(request.user, account))
