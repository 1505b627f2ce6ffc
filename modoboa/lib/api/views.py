"""Plain views of the API namespace."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any unknown path under ``/api/v1/``: a JSON 404, like the endpoints'
    own, rather than the console's HTML page.
    """
    return JsonResponse({"detail": _("Not found.")}, status=404)
