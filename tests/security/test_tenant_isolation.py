"""Issue 14: a tenant inside its reach against the accounts above it.

The platform: two resellers, each with its domain and its own mailbox there
(``r1@d1.example``, ``r2@d2.example``), the domain alias
``r2alias.example`` of ``d2.example``, a domain administrator of d1
(``da1@d1.example``), an administrator of d1 *and* d2 (``dx@d1.example``)
and users. Where an attack is about mail routing, the generated Postfix
maps answer with the real ``postmap -q``.
"""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from modoboa.admin import access as admin_access
from modoboa.admin import services
from modoboa.admin.models import Alias, SenderAddress
from modoboa.core import constants
from modoboa.core import services as core_services
from modoboa.core.models import User
from modoboa.lib.exceptions import PermDeniedException

PASSWORD = "Toto1234!"
ALIASES = "sql-aliases.cf"
LOGINS = "sql-sender-login-map.cf"


@pytest.fixture
def tenants(superadmin, make_account, make_domain, set_limits):
    from types import SimpleNamespace

    w = SimpleNamespace(superadmin=superadmin)
    for n in (1, 2):
        reseller = make_account("r%d@d%d.example" % (n, n), role=constants.RESELLERS)
        set_limits(
            reseller,
            domains=5,
            domain_aliases=5,
            mailboxes=20,
            mailbox_aliases=20,
            domain_admins=5,
            quota=0,
        )
        domain = make_domain("d%d.example" % n, acting_user=reseller)
        services.update_account(reseller, acting_user=superadmin, email="r%d@d%d.example" % (n, n))
        setattr(w, "r%d" % n, User.objects.get(pk=reseller.pk))
        setattr(w, "d%d" % n, domain)
    services.create_domain_alias(acting_user=w.r2, name="r2alias.example", target=w.d2)
    w.da1 = make_account(
        "da1@d1.example",
        acting_user=w.r1,
        role=constants.DOMAINADMINS,
        domains=["d1.example"],
        mailbox={"address": "da1@d1.example"},
    )
    set_limits(w.da1, mailboxes=10, mailbox_aliases=10)
    w.dx = make_account(
        "dx@d1.example",
        role=constants.DOMAINADMINS,
        domains=["d1.example", "d2.example"],
        mailbox={"address": "dx@d1.example"},
    )
    w.u1 = make_account("u1@d1.example", acting_user=w.r1)
    w.u2 = make_account("u2@d2.example", acting_user=w.r2)
    return w


def _fresh(account):
    return User.objects.get(pk=account.pk)


# Finding 1: capturing the mail of the accounts above.


def test_domain_admin_cannot_capture_its_resellers_mailbox_with_an_alias(tenants, api):
    w = tenants
    for address in ("r1@d1.example", "r1+x@d1.example"):
        with pytest.raises(PermDeniedException):
            services.create_alias(
                acting_user=w.da1, address=address, recipients=["da1@d1.example"]
            )
    response = api(w.da1).post(
        "/api/v1/aliases/",
        {"address": "r1@d1.example", "recipients": ["da1@d1.example"]},
        format="json",
    )
    assert response.status_code in (400, 403, 409)
    assert not Alias.objects.filter(address="r1@d1.example", internal=False).exists()
    # Its own users' addresses are still its to route.
    services.create_alias(
        acting_user=w.da1, address="team@d1.example", recipients=["u1@d1.example"]
    )


def test_domain_admin_cannot_send_as_its_reseller(tenants):
    w = tenants
    for address in ("r1@d1.example", "r1+boss@d1.example"):
        with pytest.raises(PermDeniedException):
            services.create_sender_address(
                acting_user=w.da1, address=address, mailbox=w.da1.mailbox
            )
        with pytest.raises(PermDeniedException):
            services.update_account(w.da1, acting_user=w.da1, sender_addresses=[address])
    assert not SenderAddress.objects.filter(address__startswith="r1").exists()


def test_domain_admin_cannot_capture_the_recovery_address_of_its_reseller(tenants):
    w = tenants
    services.update_account(w.r1, acting_user=w.superadmin, secondary_email="rescue@d1.example")
    for call in (
        lambda: services.create_alias(
            acting_user=w.da1, address="rescue@d1.example", recipients=["da1@d1.example"]
        ),
        lambda: services.create_alias(
            acting_user=w.da1, address="@d1.example", recipients=["da1@d1.example"]
        ),
        lambda: services.create_account(
            acting_user=w.da1, username="rescue@d1.example", password=PASSWORD
        ),
        lambda: services.update_account(w.u1, acting_user=w.da1, username="rescue@d1.example"),
    ):
        with pytest.raises(PermDeniedException):
            call()
    assert not User.objects.filter(username="rescue@d1.example").exists()


def test_reseller_cannot_alias_a_domain_holding_an_address_of_another_account(tenants):
    """A domain alias named after the domain of someone's recovery address
    would route that address here."""
    w = tenants
    services.update_account(w.r2, acting_user=w.superadmin, secondary_email="boss@mail.example")
    with pytest.raises(PermDeniedException):
        services.create_domain_alias(acting_user=w.r1, name="mail.example", target=w.d1)
    with pytest.raises(PermDeniedException):
        services.create_domain(acting_user=w.r1, name="mail.example")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_mail_of_the_reseller_stays_its_own_in_the_postfix_maps(tenants, postfix_maps):
    w = tenants
    with pytest.raises(PermDeniedException):
        services.create_alias(
            acting_user=w.da1, address="r1@d1.example", recipients=["da1@d1.example"]
        )
    with pytest.raises(PermDeniedException):
        services.create_sender_address(
            acting_user=w.da1, address="r1@d1.example", mailbox=w.da1.mailbox
        )
    assert postfix_maps.values(ALIASES, "r1@d1.example") == ["r1@d1.example"]
    assert postfix_maps.values(LOGINS, "r1@d1.example") == ["r1@d1.example"]
    # What it may do shows in the maps too.
    services.create_alias(
        acting_user=w.da1, address="team@d1.example", recipients=["u1@d1.example"]
    )
    assert postfix_maps.values(ALIASES, "team@d1.example") == ["u1@d1.example"]


# Finding 2: acting on an administrator whose reach is wider.


def test_domain_admin_cannot_act_on_an_administrator_of_more_domains(tenants, api):
    w = tenants
    assert not w.da1.can_access(w.dx)
    response = api(w.da1).put(
        "/api/v1/accounts/%d/password/" % w.dx.pk,
        {"password": PASSWORD, "new_password": "Hijack3d!Pass"},
        format="json",
    )
    assert response.status_code in (403, 404)
    assert api(w.da1).delete("/api/v1/accounts/%d/" % w.dx.pk).status_code in (403, 404)
    assert _fresh(w.dx).check_password(PASSWORD)
    for call in (
        lambda: services.set_account_password(w.dx, "Hijack3d!Pass", acting_user=w.da1),
        lambda: services.delete_account(w.dx, acting_user=w.da1),
        lambda: services.update_account(w.dx, acting_user=w.da1, is_active=False),
        lambda: services.create_alias(
            acting_user=w.da1, address="dx@d1.example", recipients=["da1@d1.example"]
        ),
    ):
        with pytest.raises(PermDeniedException):
            call()
    assert _fresh(w.dx).is_active
    # Neither does the reseller of d1, which does not reach d2.
    assert not w.r1.can_access(w.dx)
    with pytest.raises(PermDeniedException):
        services.set_account_password(w.dx, "Hijack3d!Pass", acting_user=w.r1)
    # An administrator of d1 alone stays within its peers' reach.
    peer = services.create_account(
        acting_user=w.r1,
        username="peer@d1.example",
        password=PASSWORD,
        role=constants.DOMAINADMINS,
        domains=["d1.example"],
        mailbox={"address": "peer@d1.example"},
    )
    assert _fresh(w.da1).can_access(peer)


def test_nobody_but_superusers_reaches_resellers_and_superusers(tenants):
    w = tenants
    for actor in (w.da1, w.dx, w.r2):
        assert not _fresh(actor).can_access(w.r1)
        assert not _fresh(actor).can_access(w.superadmin)


# Finding 3: sender addresses in other tenants' domains and domain aliases.


def test_sender_address_in_another_resellers_domain_alias_is_refused(tenants):
    w = tenants
    for address in ("ceo@r2alias.example", "ceo@d2.example"):
        with pytest.raises(PermDeniedException):
            services.create_sender_address(
                acting_user=w.da1, address=address, mailbox=w.da1.mailbox
            )
    assert not SenderAddress.objects.filter(mailbox=w.da1.mailbox).exists()
    # A domain-wide sender address is an address of that domain.
    for address in ("@r2alias.example", "@d2.example"):
        with pytest.raises(PermDeniedException):
            admin_access.check_address(w.da1, address, field="address")
    # In its own domain, not while a foreign account has an address there.
    with pytest.raises(PermDeniedException):
        admin_access.check_address(w.da1, "@d1.example", field="address")
    admin_access.check_address(w.r2, "@r2alias.example", field="address")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_sender_address_does_not_survive_its_domain_being_hosted(tenants, postfix_maps):
    w = tenants
    services.create_sender_address(
        acting_user=w.da1, address="ceo@future.example", mailbox=w.da1.mailbox
    )
    services.create_sender_address(
        acting_user=w.da1, address="cfo@later.example", mailbox=w.da1.mailbox
    )
    assert postfix_maps.values(LOGINS, "ceo@future.example") == ["da1@d1.example"]
    domain = services.create_domain(acting_user=w.r2, name="future.example")
    services.create_domain_alias(acting_user=w.r2, name="later.example", target=w.d2)
    services.create_account(acting_user=w.r2, username="ceo@future.example", password=PASSWORD)
    assert domain.enabled
    assert postfix_maps.values(LOGINS, "ceo@future.example") == ["ceo@future.example"]
    assert postfix_maps.values(LOGINS, "cfo@later.example") == []
    assert not SenderAddress.objects.filter(mailbox=w.da1.mailbox).exists()


# Finding 5: what disabling a domain ends.


def test_a_disabled_domain_ends_console_and_api_access_of_its_accounts(tenants, api):
    w = tenants
    session = Client()
    assert (
        session.post(
            "/accounts/login/", {"username": "u1@d1.example", "password": PASSWORD}
        ).status_code
        == 302
    )
    assert session.get("/user/profile/").status_code == 200
    token_client = api(w.da1)
    assert token_client.get("/api/v1/accounts/").status_code == 200
    services.update_domain(w.d1, acting_user=w.r1, enabled=False)
    # The open session ends, a new login is refused, the token is refused.
    assert session.get("/user/profile/").status_code == 302
    client = Client()
    client.post("/accounts/login/", {"username": "u1@d1.example", "password": PASSWORD})
    assert client.get("/user/profile/").status_code == 302
    assert token_client.get("/api/v1/accounts/").status_code == 401
    response = api().post(
        "/api/v1/token/", {"username": "da1@d1.example", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 401


def test_a_disabled_domain_is_out_of_its_domain_administrators_reach(tenants):
    w = tenants
    services.update_domain(w.d1, acting_user=w.r1, enabled=False)
    dx = _fresh(w.dx)  # administers d2 too, mailbox in d1: refused anyway
    with pytest.raises(PermDeniedException):
        services.create_account(acting_user=dx, username="new@d1.example", password=PASSWORD)
    assert not dx.can_access(w.d1)
    assert not dx.can_access(w.u1)
    # The reseller keeps its domain, and may enable it again.
    assert _fresh(w.r1).can_access(w.d1)
    services.update_domain(w.d1, acting_user=w.r1, enabled=True)
    services.create_account(acting_user=w.da1, username="new@d1.example", password=PASSWORD)


# Finding 7: disabling a user and other tenants' aliases.


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_disabling_a_user_leaves_other_tenants_aliases_alone(tenants, postfix_maps):
    w = tenants
    foreign = services.create_alias(
        acting_user=w.r2, address="list@d2.example", recipients=["u1@d1.example"]
    )
    own = services.create_alias(
        acting_user=w.da1, address="info@d1.example", recipients=["u1@d1.example"]
    )
    shared = services.create_alias(
        acting_user=w.da1,
        address="both@d1.example",
        recipients=["u1@d1.example", "da1@d1.example"],
    )
    services.update_account(w.u1, acting_user=w.da1, is_active=False)
    assert Alias.objects.get(pk=foreign.pk).enabled
    assert Alias.objects.get(pk=shared.pk).enabled
    assert not Alias.objects.get(pk=own.pk).enabled
    assert postfix_maps.values(ALIASES, "list@d2.example") == ["u1@d1.example"]
    assert postfix_maps.values(ALIASES, "info@d1.example") == []
    # Its owner disables it; enabling the user does not enable it back.
    services.update_alias(foreign, acting_user=w.r2, enabled=False)
    services.update_account(w.u1, acting_user=w.da1, is_active=True)
    assert not Alias.objects.get(pk=foreign.pk).enabled
    assert postfix_maps.values(ALIASES, "list@d2.example") == []
    assert postfix_maps.values(ALIASES, "info@d1.example") == ["u1@d1.example"]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_enabling_a_user_leaves_an_alias_its_administrator_disabled(tenants, postfix_maps):
    w = tenants
    off = services.create_alias(
        acting_user=w.da1, address="old@d1.example", recipients=["u1@d1.example"]
    )
    services.update_alias(off, acting_user=w.da1, enabled=False)
    services.update_account(w.u1, acting_user=w.da1, is_active=False)
    services.update_account(w.u1, acting_user=w.da1, is_active=True)
    assert not Alias.objects.get(pk=off.pk).enabled
    assert postfix_maps.values(ALIASES, "old@d1.example") == []


# Finding 8: tokens follow the password and the role.


@pytest.fixture
def second_superadmin(make_account):
    account = make_account("root2", role=constants.SUPERADMINS)
    core_services.set_api_access(account, True, acting_user=None)
    return account


def test_a_password_change_replaces_the_api_token(second_superadmin, superadmin, api):
    old = Token.objects.get(user=second_superadmin).key
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token %s" % old)
    assert client.get("/api/v1/domains/").status_code == 200
    services.change_own_password(_fresh(second_superadmin), PASSWORD, "N3w-Passw0rd!")
    assert client.get("/api/v1/domains/").status_code == 401
    new = Token.objects.get(user=second_superadmin).key
    assert new != old
    services.set_account_password(
        _fresh(second_superadmin), "Other-Passw0rd!", acting_user=superadmin
    )
    client.credentials(HTTP_AUTHORIZATION="Token %s" % new)
    assert client.get("/api/v1/domains/").status_code == 401


def test_a_demoted_superadmin_loses_its_api_token(second_superadmin, superadmin, api):
    key = Token.objects.get(user=second_superadmin).key
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token %s" % key)
    services.update_account(_fresh(second_superadmin), acting_user=superadmin, role="Resellers")
    assert client.get("/api/v1/domains/").status_code == 401
    assert not Token.objects.filter(user=second_superadmin).exists()


def test_a_disabled_account_loses_its_api_token(second_superadmin, superadmin):
    services.update_account(_fresh(second_superadmin), acting_user=superadmin, is_active=False)
    assert not Token.objects.filter(user=second_superadmin).exists()


# Calendar sharing names a mailbox: the same reach as any address.


def test_calendar_sharing_targets_only_reachable_mailboxes(tenants):
    from modoboa.lib.exceptions import BadRequest
    from modoboa.parameters import tools as param_tools
    from modoboa.radicale import services as calendars
    from modoboa.radicale.models import AccessRule, UserCalendar

    w = tenants
    calendar = UserCalendar.objects.create(mailbox=w.u1.mailbox, name="Plans")
    # Administrators manage users' calendars only when the parameter says so.
    with pytest.raises(PermDeniedException):
        calendars.set_access_rule(
            calendar, acting_user=w.da1, address="da1@d1.example", read=True, write=False
        )
    param_tools.set_global_parameter(
        "allow_calendars_administration", True, app="modoboa_radicale"
    )
    # A user, within its domain only; an administrator of d1 only, within d1.
    for actor in (w.u1, w.da1):
        for address in ("u2@d2.example", "nobody@d2.example"):
            with pytest.raises(BadRequest) as error:
                calendars.set_access_rule(
                    calendar, acting_user=actor, address=address, read=True, write=True
                )
            assert error.value.field == "mailbox"
    # Another tenant's administrator cannot share the calendar at all.
    with pytest.raises(PermDeniedException):
        calendars.set_access_rule(
            calendar, acting_user=w.r2, address="u2@d2.example", read=True, write=False
        )
    assert not AccessRule.objects.exists()
    # Within reach it works: the user inside d1, dx (d1 and d2) across both.
    assert calendars.set_access_rule(
        calendar, acting_user=w.u1, address="da1@d1.example", read=True, write=False
    )
    assert calendars.set_access_rule(
        calendar, acting_user=w.dx, address="u2@d2.example", read=True, write=False
    )
    assert sorted(AccessRule.objects.values_list("mailbox__address", flat=True)) == ["da1", "u2"]


# Extensions: the addresses a user names in its filters and away message.


def test_a_filter_script_cannot_make_the_server_send_as_someone_else(tenants):
    from modoboa.sievefilters import services as sieve_services

    mailbox = _fresh(tenants.u1).mailbox
    scripts = {
        "vacation :from": 'require "vacation";\nvacation :from "r1@d1.example" "Away";\n',
        "phrase": 'require "vacation";\nvacation :from "Boss <r2@d2.example>" "Away";\n',
        "vacation :addresses": (
            'require "vacation";\nif true {\n'
            '  vacation :addresses ["u1@d1.example", "r2@d2.example"] "Away";\n}\n'
        ),
        "notify :from": (
            'require "enotify";\nnotify :from "r2@d2.example" "mailto:u1@d1.example";\n'
        ),
        "run-time value": (
            'require ["vacation", "variables"];\nset "f" "r1@d1.example";\n'
            'vacation :from "${f}" "Away";\n'
        ),
    }
    for label, script in scripts.items():
        # Refused before the ManageSieve server is asked (none runs here).
        with pytest.raises(sieve_services.FilterError) as error:
            sieve_services.save_raw(mailbox, "main", script)
        assert error.value.field == "content", label
        assert "is not an address you may send as" in str(error.value), label


def test_a_filter_script_may_send_as_the_users_own_addresses(tenants):
    from modoboa.sievefilters import senders

    u1 = _fresh(tenants.u1)
    services.create_alias(
        acting_user=tenants.r1, address="sales@d1.example", recipients=["u1@d1.example"]
    )
    services.create_sender_address(
        acting_user=tenants.r1, address="u1@partner.example", mailbox=u1.mailbox
    )
    script = (
        'require ["vacation", "enotify"];\n'
        'vacation :from "U One <u1@d1.example>" :addresses ["sales@d1.example",'
        ' "u1@partner.example"] "Away";\n'
        'notify :from "sales@d1.example" "mailto:u1@d1.example";\n'
        '# vacation :from "r1@d1.example" in a comment is not a command\n'
    )
    senders.check_script(u1.mailbox, script)
    assert [value for _c, _t, value in senders.sending_addresses(script)] == [
        "U One <u1@d1.example>",
        "sales@d1.example",
        "u1@partner.example",
        "sales@d1.example",
    ]
    # A disabled alias no longer lends its address.
    Alias.objects.filter(address="sales@d1.example").update(enabled=False)
    with pytest.raises(senders.ForeignSender):
        senders.check_script(u1.mailbox, script)


def test_an_away_message_only_answers_as_the_users_addresses(tenants):
    from django.utils import timezone

    from modoboa.autoreply import services as autoreply_services
    from modoboa.autoreply.models import ARmessage
    from modoboa.sievefilters import senders

    u1 = _fresh(tenants.u1)
    services.create_alias(
        acting_user=tenants.r1, address="team@d1.example", recipients=["u1@d1.example"]
    )
    message = ARmessage(
        mbox=u1.mailbox, subject="Off", content="Away", enabled=True, fromdate=timezone.now()
    )
    rule = autoreply_services.vacation_rule(message)
    found = senders.sending_addresses('require "vacation";\n' + rule)
    assert sorted(value for _c, _t, value in found) == [
        "team@d1.example",
        "u1@d1.example",
        "u1@d1.example",
    ]
    senders.check_script(u1.mailbox, rule)


def test_a_redirect_filter_needs_one_valid_address(tenants):
    from modoboa.sievefilters import rules

    for target in ("a@b@d2.example", "r2@d2.example, u2@d2.example", '"x"@d2.example\n'):
        rule = rules.Rule("Out", "always", actions=[rules.Action("redirect", target)])
        with pytest.raises(rules.RuleError) as error:
            rules.render(rule)
        assert error.value.field == "actions[0].argument", target
    # Like a forward, a redirect may go anywhere (it keeps the sender).
    rule = rules.Rule("Out", "always", actions=[rules.Action("redirect", "friend@elsewhere.test")])
    assert 'redirect "friend@elsewhere.test";' in rules.render(rule)


def test_a_user_edits_the_sender_lists_of_its_own_addresses_only(tenants):
    from modoboa.amavis.services import wblist

    u1 = _fresh(tenants.u1)
    services.create_alias(
        acting_user=tenants.r1, address="sales@d1.example", recipients=["u1@d1.example"]
    )
    services.create_alias(
        acting_user=tenants.r1,
        address="team@d1.example",
        recipients=["u1@d1.example", "u2@d2.example"],
    )
    for owner in ("u1@d1.example", "sales@d1.example"):
        wblist.check_owner(u1, owner)
    # Allowing a sender for a shared alias would decide what u2 receives.
    for owner in ("team@d1.example", "u2@d2.example", "r1@d1.example", "@d1.example"):
        with pytest.raises(PermDeniedException):
            wblist.check_owner(u1, owner)
