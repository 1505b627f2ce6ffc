"""Login throttling: the console login, the password reset form and the API
token endpoint slow down, then refuse, repeated failures.
"""

import datetime
import math
import time

import pytest
from django.core import mail
from django.db.models import F

from modoboa.core import throttling
from modoboa.core.models import Log, LoginFailure
from modoboa.parameters import tools as param_tools

PASSWORD = "Toto1234!"
LOGIN_URL = "/accounts/login/"

pytestmark = pytest.mark.django_db


def post_login(client, username, password, address="198.51.100.1"):
    return client.post(
        LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=address
    )


def time_passes(seconds):
    """Age every recorded failure, as if ``seconds`` had gone by."""
    LoginFailure.objects.update(created=F("created") - datetime.timedelta(seconds=seconds))


def set_params(**values):
    param_tools.get_localconfig().parameters.set_values(values, app="core")


def log_count(prefix):
    return Log.objects.filter(logger="modoboa.auth", message__startswith=prefix).count()


def test_a_few_failures_then_success_resets_the_account(client, simple_user):
    for _ in range(2):
        assert post_login(client, "user@test.com", "wrong").status_code == 401
    assert LoginFailure.objects.filter(username="user@test.com").count() == 2
    assert post_login(client, "user@test.com", PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(username="user@test.com").exists()


def test_account_is_slowed_down_after_three_failures(client, simple_user):
    for _ in range(3):
        post_login(client, "User@Test.com", "wrong")
    # Even the right password is not checked now.
    response = post_login(client, "user@test.com", PASSWORD)
    assert response.status_code == 429
    assert "Wait 1 second" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert LoginFailure.objects.count() == 3
    assert log_count("Throttled login attempt from '198.51.100.1' as user 'user@test.com'") == 1
    time_passes(2)
    assert post_login(client, "user@test.com", PASSWORD).status_code == 302
    assert not LoginFailure.objects.exists()


def test_each_further_failure_doubles_the_wait(client, simple_user):
    for expected in (1, 2, 4, 8):
        post_login(client, "user@test.com", "wrong")
        time_passes(expected + 1)
    post_login(client, "user@test.com", "wrong")
    verdict = throttling.check(throttling.LOGIN, "user@test.com", "198.51.100.1")
    assert not verdict.allowed and not verdict.locked
    assert verdict.wait == 2 ** (LoginFailure.objects.count() - 3)


def test_account_is_locked_after_ten_failures(client, simple_user):
    for _ in range(10):
        # Spaced out enough never to be slowed down, within 15 minutes.
        time_passes(70)
        assert post_login(client, "user@test.com", "wrong").status_code == 401
    response = post_login(client, "user@test.com", PASSWORD)
    assert response.status_code == 429
    assert "Try again in 15 minutes" in response.content.decode()
    time_passes(14 * 60)
    assert post_login(client, "user@test.com", PASSWORD).status_code == 429
    time_passes(61)
    assert post_login(client, "user@test.com", PASSWORD).status_code == 302


def test_brute_force_is_measurably_slowed(client, simple_user):
    """100 guesses as fast as possible: after three, each checked guess
    must wait twice as long as the previous one, so only a handful are
    checked at all.
    """
    started = time.monotonic()
    statuses = [post_login(client, "user@test.com", "guess%d" % i).status_code for i in range(100)]
    elapsed = time.monotonic() - started
    checked = statuses.count(401)
    # Waits of 1, 2, 4... s: k more guesses need 2**k - 1 seconds.
    assert 3 <= checked <= 3 + math.floor(math.log2(elapsed + 1))
    assert statuses.count(429) == 100 - checked
    assert log_count("Failed connection attempt") == checked
    assert log_count("Throttled login attempt") == 100 - checked


def test_failures_recorded_by_another_process_count(client, simple_user):
    """The counts live in the database, not in a process' memory."""
    from django.utils import timezone

    LoginFailure.objects.bulk_create(
        LoginFailure(kind="login", username="user@test.com", address="203.0.113.9", created=now)
        for now in [timezone.now()] * 10
    )
    assert post_login(client, "user@test.com", PASSWORD).status_code == 429


def test_one_address_guessing_many_accounts_is_locked(client, simple_user):
    set_params(address_delay_after=4, address_lock_after=5)
    for i in range(5):
        time_passes(20)
        post_login(client, "nobody%d@test.com" % i, "wrong", address="203.0.113.7")
    response = post_login(client, "user@test.com", PASSWORD, address="203.0.113.7")
    assert response.status_code == 429
    assert log_count("Throttled login attempt from '203.0.113.7'") == 1
    # Another address is not concerned.
    assert post_login(client, "user@test.com", PASSWORD, address="203.0.113.8").status_code == 302


def test_success_takes_the_account_failures_out_of_the_address_count(client, simple_user):
    set_params(address_delay_after=3, address_lock_after=4)
    post_login(client, "other@test.com", "wrong", address="203.0.113.7")
    post_login(client, "user@test.com", "wrong", address="203.0.113.7")
    post_login(client, "user@test.com", "wrong", address="203.0.113.7")
    time_passes(2)
    assert post_login(client, "user@test.com", PASSWORD, address="203.0.113.7").status_code == 302
    # The mistyped passwords are forgiven; the guess at another account is not.
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["other@test.com"]


def test_old_failures_are_forgotten(client, simple_user):
    for _ in range(9):
        time_passes(70)
        post_login(client, "user@test.com", "wrong")
    time_passes(15 * 60 + 1)
    # Nine failures, but the last one is more than 15 minutes old.
    assert throttling.check(throttling.LOGIN, "user@test.com", "198.51.100.1").allowed
    post_login(client, "user@test.com", "wrong")
    assert throttling.check(throttling.LOGIN, "user@test.com", "198.51.100.1").allowed
    time_passes(30 * 60)
    post_login(client, "someone@test.com", "wrong")
    # Rows too old to ever count again are deleted.
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["someone@test.com"]


def test_throttling_can_be_turned_off(client, simple_user):
    set_params(login_throttling=False)
    for _ in range(12):
        assert post_login(client, "user@test.com", "wrong").status_code == 401
    assert post_login(client, "user@test.com", PASSWORD).status_code == 302
    assert not LoginFailure.objects.exists()


def test_password_reset_requests_are_throttled(client, simple_user):
    simple_user.secondary_email = "backup@example.org"
    simple_user.save()
    url = "/accounts/password_reset/"
    for _ in range(3):
        assert client.post(url, {"email": "user@test.com"}).status_code == 302
    response = client.post(url, {"email": "user@test.com"})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert len(mail.outbox) == 3
    assert log_count("Throttled password reset attempt") == 1
    # Reset requests never slow down the login.
    assert post_login(client, "user@test.com", PASSWORD).status_code == 302


def test_token_endpoint_is_throttled(client, superadmin):
    from rest_framework.authtoken.models import Token

    Token.objects.create(user=superadmin)
    url = "/api/v1/token/"
    for _ in range(3):
        response = client.post(url, {"username": "admin", "password": "wrong"})
        assert response.status_code == 401
    response = client.post(url, {"username": "admin", "password": "password"})
    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    assert "Too many failed attempts" in response.json()["detail"]
    time_passes(2)
    response = client.post(url, {"username": "admin", "password": "password"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "values",
    [
        {"core__login_delay_after": "11", "core__login_lock_after": "10"},
        {"core__address_delay_after": "60", "core__address_lock_after": "50"},
        {"core__login_lock_duration": "0"},
        {"core__login_lock_after": "0"},
    ],
)
def test_inconsistent_thresholds_are_refused(superadmin, values):
    from modoboa.parameters.tests.test_parameters import errors_of, global_data

    field = next(iter(values)).replace("__", "-", 1)
    assert list(errors_of(global_data(**values))) == [field]


def test_a_check_costs_one_query_per_key_whatever_the_failures(django_assert_num_queries):
    from django.utils import timezone

    rules = throttling.Rules.current()
    LoginFailure.objects.bulk_create(
        LoginFailure(
            kind="login",
            username="user%d@test.com" % (i % 3),
            address="203.0.113.9",
            created=timezone.now(),
        )
        for i in range(500)
    )
    with django_assert_num_queries(2):
        verdict = throttling.check(throttling.LOGIN, "user1@test.com", "203.0.113.9", rules)
    assert verdict.locked
