"""API authentication: the super administrator's token (service and
``api_token`` command), session authentication with CSRF.
"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from modoboa.core import services


def test_command_creates_prints_and_revokes_the_token(superadmin, api, domain):
    out = StringIO()
    call_command("api_token", "admin", stdout=out)
    key = out.getvalue().strip()
    assert key == Token.objects.get(user=superadmin).key
    # Running it again keeps the same token.
    out = StringIO()
    call_command("api_token", "admin", stdout=out)
    assert out.getvalue().strip() == key

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + key)
    assert client.get("/api/v1/domains/").status_code == 200

    call_command("api_token", "admin", "--revoke", stdout=StringIO())
    assert not Token.objects.filter(user=superadmin).exists()
    response = client.get("/api/v1/domains/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_command_refuses_unknown_and_non_superadmin_accounts(domain_admin):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("api_token", "ghost", stdout=StringIO())
    with pytest.raises(CommandError, match="super administrators"):
        call_command("api_token", "admin@test.com", stdout=StringIO())
    assert not Token.objects.exists()


def test_service_refuses_a_token_to_be_made_by_someone_else(superadmin, domain_admin):
    from modoboa.lib.exceptions import PermDeniedException

    with pytest.raises(PermDeniedException):
        services.set_api_access(superadmin, True, acting_user=domain_admin)
    assert services.get_api_token(superadmin) is None
    key = services.set_api_access(superadmin, True, acting_user=superadmin)
    assert services.get_api_token(superadmin) == key


@pytest.mark.parametrize(
    "header",
    ["Token wrong", "Token", "Bearer abc", "Token a b", "Token \u00e9\u00e9"],
)
def test_bad_credentials_are_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/domains/")
    assert response.status_code == 401


def test_token_of_a_disabled_account_is_refused(superadmin, api, domain):
    client = api(superadmin)
    type(superadmin).objects.filter(pk=superadmin.pk).update(is_active=False)
    assert client.get("/api/v1/domains/").status_code == 401


def test_session_authentication_requires_the_csrf_token(superadmin, unchanged):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(superadmin)
    assert client.get("/api/v1/domains/").status_code == 200
    with unchanged():
        response = client.post("/api/v1/domains/", {"name": "new.com"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    # The cookie a page would set, echoed in the header as the console does.
    secret = "abcdefghijklmnopqrstuvwxyz012345"
    client.cookies["csrftoken"] = secret
    response = client.post(
        "/api/v1/domains/", {"name": "new.com"}, format="json", HTTP_X_CSRFTOKEN=secret
    )
    assert response.status_code == 201, response.content
