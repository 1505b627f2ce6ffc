"""Calling an app's service layer from its API views.

The apps whose services talk to another server (Radicale, ManageSieve,
IMAP) share two answers besides DRF's: 503 when that server does not
answer, 409 when it refuses a change made from an outdated copy. Both are
``{"detail": message}``. A view gets them with ``ServiceErrorsMixin``; its
service calls raise them through a caller made by ``service_caller``.
"""

from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from modoboa.lib.exceptions import ModoboaException


class ServiceUnavailable(Exception):
    """The server a service needs does not answer: 503."""


class ServiceConflict(Exception):
    """The server refused a change made from an outdated copy: 409."""


class ServiceErrorsMixin:
    """For an ``APIView``: ``ServiceUnavailable`` and ``ServiceConflict``
    become their answers (``{"detail": message}``).
    """

    def handle_exception(self, exc):
        if isinstance(exc, ServiceUnavailable):
            return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        if isinstance(exc, ServiceConflict):
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)


def service_caller(*, conflict=(), unavailable=(), not_found=()):
    """Return ``call(function, *args, **kwargs)``: it runs the service
    ``function`` and turns its errors into API answers, the first class
    that matches winning (a conflict may be a kind of unavailability):

    - ``conflict`` (error classes): 409;
    - ``unavailable``: 503;
    - ``not_found``: 404;
    - any other ``ModoboaException``: 403 when its ``http_code`` is 403,
      else 400 with the message under the error's field (``detail`` when
      it names none).
    """

    def call(function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except conflict as exc:
            raise ServiceConflict(str(exc)) from exc
        except unavailable as exc:
            raise ServiceUnavailable(str(exc)) from exc
        except not_found as exc:
            raise NotFound(str(exc)) from exc
        except ModoboaException as exc:
            if exc.http_code == 403:
                raise PermissionDenied(str(exc)) from exc
            raise ValidationError({getattr(exc, "field", None) or "detail": [str(exc)]}) from exc

    return call
