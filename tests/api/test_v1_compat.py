"""API v1 answers as Modoboa 1.10 answered: status code and body of every
error path a 1.10 client may meet, one row per case.

Each row names the caller, a preparation (limits, parameters), the request
and the expected answer. A refused request must change nothing. The
differences from 1.10 kept on purpose are in docs/decisions.rst ("API v1
compatibility") and have their rows here too.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from modoboa.admin import services
from modoboa.admin.models import Domain
from modoboa.core import constants
from modoboa.core.models import User
from modoboa.limits import services as limits_services
from modoboa.parameters import tools as param_tools

PASSWORD = "Toto1234!"
ANY = object()  # the body is not compared


@dataclass
class Case:
    id: str
    actor: str  # fixture name of the caller (None: anonymous)
    method: str
    path: Any  # str, or callable(ctx) -> str
    payload: Any = None  # dict, or callable(ctx) -> dict
    status: int = 400
    body: Any = ANY
    prepare: Callable = field(default=lambda ctx: None)
    changes: bool = False  # True: an accepted write


class Ctx:
    """The fixtures a case may use, by name."""

    def __init__(self, request):
        self._request = request

    def __getattr__(self, name):
        return self._request.getfixturevalue(name)


def _limits(actor, **values):
    def prepare(ctx):
        account = getattr(ctx, actor)
        for name, value in values.items():
            limits_services.set_user_limit(account, name, value, acting_user=None)

    return prepare


def _domain_limit(name, value):
    def prepare(ctx):
        param_tools.set_global_parameter("enable_domain_limits", True, app="limits")
        limits_services.set_domain_limit(ctx.domain, name, value, acting_user=None)

    return prepare


def _account_pk(username):
    return lambda ctx: "/api/v1/accounts/%d/" % User.objects.get(username=username).pk


def _reseller_domain(ctx):
    services.create_domain(
        acting_user=ctx.reseller, name="one.com", quota=10, default_mailbox_quota=5
    )


def _mailbox_of(username):
    return User.objects.get(username=username).mailbox.pk


CASES = [
    # Limits: 400, the message as a bare JSON string.
    Case(
        "domains-limit",
        "reseller",
        "post",
        "/api/v1/domains/",
        {"name": "two.com", "quota": 10, "default_mailbox_quota": 5},
        body="Domains: limit reached",
        prepare=lambda ctx: (_reseller_domain(ctx), _limits("reseller", domains=1)(ctx)),
    ),
    Case(
        "unlimited-value",
        "reseller",
        "post",
        "/api/v1/domains/",
        {"name": "two.com", "quota": 0},
        body="You're not allowed to define unlimited values",
    ),
    Case(
        "quota-pool-limit",
        "reseller",
        "post",
        "/api/v1/domains/",
        {"name": "big.com", "quota": 5000, "default_mailbox_quota": 10},
        body="Quota: limit reached",
    ),
    Case(
        "domain-aliases-limit",
        "reseller",
        "post",
        "/api/v1/domainaliases/",
        lambda ctx: {"name": "alias-one.com", "target": Domain.objects.get(name="one.com").pk},
        body="Domain aliases: limit reached",
        prepare=lambda ctx: (_reseller_domain(ctx), _limits("reseller", domain_aliases=0)(ctx)),
    ),
    Case(
        "mailboxes-limit",
        "domain_admin",
        "post",
        "/api/v1/accounts/",
        {"username": "bob@test.com", "password": PASSWORD},
        body="Mailboxes: limit reached",
        prepare=_limits("domain_admin", mailboxes=0),
    ),
    Case(
        "mailbox-aliases-limit",
        "domain_admin",
        "post",
        "/api/v1/aliases/",
        {"address": "a@test.com", "recipients": ["x@y.org"]},
        body="Mailbox aliases: limit reached",
        prepare=_limits("domain_admin", mailbox_aliases=0),
    ),
    Case(
        "domain-admins-limit",
        "reseller",
        "post",
        "/api/v1/accounts/",
        {"username": "boss@one.com", "password": PASSWORD, "role": constants.DOMAINADMINS},
        body="Domain admins: limit reached",
        prepare=lambda ctx: (_reseller_domain(ctx), _limits("reseller", domain_admins=0)(ctx)),
    ),
    Case(
        "domain-mailboxes-limit",
        "superadmin",
        "post",
        "/api/v1/accounts/",
        {"username": "bob@test.com", "password": PASSWORD},
        body="Mailboxes: limit reached",
        prepare=_domain_limit("mailboxes", 0),
    ),
    # The reseller's pool cannot cover an allocation: 424, as 1.10.
    Case(
        "unsufficient-resource",
        "reseller",
        "put",
        lambda ctx: "/api/v1/resources/%d/" % ctx.reseller_admin.pk,
        {"mailboxes": 50},
        status=424,
        body={"mailboxes": ["Not enough resources left for Mailboxes"]},
    ),
    # Already exists: 400 naming the field.
    Case(
        "account-exists",
        "superadmin",
        "post",
        "/api/v1/accounts/",
        {"username": "user@test.com", "password": PASSWORD},
        body={"username": ["Account user@test.com already exists"]},
    ),
    Case(
        "domain-exists",
        "superadmin",
        "post",
        "/api/v1/domains/",
        {"name": "test.com"},
        body={"name": ["Domain test.com already exists"]},
    ),
    Case(
        "domain-alias-exists",
        "superadmin",
        "post",
        "/api/v1/domainaliases/",
        lambda ctx: {"name": "test2.com", "target": ctx.domain.pk},
        body={"name": ["A domain with this name already exists"]},
    ),
    Case(
        "alias-exists",
        "superadmin",
        "post",
        "/api/v1/aliases/",
        {"address": "al@test.com", "recipients": ["x@y.org"]},
        body={"address": ["Alias al@test.com already exists"]},
        prepare=lambda ctx: services.create_alias(
            acting_user=ctx.superadmin, address="al@test.com", recipients=["y@y.org"]
        ),
    ),
    # Out of reach.
    Case(
        "sender-address-foreign-domain",
        "domain_admin",
        "post",
        "/api/v1/senderaddresses/",
        lambda ctx: {"address": "x@test2.com", "mailbox": _mailbox_of("user@test.com")},
        body={"address": ["You don't have access to domain test2.com"]},
    ),
    Case(
        "domain-sender-address-foreign-domain",
        "domain_admin",
        "post",
        "/api/v1/senderaddresses/",
        lambda ctx: {"address": "@test2.com", "mailbox": _mailbox_of("user@test.com")},
        body={"address": ["You don't have access to domain test2.com"]},
    ),
    Case(
        "own-resources-read",
        "domain_admin",
        "get",
        lambda ctx: "/api/v1/resources/%d/" % ctx.domain_admin.pk,
        status=404,
        body={"detail": "No User matches the given query."},
    ),
    Case(
        "own-resources-change",
        "domain_admin",
        "put",
        lambda ctx: "/api/v1/resources/%d/" % ctx.domain_admin.pk,
        {"mailboxes": 100},
        status=404,
        body={"detail": "No User matches the given query."},
    ),
    Case(
        "account-in-foreign-domain",
        "domain_admin",
        "post",
        "/api/v1/accounts/",
        {"username": "bob@test2.com", "password": PASSWORD},
        body={"domain": ["Domain test2.com does not exist"]},
    ),
    Case(
        "account-in-missing-domain",
        "superadmin",
        "post",
        "/api/v1/accounts/",
        {"username": "bob@nowhere.com", "password": PASSWORD},
        body={"domain": ["Domain nowhere.com does not exist"]},
    ),
    Case(
        "move-to-missing-domain",
        "superadmin",
        "put",
        _account_pk("user@test.com"),
        {"username": "user@nowhere.com"},
        status=404,
        body={"detail": "Domain nowhere.com does not exist"},
    ),
    Case(
        "move-to-foreign-domain",
        "domain_admin",
        "patch",
        _account_pk("user@test.com"),
        {"username": "user@test2.com"},
        status=404,
        body={"detail": "Domain test2.com does not exist"},
    ),
    Case(
        "foreign-object",
        "domain_admin",
        "get",
        lambda ctx: "/api/v1/domains/%d/" % ctx.other_domain.pk,
        status=404,
        body={"detail": "No Domain matches the given query."},
    ),
    # Relay domains: every transport setting but the switches.
    Case(
        "relay-without-port",
        "superadmin",
        "post",
        "/api/v1/relaydomains/",
        {"name": "relay.com", "transport": {"service": "relay", "_settings": {}}},
        body={
            "transport": {
                "_settings": {
                    "relay_target_host": ["This field is required."],
                    "relay_target_port": ["This field is required."],
                }
            }
        },
    ),
    Case(
        "relay-settings-as-a-string-without-port",
        "superadmin",
        "post",
        "/api/v1/relaydomains/",
        {
            "name": "relay.com",
            "transport": {"service": "relay", "_settings": '{"relay_target_host": "mx.org"}'},
        },
        body={"transport": {"_settings": {"relay_target_port": ["This field is required."]}}},
    ),
    # Other error paths.
    Case(
        "quota-above-domain-quota",
        "superadmin",
        "post",
        "/api/v1/domains/",
        {"name": "q.com", "quota": 10, "default_mailbox_quota": 20},
        body={"default_mailbox_quota": ["Cannot be greater than domain quota"]},
    ),
    Case(
        "exists-without-email",
        "superadmin",
        "get",
        "/api/v1/accounts/exists/",
        body={"email": ["This field is required."]},
    ),
    Case(
        "wrong-current-password",
        "simple_user",
        "put",
        lambda ctx: "/api/v1/accounts/%d/password/" % ctx.simple_user.pk,
        {"password": "wrong", "new_password": "Titi5678!"},
        body={"password": ["Old password mismatchs"]},
    ),
    Case("anonymous", None, "get", "/api/v1/domains/", status=401, body=ANY),
    Case(
        "simple-user",
        "simple_user",
        "get",
        "/api/v1/domains/",
        status=403,
        body={"detail": "You are not allowed to use this endpoint."},
    ),
    # Accepted as 1.10 accepted them.
    Case(
        "default-quota-without-quota",
        "superadmin",
        "put",
        lambda ctx: "/api/v1/domains/%d/" % ctx.domain.pk,
        {"name": "test.com", "default_mailbox_quota": 1000},
        status=200,
        changes=True,
    ),
    Case(
        "domain-wide-sender-address",
        "domain_admin",
        "post",
        "/api/v1/senderaddresses/",
        lambda ctx: {"address": "@test.com", "mailbox": _mailbox_of("user@test.com")},
        status=201,
        changes=True,
    ),
    Case(
        "relay-with-port",
        "superadmin",
        "post",
        "/api/v1/relaydomains/",
        {
            "name": "relay.com",
            "transport": {
                "service": "relay",
                "_settings": '{"relay_target_host": "mx.org", "relay_target_port": 25}',
            },
        },
        status=201,
        changes=True,
    ),
]


@pytest.fixture
def reseller_admin(reseller):
    """A domain administrator of the reseller, with no resources yet."""
    services.create_domain(acting_user=reseller, name="one.com", quota=10, default_mailbox_quota=5)
    return services.create_account(
        acting_user=reseller,
        username="boss@one.com",
        password=PASSWORD,
        role=constants.DOMAINADMINS,
        domains=["one.com"],
    )


@pytest.fixture
def everyone(superadmin, domain, other_domain, domain_admin, simple_user, reseller):
    """The platform of every case: test.com (administered by
    admin@test.com, home of user@test.com), test2.com, and a reseller.
    """


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_v1_answers_as_1_10(case, request, everyone, api, unchanged):
    ctx = Ctx(request)
    case.prepare(ctx)
    actor = getattr(ctx, case.actor) if case.actor else None
    path = case.path(ctx) if callable(case.path) else case.path
    payload = case.payload(ctx) if callable(case.payload) else case.payload
    client = api(User.objects.get(pk=actor.pk) if actor else None)
    call = getattr(client, case.method)
    if case.changes:
        response = call(path, payload, format="json")
    else:
        with unchanged():
            response = call(path, payload, format="json")
    assert response.status_code == case.status, response.body
    assert response["Content-Type"] == "application/json"
    if case.body is not ANY:
        assert response.body == case.body


def test_default_quota_without_quota_keeps_the_stored_quota(api, superadmin, domain, simple_user):
    # 1.10: the default mailbox quota is not compared with a quota not sent;
    # mailboxes using the domain default follow it.
    response = api(superadmin).put(
        "/api/v1/domains/%d/" % domain.pk,
        {"name": "test.com", "default_mailbox_quota": 1000},
        format="json",
    )
    assert response.status_code == 200, response.body
    assert (response.body["quota"], response.body["default_mailbox_quota"]) == (50, 1000)
    # With the quota sent, the rule applies.
    response = api(superadmin).put(
        "/api/v1/domains/%d/" % domain.pk,
        {"name": "test.com", "quota": 50, "default_mailbox_quota": 2000},
        format="json",
    )
    assert response.status_code == 400
    assert response.body == {"default_mailbox_quota": ["Cannot be greater than domain quota"]}
