"""The API's exception handler: the one place where the service layer's
typed errors become API v1 answers.

The service layer raises typed errors (``modoboa.lib.exceptions``) whose
``http_code`` is what the console answers. API v1 keeps the answers of
Modoboa 1.10, which existing provisioning scripts were written against;
``V1_ANSWERS`` says, per error class, the status and the body shape a v1
client gets. The deliberate differences from 1.10 are listed, with their
reasons, in docs/decisions.rst ("API v1 compatibility").
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from modoboa.lib.exceptions import (
    BadLimitValue,
    Conflict,
    DomainOutOfReach,
    LimitReached,
    ModoboaException,
    NotFound,
    PermDeniedException,
    UnlimitedValueRefused,
)

# Body shapes.
FIELDS = "fields"  # {"field": ["message", ...]}
STRING = "string"  # "message" (a bare JSON string, as 1.10's middleware sent)
CLASS_STRING = "class-string"  # the class's default message, as a bare string
DETAIL = "detail"  # {"detail": "message"} (DRF's shape for 404)


def _out_of_reach(exc, action):
    """A domain named in the body: on creation it is a bad value of the
    ``domain`` field; on a change (moving an account) 1.10 answered 404.
    """
    if action in ("update", "partial_update"):
        return status.HTTP_404_NOT_FOUND, DETAIL, None
    return status.HTTP_400_BAD_REQUEST, FIELDS, "domain"


# Error class -> (status, body shape), most specific classes first. A
# callable computes them from the error and the view's action.
V1_ANSWERS = (
    # 1.10's text, without the name of the limit.
    (UnlimitedValueRefused, (status.HTTP_400_BAD_REQUEST, CLASS_STRING)),
    (BadLimitValue, (status.HTTP_400_BAD_REQUEST, FIELDS)),
    # 1.10: 400 with the message as a bare string ("Domains: limit reached").
    (LimitReached, (status.HTTP_400_BAD_REQUEST, STRING)),
    # 1.10: an object that already exists is a bad value of its field.
    (Conflict, (status.HTTP_400_BAD_REQUEST, FIELDS)),
    (DomainOutOfReach, _out_of_reach),
)


def v1_answer(exc, action=None):
    """Return ``(status, shape, field)`` of the v1 answer to ``exc``.

    ``field`` (or None) renames the body's only field.
    """
    for klass, answer in V1_ANSWERS:
        if isinstance(exc, klass):
            if callable(answer):
                return answer(exc, action)
            return (*answer, None)
    has_field = bool(exc.field or exc._errors)
    if isinstance(exc, NotFound):
        # A NotFound about a field of the request body (an unknown
        # recipient, say) is a bad value: 404 is kept for the URL.
        if has_field:
            return status.HTTP_400_BAD_REQUEST, FIELDS, None
        return status.HTTP_404_NOT_FOUND, DETAIL, None
    if isinstance(exc, PermDeniedException) and has_field:
        # A value of the body out of the caller's reach (a sender address
        # in a domain it does not administer): 1.10 answered 400.
        return status.HTTP_400_BAD_REQUEST, FIELDS, None
    return exc.http_code, FIELDS, None


def error_status(exc, action=None):
    """HTTP status of a service-layer error under API v1."""
    return v1_answer(exc, action)[0]


def v1_body(exc, errors, shape, field=None):
    """The body of shape ``shape`` for ``exc`` whose field errors are
    ``errors`` (already renamed to the API's field names).
    """
    if shape == CLASS_STRING:
        return str(exc.default_message)
    if shape == STRING:
        return exc.message
    if shape == DETAIL:
        return {"detail": exc.message}
    if field is not None:
        return {field: [exc.message]}
    return errors


def _action(context):
    view = (context or {}).get("view")
    return getattr(view, "action", None)


def exception_handler(exc, context):
    """DRF exception handler (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``)."""
    response = _exception_response(exc, context)
    _keep_outer_transaction(context)
    return response


def _keep_outer_transaction(context):
    """A view marked ``non_atomic_requests`` has no request transaction of
    its own for DRF to roll back: an atomic block around it belongs to its
    caller (a test), which an API refusal must not poison.
    """
    from django.db import DEFAULT_DB_ALIAS, connection, transaction

    request = (context or {}).get("request")
    func = getattr(getattr(request, "resolver_match", None), "func", None)
    non_atomic = getattr(func, "_non_atomic_requests", ())
    if DEFAULT_DB_ALIAS in non_atomic and connection.in_atomic_block:
        transaction.set_rollback(False)


def _exception_response(exc, context):
    if isinstance(exc, (ServiceError, ModoboaException)):
        original = exc.original if isinstance(exc, ServiceError) else exc
        set_rollback()
        code, shape, field = v1_answer(original, _action(context))
        return Response(v1_body(original, exc.errors, shape, field), status=code)
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        if hasattr(exc, "error_dict"):
            body = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            body = {"non_field_errors": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


class ServiceError(APIException):
    """A service-layer error whose body has been rewritten for the API.

    It keeps the original error, so that the handler answers for its class.
    """

    def __init__(self, errors, original):
        self.original = original
        self.errors = errors
        self.status_code = error_status(original)
        super().__init__(detail=errors)


def remap_fields(exc, mapping):
    """Rename the fields of a service error to the API's field names.

    ``mapping`` maps a service field name to an API field name, or to a
    tuple naming a nested field (``("mailbox", "quota")``). Return an API
    error that the handler answers as it would ``exc``, with the renamed
    body.
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
    return ServiceError(errors, exc)
