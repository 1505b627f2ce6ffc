"""The login password kept (encrypted) in the session of mailbox owners."""

from django.urls import reverse

from conftest import PASSWORD
from modoboa.lib import cryptutils


def _login(client, username, password):
    return client.post(reverse("core:login"), {"username": username, "password": password})


def _session_password(client):
    request = type("Request", (), {"session": client.session})()
    return cryptutils.get_password(request)


def test_mailbox_owner_session_keeps_the_password_encrypted(client, simple_user):
    response = _login(client, "user@test.com", PASSWORD)
    assert response.status_code == 302
    stored = client.session[cryptutils.SESSION_KEY]
    assert PASSWORD not in stored
    assert _session_password(client) == PASSWORD


def test_account_without_mailbox_keeps_nothing(client, superadmin):
    response = _login(client, "admin", "password")
    assert response.status_code == 302
    assert cryptutils.SESSION_KEY not in client.session


def test_password_change_updates_the_session_copy(client, simple_user):
    _login(client, "user@test.com", PASSWORD)
    response = client.post(
        reverse("core:user_profile"),
        {
            "first_name": "",
            "last_name": "",
            "language": "en",
            "phone_number": "",
            "secondary_email": "",
            "oldpassword": PASSWORD,
            "newpassword": "Newer1234!",
            "confirmation": "Newer1234!",
        },
    )
    assert response.status_code == 302, response.content
    assert _session_password(client) == "Newer1234!"


def test_tampered_token_reads_as_nothing():
    assert cryptutils.decrypt("not-a-token") is None
    assert cryptutils.decrypt(cryptutils.encrypt("sécret")) == "sécret"
