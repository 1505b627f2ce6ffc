"""Missing authorization: nothing answers an anonymous caller but the
public pages, settings are for super administrators only, and no role
reaches, by any view or endpoint, an object outside what it manages.

Guards against Modoboa CVE-2023-2227 (unauthenticated read of the core
parameters through the API), the 2026 IDOR in the change-password API,
PostfixAdmin CVE-2017-5930 (a domain administrator deleting aliases it
should not touch) and the 2017 domain-admin scope escape (#1100). Routes
come from the URLconf, so a new view without a check fails here.
"""

import pytest
from django.test import Client

from conftest import PASSWORD

from .conftest import every_path, object_paths

pytestmark = pytest.mark.django_db

#: What an anonymous caller may open, and why.
PUBLIC = {
    "core:root": "redirects to the login page",
    "admin:index": "redirects to the domain list (which needs a login)",
    "core:login": "the login page",
    "core:logout": "logs out nobody",
    "core:password_reset": "asks for a reset link (throttled)",
    "core:password_reset_done": "a static page",
    "core:password_reset_confirm": "needs the signed token of the link",
    "core:password_reset_complete": "a static page",
    "twofactor:verify": "only after a valid password (session state)",
    "api:token": "exchanges credentials for a token (throttled)",
    "api:schema": "the API's shape, no data",
    "api-schema": "the API's shape, no data",
    "api-docs": "Swagger UI for the shape above",
    "javascript-catalog": "translations of the interface",
    "modoboa_radicale:auth_check": "Radicale's login check: credentials in, yes or no out "
    "(throttled like the login page)",
}

#: Pages of the "Modoboa" settings area: super administrators only.
SUPERUSER_ONLY = ("core:information", "core:log_list", "core:parameters", "core:user_api_access")


def objects(world, scope):
    from modoboa.admin.models import DomainAlias, SenderAddress

    domain = world.own_domain if scope == "own" else world.foreign_domain
    account = world.own_account if scope == "own" else world.foreign_account
    alias = world.own_alias if scope == "own" else world.foreign_alias
    return {
        "domain": domain,
        "account": account,
        "alias": alias,
        "domainalias": DomainAlias.objects.create(name="da-%s" % domain.name, target=domain),
        "senderaddress": SenderAddress.objects.create(
            address="s@elsewhere.org", mailbox=account.mailbox
        ),
    }


def refuses_anonymous(response):
    if response.status_code in (401, 403, 405):
        return True
    if response.status_code == 404 and response.get("Content-Type", "").startswith(
        "application/json"
    ):
        return True
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_cve_2023_2227_nothing_but_public_pages_answers_anonymous_callers(world, unchanged):
    client = Client()
    checked = 0
    paths = every_path(objects(world, "own"))
    with unchanged():
        for name, path, _callback in paths:
            if name in PUBLIC:
                continue
            for method in ("get", "post", "put", "patch", "delete"):
                response = getattr(client, method)(path)
                assert refuses_anonymous(response), "%s %s (%s) answered %d" % (
                    method.upper(),
                    path,
                    name,
                    response.status_code,
                )
                checked += 1
    assert checked > 200


def test_cve_2023_2227_parameters_are_never_shown_to_anonymous_callers(world, settings):
    from modoboa.parameters import tools as param_tools

    param_tools.get_localconfig().parameters.set_value(
        "ldap_bind_password", "Secret-Bind-1", app="core"
    )
    client = Client()
    for path in ("/core/parameters/", "/user/preferences/", "/api/v1/parameters/core/"):
        response = client.get(path, follow=True)
        assert b"Secret-Bind-1" not in response.content
        assert b"ldap_bind_password" not in response.content


def test_settings_area_is_for_super_administrators_only(world):
    paths = {name: path for name, path, _cb in every_path(objects(world, "own"))}
    for user in (world.reseller, world.domain_admin, world.simple_user):
        client = Client()
        client.force_login(user)
        for name in SUPERUSER_ONLY:
            for method in ("get", "post"):
                response = getattr(client, method)(paths[name])
                assert response.status_code == 403, (name, user.username, method)


@pytest.mark.parametrize("role", ["reseller", "domain_admin", "simple_user"])
def test_no_console_view_reaches_another_administrators_objects(world, unchanged, role):
    """Every view taking an object, every method, on an object of test2.com
    (which only super administrators manage): refused, nothing written.
    """
    user = getattr(world, role)
    client = Client()
    client.force_login(user)
    foreign = objects(world, "foreign")
    checked = 0
    with unchanged():
        for name, path in object_paths(foreign):
            if path.startswith("/api/"):
                continue
            for method in ("get", "post"):
                response = getattr(client, method)(path, {"confirm": "1", "keepdir": ""})
                # 405: the method itself is refused, before any lookup.
                assert response.status_code in (403, 404, 405), "%s %s (%s) as %s: %d" % (
                    method.upper(),
                    path,
                    name,
                    user.username,
                    response.status_code,
                )
                checked += 1
    assert checked >= 20


@pytest.mark.parametrize("role", ["reseller", "domain_admin", "simple_user"])
def test_no_api_endpoint_reaches_another_administrators_objects(world, api, unchanged, role):
    client = api(getattr(world, role))
    foreign = objects(world, "foreign")
    checked = 0
    with unchanged():
        for name, path in object_paths(foreign):
            if not path.startswith("/api/"):
                continue
            for method in ("get", "put", "patch", "delete"):
                response = getattr(client, method)(path, {}, format="json")
                assert response.status_code in (403, 404, 405), "%s %s (%s): %d" % (
                    method.upper(),
                    path,
                    name,
                    response.status_code,
                )
                checked += 1
    assert checked >= 20


def test_2026_idor_change_password_api_refuses_other_accounts(world, api):
    """Upstream's password endpoint changed any account's password; here a
    caller only reaches itself and the accounts it manages.
    """
    from modoboa.core.models import User

    payload = {"password": PASSWORD, "new_password": "Hijack3d!Pass"}
    cases = [
        (world.simple_user, world.foreign_account),
        (world.simple_user, world.domain_admin),
        (world.domain_admin, world.foreign_account),
        (world.reseller, world.foreign_account),
        (world.reseller, world.superadmin),
    ]
    for caller, target in cases:
        response = api(caller).put("/api/v1/accounts/%d/password/" % target.pk, payload)
        assert response.status_code in (403, 404), (caller.username, target.username)
        assert User.objects.get(pk=target.pk).check_password("Hijack3d!Pass") is False


def test_cve_2017_5930_domain_admin_cannot_delete_aliases_of_other_domains(world, api):
    from modoboa.admin.models import Alias

    client = Client()
    client.force_login(world.domain_admin)
    foreign = world.foreign_alias.pk
    both = "%d,%d" % (world.own_alias.pk, foreign)
    assert client.post("/admin/aliases/delete/", {"selection": both}).status_code == 403
    response = client.post(
        "/admin/identities/delete/", {"selection": ["alias-%d" % foreign], "confirm": "1"}
    )
    assert response.status_code == 403
    assert api(world.domain_admin).delete("/api/v1/aliases/%d/" % foreign).status_code == 404
    assert Alias.objects.filter(pk__in=[world.own_alias.pk, foreign]).count() == 2


def test_domain_admin_cannot_remove_another_domains_administrator(world, make_account):
    from modoboa.core import constants

    other_admin = make_account(
        "boss@test2.com", role=constants.DOMAINADMINS, domains=["test2.com"]
    )
    client = Client()
    client.force_login(world.domain_admin)
    response = client.post(
        "/admin/permissions/remove/",
        {"domid": world.foreign_domain.pk, "daid": other_admin.pk},
    )
    assert response.status_code in (403, 404)
    assert world.foreign_domain.admins.filter(pk=other_admin.pk).exists()


def test_lists_exports_and_autocompletion_only_show_what_the_caller_manages(world):
    client = Client()
    client.force_login(world.domain_admin)
    pages = {
        "/admin/identities/": b"victim@test2.com",
        "/admin/identities/?searchquery=test2": b"victim@test2.com",
        "/admin/domains/flatlist/": b"test2.com",
        "/admin/domains/": b"test2.com",
    }
    for path, secret in pages.items():
        response = client.get(path)
        assert response.status_code in (200, 403), path
        assert secret not in response.content, path
    client.get("/admin/identities/")
    response = client.post("/admin/identities/export/", {"filename": "x.csv", "sepchar": ";"})
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"user@test.com" in content
    assert b"test2.com" not in content
