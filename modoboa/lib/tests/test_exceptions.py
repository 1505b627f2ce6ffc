"""Typed errors: HTTP status and the field at fault."""

from modoboa.lib import exceptions


def test_status_codes():
    assert exceptions.BadRequest.http_code == 400
    assert exceptions.PermDeniedException.http_code == 403
    assert exceptions.PermDenied is exceptions.PermDeniedException
    assert exceptions.LimitReached.http_code == 403
    assert exceptions.BadLimitValue.http_code == 400
    assert exceptions.NotFound.http_code == 404
    assert exceptions.Conflict.http_code == 409
    assert exceptions.UnsufficientResource.http_code == 424


def test_errors_name_the_field():
    assert exceptions.BadRequest("Bad", field="name").errors == {"name": ["Bad"]}
    assert exceptions.Conflict("Exists").errors == {"non_field_errors": ["Exists"]}
    many = exceptions.BadRequest("Invalid", errors={"a": "x", "b": ["y", "z"]})
    assert many.errors == {"a": ["x"], "b": ["y", "z"]}
    assert str(exceptions.NotFound()) == "Not found"
