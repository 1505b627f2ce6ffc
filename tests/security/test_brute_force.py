"""Brute force: every way to check a password or ask for a reset is
throttled, and a client cannot escape the per-address limits by forging
``X-Forwarded-For``.

Guards against Modoboa CVE-2023-0777 (password reset brute force, fixed
upstream by throttling) and CVE-2023-0860 (no limit on repeated
authentication attempts).
"""

import pytest
from django.core import mail

from modoboa.core.models import LoginFailure
from modoboa.parameters import tools as param_tools

pytestmark = pytest.mark.django_db

PASSWORD = "Toto1234!"
ATTACKER = "203.0.113.66"


def set_core_params(**values):
    param_tools.get_localconfig().parameters.set_values(values, app="core")


def console_login(client, username, password, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def api_token(client, username, password, **extra):
    return client.post(
        "/api/v1/token/",
        {"username": username, "password": password},
        content_type="application/json",
        **extra,
    )


def test_cve_2023_0860_login_form_refuses_the_right_password_after_repeated_failures(
    client, simple_user
):
    for _ in range(3):
        assert (
            console_login(client, "user@test.com", "guess", REMOTE_ADDR=ATTACKER).status_code
            == 401
        )
    response = console_login(client, "user@test.com", PASSWORD, REMOTE_ADDR=ATTACKER)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_cve_2023_0860_api_token_endpoint_is_throttled(client, superadmin):
    from rest_framework.authtoken.models import Token

    Token.objects.create(user=superadmin)
    for _ in range(3):
        assert api_token(client, "admin", "guess", REMOTE_ADDR=ATTACKER).status_code == 401
    response = api_token(client, "admin", "password", REMOTE_ADDR=ATTACKER)
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "token" not in response.json()


def test_cve_2023_0860_console_and_api_share_the_failure_count(client, simple_user):
    for _ in range(2):
        console_login(client, "user@test.com", "guess", REMOTE_ADDR=ATTACKER)
    api_token(client, "user@test.com", "guess", REMOTE_ADDR=ATTACKER)
    assert (
        console_login(client, "user@test.com", PASSWORD, REMOTE_ADDR=ATTACKER).status_code == 429
    )


def test_cve_2023_0777_password_reset_requests_are_throttled(client, simple_user):
    simple_user.secondary_email = "owner@elsewhere.org"
    simple_user.save()
    answers = [
        client.post(
            "/accounts/password_reset/", {"email": "user@test.com"}, REMOTE_ADDR=ATTACKER
        ).status_code
        for _ in range(5)
    ]
    assert answers[:3] == [302, 302, 302]
    assert answers[3:] == [429, 429]
    assert len(mail.outbox) == 3


def test_cve_2023_0860_second_factor_codes_are_throttled(client, simple_user):
    from modoboa.core.twofactor import services as twofactor

    device = twofactor.start_enrolment(simple_user)
    twofactor.confirm_enrolment(simple_user, twofactor.current_code(device.key))
    response = console_login(client, "user@test.com", PASSWORD, REMOTE_ADDR=ATTACKER)
    assert response.status_code == 302 and response["Location"].endswith("/verify/")
    answers = [
        client.post("/accounts/login/verify/", {"code": "000000"}, REMOTE_ADDR=ATTACKER)
        for _ in range(4)
    ]
    assert [answer.status_code for answer in answers] == [401, 401, 401, 429]
    right = twofactor.current_code(device.key)
    response = client.post("/accounts/login/verify/", {"code": right}, REMOTE_ADDR=ATTACKER)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_forged_forwarded_for_does_not_escape_the_per_address_lock(client, make_account, domain):
    """A client that is not a trusted proxy sends a new X-Forwarded-For with
    each guess: its own address is still the one counted and locked.
    """
    set_core_params(address_delay_after=4, address_lock_after=4)
    for index in range(4):
        console_login(
            client,
            "victim%d@test.com" % index,
            "guess",
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR="198.51.100.%d" % index,
        )
    assert set(LoginFailure.objects.values_list("address", flat=True)) == {ATTACKER}
    make_account("late@test.com")
    response = console_login(
        client,
        "late@test.com",
        PASSWORD,
        REMOTE_ADDR=ATTACKER,
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert response.status_code == 429


def test_trusted_proxy_forwards_the_client_address(client, simple_user):
    """Behind the local reverse proxy, each client is counted on its own
    (the right-most address the proxy appended), and a value the client
    wrote itself to the left of it is ignored.
    """
    console_login(
        client,
        "nobody@test.com",
        "guess",
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.7",
    )
    assert list(LoginFailure.objects.values_list("address", flat=True)) == ["198.51.100.7"]


@pytest.mark.parametrize(
    "remote, forwarded, expected",
    [
        # Not a proxy: the header is the client's own words.
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        # The local proxy appended the address it saw.
        ("127.0.0.1", "198.51.100.1", "198.51.100.1"),
        ("::1", "2001:db8::5", "2001:db8::5"),
        # gunicorn on a Unix socket leaves REMOTE_ADDR empty.
        ("", "198.51.100.1", "198.51.100.1"),
        # Whatever the client wrote before the proxy's value is ignored.
        ("127.0.0.1", "127.0.0.1, 198.51.100.1", "198.51.100.1"),
        # Garbage from the proxy: keep the proxy's own address.
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        ("127.0.0.1", "198.51.100.1\r\nX: y", "127.0.0.1"),
        ("127.0.0.1", "", "127.0.0.1"),
    ],
)
def test_client_address_trusts_forwarded_for_from_proxies_only(remote, forwarded, expected):
    from modoboa.core.security_middleware import client_address

    assert client_address(remote, forwarded) == expected


def test_proxy_chains_are_walked_through_trusted_networks():
    from modoboa.core.security_middleware import client_address

    trusted = ["127.0.0.1", "10.0.0.0/8"]
    assert client_address("127.0.0.1", "6.6.6.6, 198.51.100.1, 10.1.2.3", trusted) == (
        "198.51.100.1"
    )
    assert client_address("10.0.0.1", "198.51.100.1", ["127.0.0.1"]) == "10.0.0.1"
