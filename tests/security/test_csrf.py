"""Cross-site request forgery: no request without the CSRF token changes
anything, and no GET does.

Guards against Modoboa CVE-2023-0398 and CVE-2023-0406 (state-changing
requests without CSRF protection; deletion forced to POST, permission
removal to DELETE), CVE-2023-2228 (CSRF on edit operations) and
CVE-2023-5690 (logout open to CSRF). The URLconf is walked, so a view added
later without protection fails here.
"""

import pytest
from django.test import Client

from conftest import db_state

from .conftest import every_path

pytestmark = pytest.mark.django_db

#: Routes a request without the token may reach, and why.
EXEMPT = {
    # Exchanges credentials for a token: no cookie is read, so a forged
    # request from another site gains nothing (it must know the password).
    "api:token": "no ambient credentials",
    # Radicale's plugin sends the credentials to check; no cookie is read.
    "modoboa_radicale:auth_check": "no ambient credentials",
}

METHODS = ("post", "put", "patch", "delete")


def objects_of(world):
    return {
        "domain": world.own_domain,
        "account": world.own_account,
        "alias": world.own_alias,
        "domainalias": None,
        "senderaddress": None,
    }


def is_csrf_refusal(response):
    """Django's failure page (templates/403_csrf.html) or DRF's answer."""
    return response.status_code == 403 and (
        b"security token is missing" in response.content or b"CSRF Failed" in response.content
    )


def forged_client(user):
    """A browser session of ``user`` that a hostile site drives: the
    session cookie goes along, the CSRF token does not.
    """
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_every_view_refuses_a_state_changing_request_without_the_token(world):
    client = forged_client(world.superadmin)
    before = db_state()
    refused = []
    for name, path, _callback in every_path(objects_of(world)):
        if name in EXEMPT:
            continue
        for method in METHODS:
            if path.startswith("/api/"):
                response = getattr(client, method)(
                    path, {"name": "x.org"}, content_type="application/json"
                )
            else:
                response = getattr(client, method)(path, {"confirm": "1"})
            where = "%s %s (%s)" % (method.upper(), path, name)
            # 405 refuses the method itself: nothing runs either.
            assert response.status_code in (403, 405), "%s answered %d" % (
                where,
                response.status_code,
            )
            if response.status_code == 403 and not path.startswith("/docs/"):
                # (The read-only schema pages render DRF's CSRF refusal as
                # the console's plain 403 page.)
                assert is_csrf_refusal(response), where
                refused.append(where)
    assert db_state() == before
    assert "POST /accounts/logout/ (core:logout)" in refused
    assert len(refused) > 40


def test_cve_2023_5690_logout_needs_a_post_with_the_token(world):
    client = forged_client(world.simple_user)
    assert client.get("/accounts/logout/").status_code == 405
    assert is_csrf_refusal(client.post("/accounts/logout/"))
    assert "_auth_user_id" in client.session
    token = client.get("/user/profile/").context["csrf_token"]
    response = client.post("/accounts/logout/", {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_cve_2023_0398_deletion_happens_with_the_token_only(world):
    """The positive control: the same deletion goes through once the page's
    token is sent, so the refusals above are CSRF's and not something else.
    """
    from modoboa.admin.models import Domain

    client = forged_client(world.superadmin)
    path = "/admin/domains/%d/delete/" % world.foreign_domain.pk
    assert is_csrf_refusal(client.post(path, {"keepdir": ""}))
    assert Domain.objects.filter(pk=world.foreign_domain.pk).exists()
    token = client.get(path).context["csrf_token"]
    response = client.post(path, {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302
    assert not Domain.objects.filter(pk=world.foreign_domain.pk).exists()


def test_api_session_requests_need_the_token_but_token_requests_do_not(world, api):
    client = forged_client(world.superadmin)
    response = client.delete("/api/v1/aliases/%d/" % world.own_alias.pk)
    assert is_csrf_refusal(response)
    # A token is no ambient credential: a browser never sends it on its own.
    assert (
        api(world.superadmin).delete("/api/v1/aliases/%d/" % world.own_alias.pk).status_code == 204
    )


def test_every_get_leaves_the_database_unchanged(world, unchanged):
    """GET never changes state, whatever the role, deletion pages included
    (they only ask for confirmation).
    """
    for user in (world.superadmin, world.reseller, world.domain_admin, world.simple_user):
        client = Client()
        client.force_login(user)
        with unchanged():
            for name, path, _callback in every_path(objects_of(world)):
                response = client.get(path, {"selection": str(world.own_alias.pk)})
                # 503: a page that needs a mail service (ManageSieve, IMAP...)
                # this test does not start says so; never a 500.
                assert response.status_code < 500 or response.status_code == 503, (
                    "GET %s (%s) as %s" % (path, name, user)
                )


def test_rich_text_upload_needs_the_token(world, tmp_path, settings):
    """django-ckeditor exempts its upload view from CSRF; ours does not."""
    import io

    from PIL import Image

    settings.MEDIA_ROOT = str(tmp_path)
    image = io.BytesIO()
    Image.new("RGB", (2, 2)).save(image, "PNG")
    image.name = "picture.png"
    client = forged_client(world.simple_user)
    response = client.post("/ckeditor/upload/", {"upload": image})
    assert is_csrf_refusal(response)
    assert not any(tmp_path.rglob("*.png"))
