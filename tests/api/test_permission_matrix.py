"""The permission matrix of the API: every endpoint and method, for each
role and anonymous callers, on an object the caller reaches ("own") and on
one it does not ("foreign").

Expected answers:

- a number: the status code;
- ``"200+"`` / ``"200-"``: 200, and the target is (+) or is not (-) in the
  list (for ``exists``: the answer is true or false).

A refused request must leave every table untouched, reads too; an accepted
write must have its effect. The number of cases is printed at the end of
the test report (see ``conftest.py``).
"""

import pytest
from django.db import transaction

from modoboa.admin.models import Alias, Domain, DomainAlias, SenderAddress
from modoboa.core.models import User

from .world import (
    ANONYMOUS,
    DOMAINADMINS,
    NEW_PASSWORD,
    PASSWORD,
    RESELLERS,
    ROLES,
    SIMPLEUSERS,
    SUPERADMINS,
    build_world,
    target,
)


def roles(superadmin, reseller, domain_admin, simple_user=403, anonymous=401):
    return dict(
        zip(ROLES, (superadmin, reseller, domain_admin, simple_user, anonymous), strict=True)
    )


# (endpoint, action, scope) -> expected answer per role.
MATRIX = {}


def _admin_objects(endpoint, *, admin_writes, domain_admin_creates, create_foreign):
    """Rows of an endpoint whose objects live inside domains.

    ``admin_writes``: what a domain administrator gets when changing or
    deleting a reachable object (200/204, or 403 without the permission).
    """
    MATRIX[(endpoint, "list", "own")] = roles("200+", "200+", "200+")
    MATRIX[(endpoint, "list", "foreign")] = roles("200+", "200-", "200-")
    MATRIX[(endpoint, "retrieve", "own")] = roles(200, 200, 200)
    MATRIX[(endpoint, "retrieve", "foreign")] = roles(200, 404, 404)
    for action, ok in (("update", 200), ("partial_update", 200), ("destroy", 204)):
        da_own = ok if admin_writes else 403
        da_foreign = 404 if admin_writes else 403
        MATRIX[(endpoint, action, "own")] = roles(ok, ok, da_own)
        MATRIX[(endpoint, action, "foreign")] = roles(ok, 404, da_foreign)
    if create_foreign is None:
        MATRIX[(endpoint, "create", "new")] = roles(201, 201, domain_admin_creates)
    else:
        MATRIX[(endpoint, "create", "own")] = roles(201, 201, domain_admin_creates)
        foreign_da = domain_admin_creates if domain_admin_creates == 403 else create_foreign
        MATRIX[(endpoint, "create", "foreign")] = roles(201, create_foreign, foreign_da)


_admin_objects("domains", admin_writes=False, domain_admin_creates=403, create_foreign=None)
_admin_objects("domainaliases", admin_writes=False, domain_admin_creates=403, create_foreign=400)
_admin_objects("accounts", admin_writes=True, domain_admin_creates=201, create_foreign=400)
_admin_objects("aliases", admin_writes=True, domain_admin_creates=201, create_foreign=400)
_admin_objects("senderaddresses", admin_writes=True, domain_admin_creates=201, create_foreign=400)
_admin_objects("relaydomains", admin_writes=False, domain_admin_creates=403, create_foreign=None)

MATRIX[("accounts", "password", "self")] = roles(200, 200, 200, 200)
MATRIX[("accounts", "password", "own")] = roles(200, 200, 200, 404)
MATRIX[("accounts", "password", "foreign")] = roles(200, 404, 404, 404)
MATRIX[("accounts", "exists", "own")] = roles("200+", "200+", "200+")
MATRIX[("accounts", "exists", "foreign")] = roles("200+", "200-", "200-")

MATRIX[("resources", "retrieve", "own")] = roles(200, 200, 404)
MATRIX[("resources", "retrieve", "foreign")] = roles(200, 404, 404)
for _action in ("update", "partial_update"):
    MATRIX[("resources", _action, "own")] = roles(200, 200, 404)
    MATRIX[("resources", _action, "foreign")] = roles(200, 404, 404)

CASES = [
    pytest.param(
        endpoint, action, scope, role, expected, id="-".join((endpoint, action, scope, role))
    )
    for (endpoint, action, scope), expectations in MATRIX.items()
    for role, expected in expectations.items()
]

MODELS = {
    "domains": Domain,
    "domainaliases": DomainAlias,
    "accounts": User,
    "aliases": Alias,
    "senderaddresses": SenderAddress,
    "resources": User,
    "relaydomains": Domain,
}

RELAY = {
    "service": "relay",
    "_settings": {"relay_target_host": "192.0.2.2", "relay_target_port": 25},
}


def create_payload(endpoint, domain_name):
    domain = Domain.objects.filter(name=domain_name).first()
    box = User.objects.filter(username="box@%s" % domain_name).first()
    return {
        "domains": lambda: {"name": "new-domain.com"},
        "domainaliases": lambda: {"name": "new-alias.org", "target": domain.pk},
        "accounts": lambda: {
            "username": "new@%s" % domain_name,
            "password": PASSWORD,
            "mailbox": {"full_address": "new@%s" % domain_name},
        },
        "aliases": lambda: {"address": "new@%s" % domain_name, "recipients": [box.username]},
        "senderaddresses": lambda: {"address": "other@elsewhere.org", "mailbox": box.mailbox.pk},
        "relaydomains": lambda: {"name": "new-relay.com", "transport": RELAY},
    }[endpoint]()


def update_payload(endpoint, obj, partial):
    if endpoint == "domains":
        return {"enabled": False} if partial else {"name": obj.name, "enable_dns_checks": False}
    if endpoint == "domainaliases":
        if partial:
            return {"enabled": False}
        return {"name": obj.name, "target": obj.target_id, "enabled": False}
    if endpoint == "accounts":
        return (
            {"last_name": "Changed"}
            if partial
            else {"username": obj.username, "last_name": "Changed"}
        )
    if endpoint == "aliases":
        if partial:
            return {"enabled": False}
        return {"address": obj.address, "recipients": obj.recipients + ["ext@elsewhere.org"]}
    if endpoint == "senderaddresses":
        if partial:
            return {"address": "changed@elsewhere.org"}
        return {"address": "changed@elsewhere.org", "mailbox": obj.mailbox_id}
    if endpoint == "resources":
        return {"mailboxes": 2} if partial else {"mailboxes": 2, "mailbox_aliases": 2}
    if endpoint == "relaydomains":
        if partial:
            return {"enabled": False}
        return {
            "name": obj.name,
            "transport": {"service": "relay", "_settings": {"relay_target_host": "192.0.2.9"}},
        }
    raise ValueError(endpoint)


def updated(endpoint, obj):
    """Tell whether the update of the case took effect on ``obj``."""
    fresh = type(obj).objects.get(pk=obj.pk)
    if endpoint == "domains":
        return not fresh.enabled or not fresh.enable_dns_checks
    if endpoint in ("domainaliases", "aliases"):
        return not fresh.enabled or "ext@elsewhere.org" in fresh.recipients
    if endpoint == "accounts":
        return fresh.last_name == "Changed"
    if endpoint == "senderaddresses":
        return fresh.address == "changed@elsewhere.org"
    if endpoint == "resources":
        return fresh.userobjectlimit_set.get(name="mailboxes").max_value == 2
    if endpoint == "relaydomains":
        return not fresh.enabled or fresh.transport.next_hop == "[192.0.2.9]:25"
    raise ValueError(endpoint)


def perform(client, endpoint, action, scope, role, world):
    base = "/api/v1/%s/" % endpoint
    if action == "list":
        return client.get(base), None
    if action == "create":
        return client.post(base, create_payload(endpoint, world.domain_name(role, scope))), None
    if action == "exists":
        email = "box@%s" % world.domain_name(role, scope)
        return client.get(base + "exists/", {"email": email}), None
    obj = target(endpoint, role, scope, world)
    url = "%s%d/" % (base, obj.pk)
    if action == "retrieve":
        return client.get(url), obj
    if action == "update":
        return client.put(url, update_payload(endpoint, obj, partial=False)), obj
    if action == "partial_update":
        return client.patch(url, update_payload(endpoint, obj, partial=True)), obj
    if action == "destroy":
        return client.delete(url), obj
    if action == "password":
        payload = {"password": PASSWORD, "new_password": NEW_PASSWORD}
        return client.put(url + "password/", payload), obj
    raise ValueError(action)


@pytest.fixture(scope="module")
def world_once(django_db_setup, django_db_blocker):
    """The world, built once for the module inside a transaction that is
    rolled back at the end; each test runs in a savepoint of it.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def world(world_once, db):
    return world_once


@pytest.mark.parametrize("endpoint,action,scope,role,expected", CASES)
def test_permission_matrix(endpoint, action, scope, role, expected, world, api, unchanged):
    client = api(world.user(role))
    client.default_format = "json"
    status = int(str(expected)[:3])
    is_read = action in ("list", "retrieve", "exists")
    if status >= 400 or is_read:
        with unchanged():
            response, obj = perform(client, endpoint, action, scope, role, world)
    else:
        response, obj = perform(client, endpoint, action, scope, role, world)
    assert response.status_code == status, response.body

    if isinstance(expected, str):
        if action == "exists":
            found = response.body["exists"]
        else:
            wanted = target(endpoint, role, scope, world).pk
            found = wanted in [row["pk"] for row in response.body]
        assert found is expected.endswith("+")
    elif status == 201:
        assert MODELS[endpoint].objects.filter(pk=response.body["pk"]).exists()
    elif status == 204:
        assert not MODELS[endpoint].objects.filter(pk=obj.pk).exists()
    elif status == 200 and action == "password":
        assert User.objects.get(pk=obj.pk).check_password(NEW_PASSWORD)
    elif status == 200 and action in ("update", "partial_update"):
        assert updated(endpoint, obj)
    elif status == 200 and action == "retrieve" and endpoint == "resources":
        assert set(response.body) >= {"mailboxes", "mailbox_aliases", "domains", "quota"}
    elif status == 200 and action == "retrieve":
        assert response.body["pk"] == obj.pk
    if status in (400, 404, 403) and role in (SUPERADMINS, RESELLERS, DOMAINADMINS, SIMPLEUSERS):
        assert isinstance(response.body, dict) and response.body
    if role == ANONYMOUS:
        assert response["WWW-Authenticate"] == "Token"


def api_routes():
    """``(endpoint, action)`` of every route under the ``api`` namespace."""
    from django.urls import URLResolver, get_resolver

    from modoboa.core import builtin_extensions

    extensions = tuple(module + "." for module in builtin_extensions.MODULES.values())
    routes = set()

    def walk(patterns, in_api):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, in_api or pattern.namespace == "api")
                continue
            actions = getattr(pattern.callback, "actions", None)
            module = getattr(getattr(pattern.callback, "cls", None), "__module__", "")
            if module.startswith(extensions):
                # Each extension's own tests hold its permission matrix.
                continue
            if in_api and actions:
                endpoint = str(pattern.pattern).lstrip("^").split("/")[0]
                routes.update((endpoint, action) for action in actions.values())

    walk(get_resolver().url_patterns, False)
    return routes


def test_matrix_covers_every_route_and_role():
    covered = {(endpoint, action) for endpoint, action, _scope in MATRIX}
    assert covered == api_routes()
    for expectations in MATRIX.values():
        assert set(expectations) == set(ROLES)
