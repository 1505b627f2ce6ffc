"""The service caller and the 503/409 answers the API apps share."""

import pytest
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from modoboa.lib.api.services import ServiceErrorsMixin, service_caller
from modoboa.lib.exceptions import BadRequest, ModoboaException, NotFound, PermDeniedException


class Down(ModoboaException):
    pass


class Stale(Down):
    pass


call = service_caller(conflict=Stale, unavailable=Down, not_found=NotFound)
plain_call = service_caller()


def _raise(exc):
    raise exc


class View(ServiceErrorsMixin, APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    caller = staticmethod(call)
    error = None

    def get(self, request):
        return Response(
            self.caller(lambda value: value if self.error is None else _raise(self.error), 7)
        )


def answer(error, caller=call):
    view = View.as_view(caller=caller, error=error)
    response = view(APIRequestFactory().get("/"))
    return response.status_code, response.data


def test_the_service_result_passes_through():
    assert answer(None) == (200, 7)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        # A conflict is tested before the unavailability it derives from.
        (
            Stale("The contact changed on the server"),
            (409, {"detail": "The contact changed on the server"}),
        ),
        (Down("Radicale does not answer"), (503, {"detail": "Radicale does not answer"})),
        (NotFound("No such contact"), (404, {"detail": "No such contact"})),
        (PermDeniedException("Not yours"), (403, {"detail": "Not yours"})),
        (BadRequest("Bad name", field="name"), (400, {"name": ["Bad name"]})),
        (BadRequest("Bad request body"), (400, {"detail": ["Bad request body"]})),
    ],
)
def test_service_errors_become_api_answers(error, expected):
    assert answer(error) == expected


def test_classes_not_named_fall_back_on_the_error_code():
    # Without not_found, a NotFound is a plain ModoboaException: 400.
    assert answer(NotFound("No such calendar"), plain_call) == (
        400,
        {"detail": ["No such calendar"]},
    )
    assert answer(Down("Down"), plain_call) == (400, {"detail": ["Down"]})


def test_other_errors_are_not_caught():
    with pytest.raises(KeyError):
        answer(KeyError("bug"))
