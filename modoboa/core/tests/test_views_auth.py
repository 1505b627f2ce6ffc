"""Login, logout and password reset pages."""

import pytest
from django.core import mail
from django.test import Client

from modoboa.core.models import Log

PASSWORD = "Toto1234!"


@pytest.mark.django_db
def test_login_page_shows_form_and_announcements(client, superadmin):
    from modoboa.core import signals

    def announce(sender, location, **kwargs):
        return ["<b>Maintenance tonight</b>"] if location == "loginpage" else []

    signals.get_announcements.connect(announce)
    try:
        response = client.get("/accounts/login/")
    finally:
        signals.get_announcements.disconnect(announce)
    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in content and 'for="id_username"' in content
    assert "&lt;b&gt;Maintenance tonight&lt;/b&gt;" in content


@pytest.mark.django_db
def test_failed_login_answers_401_and_is_logged(client, superadmin):
    response = client.post(
        "/accounts/login/", {"username": "admin", "password": "wrong"}, REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 401
    assert "didn" in response.content.decode()
    assert Log.objects.filter(
        logger="modoboa.auth",
        message="Failed connection attempt from '10.1.2.3' as user 'admin'",
    ).exists()


@pytest.mark.django_db
def test_successful_login_redirects_admin_to_dashboard_and_logs(client, superadmin):
    response = client.post("/accounts/login/", {"username": "admin", "password": "password"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/")["Location"] == "/dashboard/"
    assert Log.objects.filter(message="User 'admin' successfully logged in").exists()


@pytest.mark.django_db
def test_simple_user_lands_in_user_area(client, simple_user):
    client.post("/accounts/login/", {"username": "user@test.com", "password": PASSWORD})
    assert client.get("/")["Location"] == "/user/"


@pytest.mark.django_db
def test_login_follows_only_safe_next(client, superadmin):
    response = client.post(
        "/accounts/login/",
        {"username": "admin", "password": "password", "next": "/admin/identities/"},
    )
    assert response["Location"] == "/admin/identities/"
    client.logout()
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.post(
            "/accounts/login/", {"username": "admin", "password": "password", "next": target}
        )
        assert response["Location"] == "/", target
        client.logout()


@pytest.mark.django_db
def test_session_ends_with_browser_without_remember_me(client, superadmin):
    client.post("/accounts/login/", {"username": "admin", "password": "password"})
    assert client.session.get_expire_at_browser_close()
    client.logout()
    client.post(
        "/accounts/login/", {"username": "admin", "password": "password", "rememberme": "on"}
    )
    assert not client.session.get_expire_at_browser_close()


@pytest.mark.django_db
def test_login_applies_the_account_language(client, superadmin):
    superadmin.language = "fr"
    superadmin.save()
    response = client.post("/accounts/login/", {"username": "admin", "password": "password"})
    assert response.cookies["django_language"].value == "fr"
    page = client.get("/dashboard/")
    assert "Tableau de bord" in page.content.decode()


@pytest.mark.django_db
def test_logout_needs_post(client, superadmin):
    client.force_login(superadmin)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.django_db
def test_forms_without_csrf_token_are_refused(superadmin):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "admin", "password": "password"})
    assert response.status_code == 403
    client.force_login(superadmin)
    response = client.post("/admin/domains/new/", {"name": "csrf.org", "type": "domain"})
    assert response.status_code == 403
    from modoboa.admin.models import Domain

    assert not Domain.objects.filter(name="csrf.org").exists()


@pytest.mark.django_db
def test_password_reset_mails_the_secondary_address(client, simple_user, settings):
    from modoboa.parameters import tools as param_tools

    param_tools.set_global_parameter("sender_address", "noreply@test.com", app="core")
    simple_user.secondary_email = "backup@example.org"
    simple_user.save()
    response = client.post("/accounts/password_reset/", {"email": "USER@test.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["backup@example.org"]
    assert message.from_email == "noreply@test.com"
    link = [line for line in message.body.splitlines() if "/reset/" in line][0]
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    page = client.get(path, follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else path
    response = client.post(
        form_url, {"new_password1": "N3wPassword!x", "new_password2": "N3wPassword!x"}
    )
    assert response.status_code == 302
    simple_user.refresh_from_db()
    assert simple_user.check_password("N3wPassword!x")
    assert simple_user.password.startswith("{")


@pytest.mark.django_db
def test_password_reset_sends_nothing_without_secondary_email(client, simple_user):
    client.post("/accounts/password_reset/", {"email": "user@test.com"})
    assert mail.outbox == []
