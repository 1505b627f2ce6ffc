"""Typed errors raised by the service layer.

Every rule violation is one of these classes. Each carries the HTTP status
that the console and the API answer with, and optionally the name of the
field at fault so that forms and JSON error bodies can point at it.
"""

from django.utils.translation import gettext_lazy as _


class ModoboaException(Exception):
    """Base class of every expected error."""

    http_code = 500
    default_message = _("Internal error")

    def __init__(self, message=None, *, field=None, errors=None):
        self.message = str(message) if message is not None else str(self.default_message)
        self.field = field
        self._errors = errors
        super().__init__(self.message)

    @property
    def errors(self):
        """Return a ``{field: [messages]}`` mapping describing the error."""
        if self._errors:
            return {
                key: [str(v) for v in (val if isinstance(val, (list, tuple)) else [val])]
                for key, val in self._errors.items()
            }
        return {self.field or "non_field_errors": [self.message]}

    def __str__(self):
        return self.message


class InternalError(ModoboaException):
    """Something went wrong that the user cannot fix."""


class BadRequest(ModoboaException):
    """The request is malformed or a value is invalid."""

    http_code = 400
    default_message = _("Bad request")


class PermDeniedException(ModoboaException):
    """The acting user may not do this."""

    http_code = 403
    default_message = _("Permission denied")


class NotFound(ModoboaException):
    """The object does not exist or is out of reach."""

    http_code = 404
    default_message = _("Not found")


class Conflict(ModoboaException):
    """The object already exists."""

    http_code = 409
    default_message = _("Object already exists")


class LimitReached(ModoboaException):
    """A resource limit would be exceeded."""

    http_code = 403
    default_message = _("Limit reached")


class BadLimitValue(ModoboaException):
    """A limit value is not acceptable."""

    http_code = 400
    default_message = _("Bad limit value")


class UnlimitedValueRefused(BadLimitValue):
    """An administrator whose own pool is bounded asked for an unlimited
    value (a quota of 0).
    """

    default_message = _("You're not allowed to define unlimited values")


class DomainOutOfReach(NotFound):
    """A domain named in a request (not in its URL) is missing or out of
    the caller's reach; both get the same answer.
    """


class UnsufficientResource(ModoboaException):
    """A reseller's pool cannot cover an allocation."""

    http_code = 424
    default_message = _("Not enough resources left")


# Upstream name, kept for extensions written against 1.10.
PermDenied = PermDeniedException
