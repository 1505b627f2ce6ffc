"""A request whose transaction a deadlock rolled back runs again, whole,
with the same body; any other database error is not retried.
"""

import json

import pytest
from django.db import OperationalError
from django.http import JsonResponse
from django.test import RequestFactory

from modoboa.admin.models import Domain
from modoboa.lib.deadlocks import ATTEMPTS, retry_on_deadlock

pytestmark = pytest.mark.django_db(transaction=True)


def deadlock():
    return OperationalError(1213, "Deadlock found when trying to get lock")


def view_failing(times, error=deadlock):
    calls = []

    def view(request):
        payload = json.loads(request.read())  # as DRF reads it: the stream
        calls.append(payload)
        Domain.objects.create(name="%s-%d.example" % (payload["name"], len(calls)))
        if len(calls) <= times:
            raise error()
        return JsonResponse({"attempts": len(calls)})

    return retry_on_deadlock(view), calls


def post(view, body):
    request = RequestFactory().post(
        "/api/v1/x/", json.dumps(body), content_type="application/json"
    )
    return view(request)


def test_a_deadlock_victim_runs_again_with_its_body_and_keeps_only_the_last_run():
    view, calls = view_failing(1)
    response = post(view, {"name": "again"})
    assert json.loads(response.content) == {"attempts": 2}
    assert calls == [{"name": "again"}, {"name": "again"}]
    # The first run's write was rolled back with its transaction.
    assert list(Domain.objects.values_list("name", flat=True)) == ["again-2.example"]


def test_it_gives_up_after_the_last_attempt():
    view, calls = view_failing(ATTEMPTS)
    with pytest.raises(OperationalError):
        post(view, {"name": "never"})
    assert len(calls) == ATTEMPTS
    assert not Domain.objects.exists()


def test_other_database_errors_are_not_retried():
    view, calls = view_failing(1, error=lambda: OperationalError(2006, "gone away"))
    with pytest.raises(OperationalError):
        post(view, {"name": "once"})
    assert len(calls) == 1
    assert not Domain.objects.exists()


def test_api_views_are_wrapped_and_run_in_one_transaction():
    from django.urls import resolve

    callback = resolve("/api/v1/accounts/").func
    assert callback.__wrapped__ is not None
    assert callback._non_atomic_requests == {"default"}
    assert callback.csrf_exempt
