"""The role model as invariants (issue 14): random sequences of operations by
random actors of the four roles over two tenants.

After each step of a run the routing rules are checked in the database; at
the end of each run the Postfix maps are checked with the real ``postmap -q``
and the limits are checked:

- an operation that succeeded was allowed by the rules of docs/security.rst,
  restated here in plain Python (the implementation uses SQL filters);
- an actor that may no longer log in (disabled account, domain disabled)
  is refused by the API;
- mail for an address goes only where its owner or an administrator
  allowed on it said: the alias map of each address gives itself or the
  recipients set by allowed operations;
- a mailbox sends only as addresses allowed operations gave it: the
  sender-login map of each address gives its own mailbox, the mailboxes an
  allowed operation gave it to, or the local recipients of its allowed
  aliases — and never a sender address granted while nobody hosted its
  domain, once someone does;
- limits and quota pools hold;
- a calendar is shared only by an actor managing it, with a mailbox of its
  domain or one the (administrator) actor reaches.

CI runs a fixed seed and a bounded number of steps; set
``MODOBOA_STATEFUL_EXAMPLES`` and ``MODOBOA_STATEFUL_STEPS`` (or run
``bench/role_model_stateful.sh``) for longer runs.
"""

import os
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from modoboa.admin import services
from modoboa.admin.models import Alias, Domain, DomainAlias, Mailbox, Quota, SenderAddress
from modoboa.core import access, constants
from modoboa.core.models import ObjectAccess, User
from modoboa.lib.api.testing import api_client
from modoboa.lib.exceptions import ModoboaException
from modoboa.limits import services as limits_services
from modoboa.limits.models import UserObjectLimit

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "Toto1234!"
NEW_PASSWORD = "Titi5678!"
ALIASES = "sql-aliases.cf"
LOGINS = "sql-sender-login-map.cf"

ACTORS = ("S", "R1", "R2", "A1", "A2", "AX", "U1", "U2")
LOCALS = ("u1", "u2", "r1", "r2", "a1", "ax", "rescue", "boss", "x", "x+y", "")
DOMAINS = ("da.example", "db.example", "ab.example", "new.example", "mail.example")
NEW_NAMES = ("new.example", "mail.example", "ab2.example")


def _settings():
    return settings(
        max_examples=int(os.environ.get("MODOBOA_STATEFUL_EXAMPLES", "5")),
        stateful_step_count=int(os.environ.get("MODOBOA_STATEFUL_STEPS", "25")),
        deadline=None,
        derandomize="MODOBOA_STATEFUL_EXAMPLES" not in os.environ,
        database=None,
        suppress_health_check=list(HealthCheck),
        # No shrinking: a failure prints its whole sequence of steps, and a
        # run stays within its time.
        phases=[Phase.explicit, Phase.generate],
    )


# The rules, restated independently of modoboa.admin.access.


def _reach(actor):
    """Ids of the domains ``actor`` reaches."""
    if actor.is_superuser:
        return set(Domain.objects.values_list("pk", flat=True))
    if actor.role not in (constants.RESELLERS, constants.DOMAINADMINS):
        return set()
    ids = set(
        ObjectAccess.objects.filter(user=actor, content_type__model="domain").values_list(
            "object_id", flat=True
        )
    )
    domains = Domain.objects.filter(pk__in=ids)
    if actor.role == constants.DOMAINADMINS:
        domains = domains.filter(enabled=True)
    return set(domains.values_list("pk", flat=True))


def _may_act_on(actor, account):
    if actor.is_superuser or actor.pk == account.pk:
        return True
    if actor.role not in (constants.RESELLERS, constants.DOMAINADMINS):
        return False
    if account.is_superuser or account.role == constants.RESELLERS:
        return False
    reach = _reach(actor)
    administered = set(
        ObjectAccess.objects.filter(user=account, content_type__model="domain").values_list(
            "object_id", flat=True
        )
    )
    if not administered <= reach:
        return False
    mailbox = Mailbox.objects.filter(user=account).first()
    if mailbox is not None:
        return mailbox.domain_id in reach
    return ObjectAccess.objects.filter(
        user=actor, content_type__model="user", object_id=account.pk
    ).exists()


def _hosting(name):
    domain = Domain.objects.filter(name=name).first()
    if domain is None:
        alias = DomainAlias.objects.filter(name=name).first()
        domain = alias.target if alias else None
    return domain


def _account_addresses(account):
    return {a for a in (account.username, account.email, account.secondary_email) if a}


def _routed(address):
    local, _sep, name = address.rpartition("@")
    return (
        Mailbox.objects.filter(address=local, domain__name=name).exists()
        or Alias.objects.filter(address=address, enabled=True).exists()
    )


def _may_use_address(actor, address, *, local=True, catchall=False):
    local_part, _sep, name = address.rpartition("@")
    domain = _hosting(name)
    if actor.is_superuser:
        return True
    if domain is None and local:
        return False
    if domain is not None and domain.pk not in _reach(actor):
        return False
    for account in User.objects.all():
        if _may_act_on(actor, account):
            continue
        for value in _account_addresses(account):
            if local_part:
                base = "%s@%s" % (local_part.split("+", 1)[0], name)
                if value in (address, base):
                    return False
            elif value.endswith("@" + name) and not (catchall and _routed(value)):
                return False
    return True


def _may_host(actor, name):
    if actor.is_superuser:
        return True
    return not any(
        value.endswith("@" + name)
        for account in User.objects.all()
        if not _may_act_on(actor, account)
        for value in _account_addresses(account)
    )


#: What the runs did, to prove they tested something.
COUNTS = defaultdict(int)


class RoleModel(RuleBasedStateMachine):
    maps = None  # the postfix_maps fixture

    @initialize()
    def build(self):
        _wipe()
        self.names = _build_world()
        self.routes = defaultdict(set)  # address -> recipients set by allowed ops
        self.senders = defaultdict(set)  # address -> mailboxes given it
        self.steps = 0

    def actor(self, name):
        account = User.objects.filter(username=self.names[name]).first()
        if account is None:
            return None
        reason = access.login_refusal(account)
        if reason:
            # It cannot reach the API any more: prove it, act no further.
            response = api_client(account).get("/api/v1/accounts/")
            assert response.status_code == 401, (name, reason, response.status_code)
            COUNTS["locked out"] += 1
            return None
        return account

    def account(self, name):
        return User.objects.filter(username=self.names[name]).first()

    def attempt(self, allowed, call):
        """Run ``call``: success must have been ``allowed``."""
        try:
            result = call()
        except ModoboaException:
            COUNTS["refused"] += 1
            return None
        assert allowed, "an operation the rules deny succeeded"
        COUNTS["done"] += 1
        return result if result is not None else True

    @rule(
        who=st.sampled_from(ACTORS),
        local=st.sampled_from(LOCALS),
        name=st.sampled_from(DOMAINS),
        rcpt=st.sampled_from(
            ("a1@da.example", "u1@da.example", "u2@db.example", "out@far.example")
        ),
    )
    def create_alias(self, who, local, name, rcpt):
        actor = self.actor(who)
        if actor is None:
            return
        address = "%s@%s" % (local, name)
        allowed = _may_use_address(actor, address, catchall=not local)
        if self.attempt(
            allowed,
            lambda: services.create_alias(acting_user=actor, address=address, recipients=[rcpt]),
        ):
            self.routes[address].add(rcpt)

    @rule(
        who=st.sampled_from(ACTORS),
        local=st.sampled_from(LOCALS[:-1]),
        name=st.sampled_from(DOMAINS + ("far.example",)),
        owner=st.sampled_from(ACTORS),
    )
    def create_sender_address(self, who, local, name, owner):
        actor = self.actor(who)
        account = self.account(owner)
        if actor is None or account is None or account.mailbox_or_none is None:
            return
        address = "%s@%s" % (local, name)
        mailbox = account.mailbox
        allowed = _may_use_address(actor, address, local=False) and (
            actor.is_superuser or mailbox.domain_id in _reach(actor)
        )
        if self.attempt(
            allowed,
            lambda: services.create_sender_address(
                acting_user=actor, address=address, mailbox=mailbox
            ),
        ):
            self.senders[address].add(mailbox.full_address)

    @rule(who=st.sampled_from(ACTORS), victim=st.sampled_from(ACTORS))
    def set_password(self, who, victim):
        actor, account = self.actor(who), self.account(victim)
        if actor is None or account is None:
            return
        allowed = _may_act_on(actor, account)
        self.attempt(
            allowed,
            lambda: services.set_account_password(account, NEW_PASSWORD, acting_user=actor),
        )

    @rule(who=st.sampled_from(ACTORS), victim=st.sampled_from(ACTORS), active=st.booleans())
    def toggle_account(self, who, victim, active):
        actor, account = self.actor(who), self.account(victim)
        if actor is None or account is None:
            return
        allowed = _may_act_on(actor, account)
        self.attempt(
            allowed, lambda: services.update_account(account, acting_user=actor, is_active=active)
        )

    @rule(who=st.sampled_from(ACTORS), victim=st.sampled_from(ACTORS))
    def delete_account(self, who, victim):
        actor, account = self.actor(who), self.account(victim)
        if actor is None or account is None:
            return
        allowed = _may_act_on(actor, account)
        self.attempt(allowed, lambda: services.delete_account(account, acting_user=actor))

    @rule(
        who=st.sampled_from(ACTORS),
        victim=st.sampled_from(ACTORS),
        role=st.sampled_from(constants.GROUP_ROLES + (constants.SUPERADMINS,)),
    )
    def change_role(self, who, victim, role):
        actor, account = self.actor(who), self.account(victim)
        if actor is None or account is None:
            return
        allowed = _may_act_on(actor, account)
        self.attempt(
            allowed, lambda: services.update_account(account, acting_user=actor, role=role)
        )

    @rule(who=st.sampled_from(ACTORS), name=st.sampled_from(DOMAINS[:2]), enabled=st.booleans())
    def toggle_domain(self, who, name, enabled):
        actor = self.actor(who)
        domain = Domain.objects.filter(name=name).first()
        if actor is None or domain is None:
            return
        allowed = domain.pk in _reach(actor)
        self.attempt(
            allowed, lambda: services.update_domain(domain, acting_user=actor, enabled=enabled)
        )

    @rule(
        who=st.sampled_from(ACTORS),
        local=st.sampled_from(LOCALS[:-1]),
        name=st.sampled_from(DOMAINS),
    )
    def create_account(self, who, local, name):
        actor = self.actor(who)
        if actor is None:
            return
        address = "%s@%s" % (local, name)
        allowed = _may_use_address(actor, address)
        self.attempt(
            allowed,
            lambda: services.create_account(
                acting_user=actor, username=address, password=PASSWORD
            ),
        )

    @rule(
        who=st.sampled_from(ACTORS),
        owner=st.sampled_from(ACTORS),
        rcpt=st.sampled_from(("a1@da.example", "out@far.example")),
        keep=st.booleans(),
    )
    def set_forward(self, who, owner, rcpt, keep):
        actor, account = self.actor(who), self.account(owner)
        if actor is None or account is None or account.mailbox_or_none is None:
            return
        mailbox = account.mailbox
        allowed = _may_act_on(actor, account)
        if self.attempt(
            allowed, lambda: services.set_forward(mailbox, [rcpt], keep, acting_user=actor)
        ):
            self.routes[mailbox.full_address].update({rcpt, mailbox.full_address})

    @rule(
        who=st.sampled_from(ACTORS),
        name=st.sampled_from(NEW_NAMES),
        onto=st.sampled_from(DOMAINS[:2]),
        alias=st.booleans(),
    )
    def host_name(self, who, name, onto, alias):
        actor = self.actor(who)
        domain = Domain.objects.filter(name=onto).first()
        if actor is None or domain is None:
            return
        if alias:
            allowed = _may_host(actor, name) and domain.pk in _reach(actor)
            call = lambda: services.create_domain_alias(  # noqa: E731
                acting_user=actor, name=name, target=domain
            )
        else:
            allowed = _may_host(actor, name)
            call = lambda: services.create_domain(acting_user=actor, name=name)  # noqa: E731
        if self.attempt(allowed, call):
            hosting = _hosting(name)
            for address in list(self.senders):
                if address.endswith("@" + name):
                    # Given while nobody hosted it: only its own mailboxes keep it.
                    self.senders[address] = {
                        m for m in self.senders[address] if m.endswith("@" + hosting.name)
                    }

    @rule(
        who=st.sampled_from(ACTORS),
        owner=st.sampled_from(ACTORS),
        grantee=st.sampled_from(ACTORS),
        write=st.booleans(),
    )
    def share_calendar(self, who, owner, grantee, write):
        """Sharing a calendar takes an address too: only a mailbox the rules
        let the actor reach (same domain as the calendar, or reached by an
        administrator), for a calendar the actor manages.
        """
        from modoboa.radicale import services as calendars
        from modoboa.radicale.models import UserCalendar

        actor, account, other = self.actor(who), self.account(owner), self.account(grantee)
        if actor is None or account is None or account.mailbox_or_none is None:
            return
        calendar, _created = UserCalendar.objects.get_or_create(
            mailbox=account.mailbox, name="Shared"
        )
        target_box = other.mailbox_or_none if other is not None else None
        address = target_box.full_address if target_box else "nobody@%s" % DOMAINS[0]
        manages = (
            actor.is_superuser
            or actor.pk == account.pk
            or (actor.is_admin and _may_act_on(actor, account))
        )
        allowed = (
            manages
            and target_box is not None
            and target_box.pk != account.mailbox.pk
            and (
                target_box.domain_id == account.mailbox.domain_id
                or (actor.is_admin and _may_act_on(actor, other))
            )
        )
        COUNTS["calendar shares"] += 1
        self.attempt(
            allowed,
            lambda: calendars.set_access_rule(
                calendar, acting_user=actor, address=address, read=True, write=write
            ),
        )

    @invariant()
    def database_holds(self):
        if not hasattr(self, "routes"):
            return
        self.steps += 1
        _check_routing(self, *_db_routing())

    def teardown(self):
        if hasattr(self, "routes") and self.maps is not None:
            COUNTS["postmap checkpoints"] += 1
            _check_limits()
            _check_routing(
                self,
                lambda a: self.maps.values(ALIASES, a),
                lambda a: self.maps.values(LOGINS, a),
            )


def _universe(machine):
    addresses = set(machine.routes) | set(machine.senders)
    for account in User.objects.all():
        addresses |= {a for a in _account_addresses(account) if "@" in a}
    addresses |= set(Alias.objects.filter(internal=False).values_list("address", flat=True))
    addresses |= set(SenderAddress.objects.values_list("address", flat=True))
    return sorted(a for a in addresses if not a.startswith("@"))


def _db_routing():
    """The alias and sender-login lookups as the database holds them, in
    four queries (the maps' rules: enabled aliases of enabled domains).
    """
    from modoboa.admin.models import AliasRecipient

    live = AliasRecipient.objects.filter(alias__enabled=True, alias__domain__enabled=True)
    routes = defaultdict(set)
    for address, recipient in live.values_list("alias__address", "address"):
        routes[address].add(recipient)
    logins = defaultdict(set)
    for address, email in SenderAddress.objects.values_list("address", "mailbox__user__email"):
        logins[address].add(email)
    boxes = AliasRecipient.objects.filter(alias__enabled=True, r_mailbox__isnull=False)
    for address, local, name in boxes.values_list(
        "alias__address", "r_mailbox__address", "r_mailbox__domain__name"
    ):
        logins[address].add("%s@%s" % (local, name))
    for email in User.objects.exclude(email="").values_list("email", flat=True):
        logins[email].add(email)
    return lambda a: routes.get(a, set()), lambda a: logins.get(a, set())


def _check_routing(machine, aliases, logins):
    for address in _universe(machine):
        allowed = {address} | machine.routes.get(address, set())
        extra = set(aliases(address)) - allowed
        assert not extra, "mail for %s goes to %s, which nobody allowed" % (address, extra)
        # Its own mailbox, the mailboxes it was given to, and the local
        # recipients of the aliases allowed on it.
        givers = allowed | machine.senders.get(address, set())
        extra = set(logins(address)) - givers
        assert not extra, "%s may send as %s, which nobody allowed" % (extra, address)


def _check_limits():
    for limit in UserObjectLimit.objects.filter(max_value__gte=0).select_related("user"):
        definition = limits_services.USER_LIMIT_DEFINITIONS[limit.name]
        if definition["type"] == "sum" and limit.max_value == 0:
            continue
        current = limits_services.user_limit_current(limit)
        assert current <= limit.max_value, (limit.user.username, limit.name, current)
    for domain in Domain.objects.filter(quota__gt=0):
        total = sum(Mailbox.objects.filter(domain=domain).values_list("quota", flat=True))
        assert total <= domain.quota, (domain.name, total)


def _wipe():
    from rest_framework.authtoken.models import Token

    superadmin = User.objects.get(username="admin")
    Token.objects.all().delete()
    Alias.objects.all().delete()
    try:
        from modoboa.radicale.models import UserCalendar
    except ImportError:
        pass
    else:
        UserCalendar.objects.all().delete()
    Domain.objects.all().delete()
    Quota.objects.all().delete()
    User.objects.exclude(pk=superadmin.pk).delete()
    ObjectAccess.objects.all().delete()


def _build_world():
    superadmin = User.objects.get(username="admin")
    s = {"acting_user": superadmin}
    names = {"S": "admin"}
    for n, dom in ((1, "da.example"), (2, "db.example")):
        reseller = services.create_account(
            username="r%d@%s" % (n, dom), password=PASSWORD, role=constants.RESELLERS, **s
        )
        for name, value in dict(
            domains=2, domain_aliases=2, mailboxes=6, mailbox_aliases=6, domain_admins=3, quota=0
        ).items():
            limits_services.set_user_limit(reseller, name, value, acting_user=None)
        services.create_domain(acting_user=reseller, name=dom, quota=0, default_mailbox_quota=0)
        services.update_account(reseller, email="r%d@%s" % (n, dom), **s)
        names["R%d" % n] = reseller.username
    r1, r2 = (User.objects.get(username=names[r]) for r in ("R1", "R2"))
    services.update_account(r1, secondary_email="rescue@da.example", **s)
    services.update_account(r2, secondary_email="boss@mail.example", **s)
    services.create_domain_alias(acting_user=r2, name="ab.example", target="db.example")
    for key, user, owner, domains in (
        ("A1", "a1@da.example", r1, ["da.example"]),
        ("A2", "a2@db.example", r2, ["db.example"]),
        ("AX", "ax@da.example", superadmin, ["da.example", "db.example"]),
    ):
        account = services.create_account(
            acting_user=owner,
            username=user,
            password=PASSWORD,
            role=constants.DOMAINADMINS,
            domains=domains,
            mailbox={"address": user},
        )
        for name, value in dict(mailboxes=3, mailbox_aliases=3).items():
            limits_services.set_user_limit(account, name, value, acting_user=None)
        names[key] = user
    for key, user, owner in (("U1", "u1@da.example", r1), ("U2", "u2@db.example", r2)):
        services.create_account(acting_user=owner, username=user, password=PASSWORD)
        names[key] = user
    return names


def test_role_model_holds_over_random_operations(superadmin, postfix_maps):
    RoleModel.maps = postfix_maps
    COUNTS.clear()
    try:
        run_state_machine_as_test(RoleModel, settings=_settings())
    finally:
        RoleModel.maps = None
    print("role model runs: %s" % dict(COUNTS))
    # Not vacuous: operations were both done and refused, actors were locked
    # out, and the maps were asked at the end of every run.
    assert COUNTS["done"] >= 10 and COUNTS["refused"] >= 10, dict(COUNTS)
    assert COUNTS["postmap checkpoints"] == _settings().max_examples, dict(COUNTS)
