"""The API's exception handler: every expected error becomes a JSON body
naming the fields at fault, with the status of the error class.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from modoboa.lib.exceptions import ModoboaException, NotFound


def error_status(exc):
    """HTTP status of a service-layer error.

    A NotFound about a field of the request body (an unknown recipient, say)
    is a bad value, not a missing resource: 404 is kept for the URL.
    """
    if isinstance(exc, NotFound) and (exc.field or exc._errors):
        return status.HTTP_400_BAD_REQUEST
    return exc.http_code


def exception_handler(exc, context):
    """DRF exception handler (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``)."""
    if isinstance(exc, ModoboaException):
        set_rollback()
        return Response(exc.errors, status=error_status(exc))
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        if hasattr(exc, "error_dict"):
            body = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            body = {"non_field_errors": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


class ServiceError(APIException):
    """A service-layer error whose body has been rewritten for the API."""

    def __init__(self, errors, status_code):
        self.status_code = status_code
        super().__init__(detail=errors)


def remap_fields(exc, mapping):
    """Rename the fields of a service error to the API's field names.

    ``mapping`` maps a service field name to an API field name, or to a
    tuple naming a nested field (``("mailbox", "quota")``). Return an API
    error with the status of ``exc`` and the renamed body.
    """
    errors = {}
    for key, messages in exc.errors.items():
        target = mapping.get(key, key)
        if isinstance(target, tuple):
            node = errors
            for part in target[:-1]:
                node = node.setdefault(part, {})
            node[target[-1]] = messages
        else:
            errors[target] = messages
    return ServiceError(errors, error_status(exc))
