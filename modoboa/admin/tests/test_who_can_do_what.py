"""Who can do what, through the service layer (inventory section 3).

The world: a superuser; test.com (administered by admin@test.com, with the
mailbox user@test.com); test2.com, administered by nobody; a reseller owning
reseller.com with its own domain administrator. Each action is tried by the
reseller, the domain administrator and the simple user, and either succeeds
or is refused with PermDenied (writing nothing).
"""

import pytest

from modoboa.admin import services
from modoboa.admin.models import Alias, Domain
from modoboa.core import constants
from modoboa.core.models import User
from modoboa.lib.exceptions import ModoboaException, PermDeniedException
from modoboa.limits import services as limits_services

pytestmark = pytest.mark.django_db

PASSWORD = "Toto1234!"


@pytest.fixture
def world(superadmin, reseller, domain, other_domain, domain_admin, simple_user, make_domain):
    reseller_domain = make_domain(
        "reseller.com", acting_user=reseller, quota=100, default_mailbox_quota=10
    )
    reseller_admin = services.create_account(
        acting_user=reseller,
        username="admin@reseller.com",
        password=PASSWORD,
        role=constants.DOMAINADMINS,
        domains=["reseller.com"],
    )
    reseller_user = services.create_account(
        acting_user=reseller, username="user@reseller.com", password=PASSWORD
    )
    outsider = services.create_account(
        acting_user=superadmin, username="user@test2.com", password=PASSWORD
    )
    alias = services.create_alias(
        acting_user=superadmin, address="info@test.com", recipients=["user@test.com"]
    )
    colleague = services.create_account(
        acting_user=reseller, username="colleague", password=PASSWORD, role=constants.DOMAINADMINS
    )
    return {
        "colleague": colleague,
        "superadmin": superadmin,
        "reseller": reseller,
        "domain_admin": domain_admin,
        "simple_user": simple_user,
        "test.com": domain,
        "test2.com": other_domain,
        "reseller.com": reseller_domain,
        "reseller_admin": reseller_admin,
        "reseller_user": reseller_user,
        "outsider": outsider,
        "alias": alias,
    }


def fresh(user):
    return User.objects.get(pk=user.pk)


# action name -> function(world, actor)
ACTIONS = {
    "create a domain": lambda w, u: services.create_domain(
        acting_user=u, name="new.com", quota=10, default_mailbox_quota=1
    ),
    "edit its own domain": lambda w, u: services.update_domain(
        w["reseller.com"], acting_user=u, enabled=False
    ),
    "edit test.com": lambda w, u: services.update_domain(w["test.com"], acting_user=u, quota=60),
    "delete its own domain": lambda w, u: services.delete_domain(w["reseller.com"], acting_user=u),
    "alias its own domain": lambda w, u: services.create_domain_alias(
        acting_user=u, name="reseller.org", target=w["reseller.com"]
    ),
    "alias test.com": lambda w, u: services.create_domain_alias(
        acting_user=u, name="test.org", target=w["test.com"]
    ),
    "create a user in test.com": lambda w, u: services.create_account(
        acting_user=u, username="new@test.com", password=PASSWORD
    ),
    "create a user in reseller.com": lambda w, u: services.create_account(
        acting_user=u, username="new@reseller.com", password=PASSWORD
    ),
    "create a user in test2.com": lambda w, u: services.create_account(
        acting_user=u, username="new@test2.com", password=PASSWORD
    ),
    "create a domain administrator": lambda w, u: services.create_account(
        acting_user=u, username="newadmin", password=PASSWORD, role=constants.DOMAINADMINS
    ),
    "create a reseller": lambda w, u: services.create_account(
        acting_user=u, username="newreseller", password=PASSWORD, role=constants.RESELLERS
    ),
    "create a superadmin": lambda w, u: services.create_account(
        acting_user=u, username="newroot", password=PASSWORD, role=constants.SUPERADMINS
    ),
    "edit user@test.com": lambda w, u: services.update_account(
        w["simple_user"], acting_user=u, last_name="Edited"
    ),
    "edit user@reseller.com": lambda w, u: services.update_account(
        w["reseller_user"], acting_user=u, last_name="Edited"
    ),
    "edit the superadmin": lambda w, u: services.update_account(
        w["superadmin"], acting_user=u, last_name="Edited"
    ),
    "edit the reseller": lambda w, u: services.update_account(
        w["reseller"], acting_user=u, last_name="Edited"
    ),
    "promote user@test.com": lambda w, u: services.update_account(
        w["simple_user"], acting_user=u, role=constants.DOMAINADMINS
    ),
    "set user@test.com's password": lambda w, u: services.set_account_password(
        w["simple_user"], "Other5678!", acting_user=u
    ),
    "delete user@test.com": lambda w, u: services.delete_account(w["simple_user"], acting_user=u),
    "delete user@test2.com": lambda w, u: services.delete_account(w["outsider"], acting_user=u),
    "create an alias in test.com": lambda w, u: services.create_alias(
        acting_user=u, address="new@test.com", recipients=["user@test.com"]
    ),
    "create an alias in test2.com": lambda w, u: services.create_alias(
        acting_user=u, address="new@test2.com", recipients=["x@gmail.com"]
    ),
    "edit info@test.com": lambda w, u: services.update_alias(
        w["alias"], acting_user=u, description="edited"
    ),
    "delete info@test.com": lambda w, u: services.delete_alias(w["alias"], acting_user=u),
    "change user@test.com's quota": lambda w, u: services.update_quota(
        w["simple_user"].mailbox, acting_user=u, quota=5
    ),
    "add a sender address to user@test.com": lambda w, u: services.create_sender_address(
        acting_user=u, address="me@gmail.com", mailbox=w["simple_user"].mailbox
    ),
    "set user@test.com's forward": lambda w, u: services.set_forward(
        w["simple_user"].mailbox, ["x@gmail.com"], acting_user=u
    ),
    "set user@test2.com's forward": lambda w, u: services.set_forward(
        w["outsider"].mailbox, ["x@gmail.com"], acting_user=u
    ),
    "give reseller.com to its admin's colleague": lambda w, u: services.add_domain_admin(
        w["reseller.com"], w["colleague"], acting_user=u
    ),
    "set the limits of its domain administrator": lambda w, u: limits_services.set_user_limit(
        w["reseller_admin"], "mailboxes", 1, acting_user=u
    ),
    "set its own limits": lambda w, u: limits_services.set_user_limit(
        u, "mailboxes", 1000, acting_user=u
    ),
}

R, DA, SU = "reseller", "domain_admin", "simple_user"

# action -> the actors allowed to do it (the others are refused). "Its own
# domain" is the reseller's; editing "the reseller" is editing itself for it.
ALLOWED = {
    "create a domain": {R},
    "edit its own domain": {R},
    "edit test.com": set(),
    "delete its own domain": {R},
    "alias its own domain": {R},
    "alias test.com": set(),
    "create a user in test.com": {DA},
    "create a user in reseller.com": {R},
    "create a user in test2.com": set(),
    "create a domain administrator": {R},
    "create a reseller": set(),
    "create a superadmin": set(),
    "edit user@test.com": {DA},
    "edit user@reseller.com": {R},
    "edit the superadmin": set(),
    "edit the reseller": {R},
    "promote user@test.com": set(),
    "set user@test.com's password": {DA},
    "delete user@test.com": {DA},
    "delete user@test2.com": set(),
    "create an alias in test.com": {DA},
    "create an alias in test2.com": set(),
    "edit info@test.com": {DA},
    "delete info@test.com": {DA},
    "change user@test.com's quota": {DA},
    "add a sender address to user@test.com": {DA},
    "set user@test.com's forward": {DA, SU},
    "set user@test2.com's forward": set(),
    "give reseller.com to its admin's colleague": {R},
    "set the limits of its domain administrator": {R},
    "set its own limits": set(),
}


def test_the_table_covers_every_action():
    assert set(ALLOWED) == set(ACTIONS)


@pytest.mark.parametrize("actor", [R, DA, SU])
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_who_can_do_what(world, actor, action, unchanged):
    user = fresh(world[actor])
    if actor in ALLOWED[action]:
        ACTIONS[action](world, user)
        return
    with unchanged(), pytest.raises(ModoboaException) as exc:
        ACTIONS[action](world, user)
    # Refusals are permission errors, except the limits that stand in the
    # way first (LimitReached is a 403 too).
    assert exc.value.http_code == 403, (action, actor, exc.value)


@pytest.mark.parametrize(
    "action", sorted(set(ACTIONS) - {"set its own limits", "delete its own domain"})
)
def test_a_superadmin_can_do_everything(world, action):
    ACTIONS[action](world, fresh(world["superadmin"]))


def test_a_simple_user_reaches_only_its_own_account(world):
    user = fresh(world["simple_user"])
    assert list(User.objects.get_for_admin(user)) == [user]
    assert Domain.objects.get_for_admin(user).count() == 0
    assert Alias.objects.get_for_admin(user).count() == 0
    with pytest.raises(PermDeniedException):
        services.update_account(user, acting_user=user, last_name="x")
    services.update_profile(user, acting_user=user, last_name="Mine")
    services.change_own_password(user, PASSWORD, "Other5678!")
    assert fresh(user).last_name == "Mine"
