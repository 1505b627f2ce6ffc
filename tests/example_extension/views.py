"""Views of the example extension."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse

from modoboa.parameters import tools as param_tools


@login_required
def index(request):
    return HttpResponse(param_tools.get_global_parameter("greeting", app="example_ext"))


def api_ping(request):
    return JsonResponse({"pong": True})
