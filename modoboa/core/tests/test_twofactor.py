"""Two-factor login with TOTP: enrolment, login, recovery codes,
enforcement by role, the reset command and the API token endpoint.
"""

import re

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from modoboa.core.models import Log, LoginFailure
from modoboa.core.twofactor import services
from modoboa.core.twofactor.models import RecoveryCode, TOTPDevice
from modoboa.parameters import tools as param_tools

PASSWORD = "Toto1234!"

pytestmark = pytest.mark.django_db


def code(user, offset=0):
    """The code the user's authenticator application shows (``offset``
    steps later: a code is never accepted twice).
    """
    return services.current_code(TOTPDevice.objects.get(user=user).key, offset)


def enrol(user):
    """Enrol ``user`` through the service; return its recovery codes."""
    services.start_enrolment(user)
    return services.confirm_enrolment(user, code(user))


def require(policy):
    param_tools.get_localconfig().parameters.set_value("twofactor_required", policy, app="core")


def password_step(client, username, password, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


# Enrolment through the console


def test_enrolment_shows_a_qr_code_then_recovery_codes(client, simple_user):
    client.force_login(simple_user)
    page = client.get("/user/twofactor/").content.decode()
    assert "not enabled" in page
    response = client.post("/user/twofactor/enable/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in content and 'class="segno"' in content
    device = TOTPDevice.objects.get(user=simple_user)
    assert not device.confirmed
    assert services.secret_base32(device) in content
    uri = services.provisioning_uri(device)
    assert uri.startswith("otpauth://totp/Modoboa%3Auser%40test.com?secret=")
    # A wrong code keeps the device unconfirmed.
    response = client.post("/user/twofactor/confirm/", {"code": "000000"})
    assert response.status_code == 400 and "Invalid code" in response.content.decode()
    response = client.post("/user/twofactor/confirm/", {"code": code(simple_user)})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", page)
    assert len(codes) == 10
    assert RecoveryCode.objects.filter(user=simple_user).count() == 10
    # Stored as digests only.
    assert not RecoveryCode.objects.filter(code_hash__in=codes).exists()
    # Shown once.
    assert client.get("/user/twofactor/codes/").status_code == 302
    assert services.is_enrolled(simple_user)
    assert Log.objects.filter(
        message="Two-factor authentication enabled for user@test.com"
    ).exists()


def test_user_menu_links_to_the_set_up_page(client, simple_user):
    client.force_login(simple_user)
    assert 'href="/user/twofactor/"' in client.get("/user/profile/").content.decode()


# Login


def test_enrolled_account_needs_its_code_to_log_in(client, simple_user):
    enrol(simple_user)
    response = password_step(client, "user@test.com", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/verify/"
    # Not logged in yet.
    assert "_auth_user_id" not in client.session
    assert client.get("/user/").status_code == 302
    assert client.get("/user/")["Location"].startswith("/accounts/login/")
    response = client.post("/accounts/login/verify/", {"code": "123456"})
    assert response.status_code == 401
    assert "Invalid code" in response.content.decode()
    assert Log.objects.filter(
        message__startswith="Failed second factor from '127.0.0.1' as user 'user@test.com'"
    ).exists()
    response = client.post("/accounts/login/verify/", {"code": code(simple_user, 1)})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == simple_user.pk
    simple_user.refresh_from_db()
    assert simple_user.last_login is not None
    assert Log.objects.filter(message="User 'user@test.com' successfully logged in").exists()
    assert not LoginFailure.objects.exists()


def test_a_code_is_accepted_once(client, simple_user):
    enrol(simple_user)
    used = code(simple_user, 1)
    password_step(client, "user@test.com", PASSWORD)
    assert client.post("/accounts/login/verify/", {"code": used}).status_code == 302
    client.logout()
    password_step(client, "user@test.com", PASSWORD)
    assert client.post("/accounts/login/verify/", {"code": used}).status_code == 401


def test_recovery_code_logs_in_once(client, simple_user):
    codes = enrol(simple_user)
    password_step(client, "user@test.com", PASSWORD)
    response = client.post("/accounts/login/verify/", {"code": codes[0].upper()})
    assert response.status_code == 302
    assert services.remaining_recovery_codes(simple_user) == 9
    client.logout()
    password_step(client, "user@test.com", PASSWORD)
    assert client.post("/accounts/login/verify/", {"code": codes[0]}).status_code == 401


def test_code_page_without_a_password_step_goes_back_to_login(client, simple_user):
    enrol(simple_user)
    assert client.get("/accounts/login/verify/")["Location"] == "/accounts/login/"
    response = client.post("/accounts/login/verify/", {"code": code(simple_user, 1)})
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_code_guessing_is_throttled(client, simple_user):
    enrol(simple_user)
    password_step(client, "user@test.com", PASSWORD)
    for _ in range(3):
        assert client.post("/accounts/login/verify/", {"code": "000000"}).status_code == 401
    response = client.post("/accounts/login/verify/", {"code": code(simple_user, 1)})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_right_password_does_not_reset_code_failures(client, simple_user):
    """Otherwise the password would buy new guesses at the code."""
    enrol(simple_user)
    password_step(client, "user@test.com", PASSWORD)
    for _ in range(2):
        client.post("/accounts/login/verify/", {"code": "000000"})
    password_step(client, "user@test.com", PASSWORD)
    assert LoginFailure.objects.filter(username="user@test.com").count() == 2


def test_next_url_and_remember_me_survive_the_code_page(client, simple_user):
    enrol(simple_user)
    client.post(
        "/accounts/login/",
        {
            "username": "user@test.com",
            "password": PASSWORD,
            "next": "/user/forward/",
            "rememberme": "on",
        },
    )
    response = client.post("/accounts/login/verify/", {"code": code(simple_user, 1)})
    assert response["Location"] == "/user/forward/"
    assert not client.session.get_expire_at_browser_close()


# Enforcement by role


def test_required_role_must_enrol_before_anything_else(client, superadmin, simple_user):
    require("admins")
    response = password_step(client, "admin", "password")
    assert response.status_code == 302
    response = client.get("/dashboard/")
    assert response["Location"] == "/user/twofactor/"
    assert client.get("/admin/domains/")["Location"] == "/user/twofactor/"
    assert client.get("/api/v1/domains/").status_code == 403
    page = client.get("/user/twofactor/").content.decode()
    assert "must use two-factor authentication" in page
    client.post("/user/twofactor/enable/")
    client.post("/user/twofactor/confirm/", {"code": code(superadmin)})
    assert client.get("/dashboard/").status_code == 200
    # Simple users are not concerned by "admins".
    other = client.__class__()
    password_step(other, "user@test.com", PASSWORD)
    assert other.get("/user/profile/").status_code == 200


def test_required_second_factor_cannot_be_disabled(client, superadmin):
    require("superadmins")
    enrol(superadmin)
    client.force_login(superadmin)
    assert 'id="disable-form"' not in client.get("/user/twofactor/").content.decode()
    client.post("/user/twofactor/disable/", {"disable-code": code(superadmin, 1)})
    assert services.is_enrolled(superadmin)


@pytest.mark.parametrize(
    "policy, role_fixture, required",
    [
        ("nobody", "superadmin", False),
        ("superadmins", "superadmin", True),
        ("superadmins", "domain_admin", False),
        ("admins", "domain_admin", True),
        ("admins", "reseller", True),
        ("admins", "simple_user", False),
        ("everyone", "simple_user", True),
    ],
)
def test_enforcement_by_role(request, policy, role_fixture, required):
    require(policy)
    assert services.is_required(request.getfixturevalue(role_fixture)) is required


# Management from the user area


def test_disable_needs_a_valid_code(client, simple_user):
    enrol(simple_user)
    client.force_login(simple_user)
    client.post("/user/twofactor/disable/", {"disable-code": "000000"})
    assert services.is_enrolled(simple_user)
    assert LoginFailure.objects.filter(username="user@test.com").count() == 1
    client.post("/user/twofactor/disable/", {"disable-code": code(simple_user, 1)})
    assert not services.is_enrolled(simple_user)
    assert not RecoveryCode.objects.filter(user=simple_user).exists()


def test_regenerate_recovery_codes(client, simple_user):
    old = enrol(simple_user)
    client.force_login(simple_user)
    response = client.post(
        "/user/twofactor/regenerate/", {"regenerate-code": code(simple_user, 1)}
    )
    assert response["Location"] == "/user/twofactor/codes/"
    page = client.get("/user/twofactor/codes/").content.decode()
    new = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    assert services.verify(simple_user, old[0]) is None
    assert services.verify(simple_user, new[0]) == "recovery"


def test_cannot_enrol_twice(simple_user):
    enrol(simple_user)
    with pytest.raises(Exception) as info:
        services.start_enrolment(simple_user)
    assert info.value.http_code == 400


# Reset command


def test_reset_command_removes_the_second_factor(client, simple_user):
    enrol(simple_user)
    from io import StringIO

    out = StringIO()
    call_command("reset_twofactor", "User@Test.com", stdout=out)
    assert "Two-factor authentication of User@Test.com reset." in out.getvalue()
    assert not TOTPDevice.objects.exists() and not RecoveryCode.objects.exists()
    assert Log.objects.filter(
        message="Two-factor authentication of user@test.com reset by management command"
    ).exists()
    # No code asked any more: the password alone logs in (a first login
    # lands on the profile).
    assert password_step(client, "user@test.com", PASSWORD)["Location"] == "/user/profile/"
    out = StringIO()
    call_command("reset_twofactor", "user@test.com", stdout=out)
    assert "had no two-factor authentication" in out.getvalue()


def test_reset_command_rejects_unknown_accounts(simple_user):
    from django.core.management.base import CommandError

    enrol(simple_user)
    with pytest.raises(CommandError, match="nobody@test.com does not exist"):
        call_command("reset_twofactor", "user@test.com", "nobody@test.com")
    # All or nothing.
    assert services.is_enrolled(simple_user)


# API token endpoint


def test_token_endpoint_returns_the_token(client, superadmin):
    token = Token.objects.create(user=superadmin)
    response = client.post(
        "/api/v1/token/",
        {"username": "admin", "password": "password"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json() == {"token": token.key}
    assert Log.objects.filter(message="API token handed to 'admin'").exists()


def test_token_endpoint_requires_the_code_of_enrolled_accounts(client, superadmin):
    token = Token.objects.create(user=superadmin)
    enrol(superadmin)
    url = "/api/v1/token/"
    response = client.post(url, {"username": "admin", "password": "password"})
    assert response.status_code == 401 and response.json()["code_required"] is True
    response = client.post(url, {"username": "admin", "password": "password", "code": "000000"})
    assert response.status_code == 401
    response = client.post(
        url, {"username": "admin", "password": "password", "code": code(superadmin, 1)}
    )
    assert response.status_code == 200 and response.json()["token"] == token.key


def test_token_endpoint_refusals(client, superadmin, simple_user):
    url = "/api/v1/token/"
    assert client.post(url, {"username": "admin"}).status_code == 400
    assert client.post(url, {"username": "admin", "password": "nope"}).status_code == 401
    # Right password, but API access is off.
    response = client.post(url, {"username": "user@test.com", "password": PASSWORD})
    assert response.status_code == 403
    require("everyone")
    Token.objects.create(user=simple_user)
    response = client.post(url, {"username": "user@test.com", "password": PASSWORD})
    assert response.status_code == 403
    assert "Set up two-factor authentication" in response.json()["detail"]


def test_token_endpoint_is_in_the_api_schema(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/token/"]["post"]
    assert operation["operationId"] == "obtain_token"
    assert {"200", "401", "429"} <= set(operation["responses"])
