"""Core middleware."""

from modoboa.parameters.tools import get_localconfig


class LocalConfigMiddleware:
    """Attach this instance's LocalConfig to ``request.localconfig``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.localconfig = None
        request.localconfig = get_localconfig()
        return self.get_response(request)
