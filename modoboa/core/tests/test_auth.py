"""Authentication: log lines (syslog auth facility and admin log), client
address, last login, unavailable servers, and the password policy on every
path that sets a password.
"""

import logging
import socket
from logging.handlers import SysLogHandler

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from modoboa.admin import services as admin_services
from modoboa.core.logging_handlers import SafeSysLogHandler
from modoboa.core.models import Log, User
from modoboa.core.tests.test_throttling import post_login
from modoboa.lib.exceptions import BadRequest
from tests.fixtures.slapd import free_port

PASSWORD = "Toto1234!"
WEAK = ["1", "password", "12345678", "abcdefgh", "Abcdefgh", "toto"]

pytestmark = pytest.mark.django_db


# Logging


def test_auth_lines_reach_syslog_with_the_auth_facility(client, superadmin):
    """The deployed configuration: a SysLogHandler on LOG_AUTH."""
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    handler = SafeSysLogHandler(address=receiver.getsockname(), facility=SysLogHandler.LOG_AUTH)
    handler.setFormatter(logging.Formatter("%(name)s: %(levelname)s %(message)s"))
    logger = logging.getLogger("modoboa.auth")
    logger.addHandler(handler)
    try:
        post_login(client, "admin", "wrong", address="192.0.2.33")
        failed = receiver.recv(4096).decode()
        post_login(client, "admin", "password", address="192.0.2.33")
        succeeded = receiver.recv(4096).decode()
    finally:
        logger.removeHandler(handler)
        handler.close()
        receiver.close()
    # <priority> = facility * 8 + severity: auth (4), warning (4) / info (6).
    assert failed.startswith("<36>modoboa.auth: WARNING Failed connection attempt")
    assert "'192.0.2.33' as user 'admin'" in failed
    assert succeeded.startswith("<38>modoboa.auth: INFO User 'admin' successfully logged in")


def test_deployed_settings_send_auth_lines_to_syslog_auth():
    import runpy

    from modoboa.core import settings_defaults

    # A fresh copy: the test settings replace syslog with a null handler.
    logging_conf = runpy.run_path(settings_defaults.__file__)["LOGGING"]
    handler = logging_conf["handlers"]["syslog-auth"]
    assert handler["facility"] == SysLogHandler.LOG_AUTH
    assert handler["class"] == "modoboa.core.logging_handlers.SafeSysLogHandler"
    assert logging_conf["loggers"]["modoboa.auth"]["handlers"] == ["syslog-auth", "modoboa"]


def test_client_address_follows_the_forwarding_middleware(client, superadmin, settings):
    # X-Forwarded-For is only read from trusted proxies (tests/security).
    settings.MODOBOA_TRUSTED_PROXIES = ["10.0.0.0/8"]
    client.post(
        "/accounts/login/",
        {"username": "admin", "password": "wrong"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.50, 10.0.0.1",
    )
    assert Log.objects.filter(
        message="Failed connection attempt from '203.0.113.50' as user 'admin'"
    ).exists()


def test_typed_names_cannot_forge_log_lines(client, superadmin):
    client.post(
        "/accounts/login/",
        {"username": "x\nUser 'admin' successfully logged in", "password": "wrong"},
        HTTP_X_FORWARDED_FOR="1.2.3.4\r\nforged",
    )
    line = Log.objects.get(message__startswith="Failed connection attempt").message
    assert "\n" not in line and "\r" not in line
    # A forwarded value that is not an address is ignored.
    assert line == (
        "Failed connection attempt from '127.0.0.1' as user "
        "'x\\x0aUser 'admin' successfully logged in'"
    )


def test_web_login_sets_last_login(client, simple_user):
    assert simple_user.last_login is None
    post_login(client, "user@test.com", PASSWORD)
    simple_user.refresh_from_db()
    assert simple_user.last_login is not None


def test_unavailable_authentication_server_is_a_clear_error(client, simple_user, settings):
    settings.AUTHENTICATION_BACKENDS = [
        "modoboa.lib.authbackends.SMTPBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    settings.AUTH_SMTP_SERVER_ADDRESS = "127.0.0.1"
    settings.AUTH_SMTP_SERVER_PORT = free_port()
    response = post_login(client, "someone@example.test", "Whatever1!")
    assert response.status_code == 503
    assert "authentication server is unavailable" in response.content.decode()
    assert Log.objects.filter(
        level="ERROR", message__startswith="SMTP authentication server 127.0.0.1"
    ).exists()
    assert Log.objects.filter(
        message__startswith="Failed connection attempt from '198.51.100.1'"
    ).exists()
    # Not counted against the account, and local accounts still log in.
    assert not User.objects.filter(username="someone@example.test").exists()
    assert post_login(client, "user@test.com", PASSWORD).status_code == 302


# Password policy on every path


@pytest.mark.parametrize("weak", WEAK)
def test_profile_refuses_weak_passwords(client, simple_user, weak):
    client.force_login(simple_user)
    response = client.post(
        "/user/profile/",
        {
            "language": "en",
            "oldpassword": PASSWORD,
            "newpassword": weak,
            "confirmation": weak,
        },
    )
    assert response.status_code == 200
    simple_user.refresh_from_db()
    assert simple_user.check_password(PASSWORD)


def test_reset_link_refuses_weak_passwords(client, simple_user):
    uid = urlsafe_base64_encode(force_bytes(simple_user.pk))
    token = default_token_generator.make_token(simple_user)
    url = client.get("/reset/%s/%s/" % (uid, token))["Location"]
    response = client.post(url, {"new_password1": "password", "new_password2": "password"})
    assert response.status_code == 200
    simple_user.refresh_from_db()
    assert simple_user.check_password(PASSWORD)
    response = client.post(url, {"new_password1": "Better42!x", "new_password2": "Better42!x"})
    assert response.status_code == 302
    simple_user.refresh_from_db()
    assert simple_user.check_password("Better42!x")


@pytest.mark.parametrize("weak", WEAK)
def test_services_refuse_weak_passwords(superadmin, domain, simple_user, weak):
    with pytest.raises(BadRequest):
        admin_services.create_account(
            acting_user=superadmin, username="new@test.com", password=weak
        )
    with pytest.raises(BadRequest):
        admin_services.set_account_password(simple_user, weak, acting_user=superadmin)
    with pytest.raises(BadRequest):
        admin_services.update_account(simple_user, acting_user=superadmin, password=weak)
    with pytest.raises(BadRequest):
        admin_services.change_own_password(simple_user, PASSWORD, weak)
    assert not User.objects.filter(username="new@test.com").exists()


def test_api_refuses_weak_passwords(client, superadmin, domain):
    client.force_login(superadmin)
    response = client.post(
        "/api/v1/accounts/",
        {"username": "new@test.com", "role": "SimpleUsers", "password": "password"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "password" in response.json()
    assert not User.objects.filter(username="new@test.com").exists()


def test_import_refuses_weak_clear_passwords(superadmin, domain):
    from modoboa.admin.csv_import import import_csv

    lines = [
        "account;weak@test.com;password;W;Eak;True;SimpleUsers;weak@test.com;5",
        "account;strong@test.com;Strong42!x;S;Trong;True;SimpleUsers;strong@test.com;5",
    ]
    result = import_csv(
        lines, acting_user=superadmin, crypt_passwords=True, continue_if_exists=True
    )
    assert result.created == 1 and result.failed == 1
    assert result.errors[0].line == 1 and result.errors[0].field == "password"
    assert not User.objects.filter(username="weak@test.com").exists()
    assert User.objects.get(username="strong@test.com").check_password("Strong42!x")


def test_imported_hashes_are_not_checked_against_the_policy(superadmin, domain):
    """Without --crypt-password the file holds hashes: nothing to check."""
    from modoboa.admin.csv_import import import_csv

    lines = ["account;hash@test.com;{PLAIN}x;H;Ash;True;SimpleUsers;hash@test.com;5"]
    result = import_csv(lines, acting_user=superadmin)
    assert result.created == 1


def test_domain_wizard_never_uses_a_weak_default_password(superadmin):
    """A default_password that fails the policy (upstream shipped
    "password") is never used: the domain administrator gets a random one.
    """
    from modoboa.parameters import tools as param_tools

    param_tools.get_localconfig().parameters.set_value("default_password", "password", app="core")
    admin_services.create_domain(
        acting_user=superadmin, name="new.org", domain_admin={"username": "boss"}
    )
    boss = User.objects.get(username="boss@new.org")
    assert boss.has_usable_password()
    assert not boss.check_password("password")


def test_domain_wizard_uses_a_strong_default_password(superadmin):
    from modoboa.parameters import tools as param_tools

    param_tools.get_localconfig().parameters.set_value(
        "default_password", "Default42!x", app="core"
    )
    admin_services.create_domain(
        acting_user=superadmin, name="new.org", domain_admin={"username": "boss"}
    )
    assert User.objects.get(username="boss@new.org").check_password("Default42!x")


def test_domain_wizard_refuses_a_weak_typed_password(superadmin):
    from modoboa.admin.models import Domain

    with pytest.raises(BadRequest):
        admin_services.create_domain(
            acting_user=superadmin,
            name="new.org",
            domain_admin={"username": "boss", "password": "password"},
        )
    assert not Domain.objects.filter(name="new.org").exists()
