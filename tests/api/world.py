"""A small platform with one account per role and objects of every API
endpoint in three domains, built through the service layer.

- ``test.com``: administered by ``admin@test.com`` (DomainAdmins), home of
  ``user@test.com`` (SimpleUsers); created by the super administrator.
- ``reseller.com``: created and owned by the reseller ``reseller``.
- ``test2.com``: reached by nobody but super administrators.

Each domain holds a domain alias, an account with a mailbox (``box@``), an
alias (``al@``) and a sender address of that mailbox; each side also has a
relay domain and a domain administrator (for the resources endpoint).
"""

from dataclasses import dataclass, field

from modoboa.admin import services
from modoboa.admin.models import Alias, Domain, DomainAlias, SenderAddress
from modoboa.core import constants
from modoboa.core.models import User
from modoboa.limits import services as limits_services

PASSWORD = "Toto1234!"
NEW_PASSWORD = "Titi5678!"

SUPERADMINS = constants.SUPERADMINS
RESELLERS = constants.RESELLERS
DOMAINADMINS = constants.DOMAINADMINS
SIMPLEUSERS = constants.SIMPLEUSERS
ANONYMOUS = "anonymous"
ROLES = (SUPERADMINS, RESELLERS, DOMAINADMINS, SIMPLEUSERS, ANONYMOUS)

# The domain each role reaches ("own"); "foreign" is test2.com for all.
OWN_DOMAIN = {
    SUPERADMINS: "test.com",
    RESELLERS: "reseller.com",
    DOMAINADMINS: "test.com",
    SIMPLEUSERS: "test.com",
    ANONYMOUS: "test.com",
}
FOREIGN_DOMAIN = "test2.com"


@dataclass
class World:
    users: dict = field(default_factory=dict)

    def user(self, role):
        """A fresh copy of the account playing ``role`` (None: anonymous)."""
        account = self.users.get(role)
        return None if account is None else User.objects.get(pk=account.pk)

    @staticmethod
    def domain_name(role, scope):
        return FOREIGN_DOMAIN if scope == "foreign" else OWN_DOMAIN[role]


def _populate(domain, acting_user):
    """The objects of every endpoint inside ``domain``."""
    name = domain.name
    services.create_domain_alias(acting_user=acting_user, name="alias-%s" % name, target=domain)
    box = services.create_account(
        acting_user=acting_user,
        username="box@%s" % name,
        password=PASSWORD,
        mailbox={"address": "box@%s" % name, "quota": 10},
    )
    services.create_alias(
        acting_user=acting_user, address="al@%s" % name, recipients=["box@%s" % name]
    )
    services.create_sender_address(
        acting_user=acting_user, address="send@elsewhere.org", mailbox=box.mailbox
    )


def build_world():
    from modoboa.core.management.commands.load_initial_data import load_initial_data

    world = World()
    superadmin = load_initial_data("admin")
    superadmin.set_password(PASSWORD)
    superadmin.save(update_fields=["password"])
    world.users[SUPERADMINS] = superadmin
    test = services.create_domain(acting_user=superadmin, name="test.com")
    test2 = services.create_domain(acting_user=superadmin, name="test2.com")
    reseller = services.create_account(
        acting_user=superadmin, username="reseller", password=PASSWORD, role=RESELLERS
    )
    for name, value in {
        "domains": 10,
        "domain_aliases": 10,
        "mailboxes": 10,
        "mailbox_aliases": 10,
        "domain_admins": 10,
        "quota": 0,
    }.items():
        limits_services.set_user_limit(reseller, name, value, acting_user=None)
    world.users[RESELLERS] = reseller
    reseller_domain = services.create_domain(acting_user=reseller, name="reseller.com")
    domain_admin = services.create_account(
        acting_user=superadmin,
        username="admin@test.com",
        password=PASSWORD,
        role=DOMAINADMINS,
        domains=["test.com"],
        mailbox={"address": "admin@test.com"},
    )
    for name in ("mailboxes", "mailbox_aliases"):
        limits_services.set_user_limit(domain_admin, name, 10, acting_user=None)
    world.users[DOMAINADMINS] = domain_admin
    world.users[SIMPLEUSERS] = services.create_account(
        acting_user=superadmin, username="user@test.com", password=PASSWORD
    )
    _populate(test, superadmin)
    _populate(test2, superadmin)
    _populate(reseller_domain, reseller)
    # Administrators whose resources can be set.
    services.create_account(
        acting_user=reseller, username="radmin", password=PASSWORD, role=DOMAINADMINS
    )
    services.create_account(
        acting_user=superadmin, username="admin@test2.com", password=PASSWORD, role=DOMAINADMINS
    )
    # Relay domains: one the domain administrator administers, one of the
    # reseller, one of nobody else.
    relay = {"service": "relay", "settings": {"relay_target_host": "192.0.2.1"}}
    relay_test = services.create_domain(
        acting_user=superadmin, name="relay-test.com", type="relaydomain", transport=relay
    )
    services.add_domain_admin(relay_test, domain_admin, acting_user=superadmin)
    services.create_domain(
        acting_user=reseller, name="relay-reseller.com", type="relaydomain", transport=relay
    )
    services.create_domain(
        acting_user=superadmin, name="relay-test2.com", type="relaydomain", transport=relay
    )
    return world


# Where each endpoint's target object is, for a role and a scope.

RESOURCES_TARGET = {
    SUPERADMINS: "admin@test.com",
    RESELLERS: "radmin",
    DOMAINADMINS: "admin@test.com",
    SIMPLEUSERS: "admin@test.com",
    ANONYMOUS: "admin@test.com",
}


def target(endpoint, role, scope, world):
    """Return the object an (endpoint, role, scope) case acts on."""
    domain_name = world.domain_name(role, scope)
    if endpoint == "domains":
        return Domain.objects.get(name=domain_name)
    if endpoint == "domainaliases":
        return DomainAlias.objects.get(name="alias-%s" % domain_name)
    if endpoint == "accounts":
        if scope == "self":
            return world.users.get(role) or world.users[SIMPLEUSERS]
        return User.objects.get(username="box@%s" % domain_name)
    if endpoint == "aliases":
        return Alias.objects.get(address="al@%s" % domain_name, internal=False)
    if endpoint == "senderaddresses":
        return SenderAddress.objects.get(mailbox__user__username="box@%s" % domain_name)
    if endpoint == "resources":
        username = "admin@test2.com" if scope == "foreign" else RESOURCES_TARGET[role]
        return User.objects.get(username=username)
    if endpoint == "relaydomains":
        return Domain.objects.get(name="relay-%s" % domain_name)
    raise ValueError(endpoint)
