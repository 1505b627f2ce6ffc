"""Roles: groups and their permissions, the roles an administrator may give,
and what a role change does (inventory section 3)."""

import pytest
from django.contrib.auth.models import Group

from modoboa.admin import services
from modoboa.admin.models import Domain, Mailbox
from modoboa.core import constants, signals
from modoboa.core import services as core_services
from modoboa.core.models import ObjectAccess, User
from modoboa.lib.exceptions import BadRequest, LimitReached, PermDeniedException
from modoboa.limits.models import UserObjectLimit

pytestmark = pytest.mark.django_db


def perms_of(role):
    group = Group.objects.get(name=role)
    return {
        "%s.%s" % (p.content_type.app_label, p.codename)
        for p in group.permissions.select_related("content_type")
    }


DOMAIN_ADMIN_PERMS = {
    "core.add_user",
    "core.change_user",
    "core.delete_user",
    "admin.view_domain",
    "admin.view_domains",
    "admin.add_mailbox",
    "admin.change_mailbox",
    "admin.delete_mailbox",
    "admin.view_mailboxes",
    "admin.add_alias",
    "admin.change_alias",
    "admin.delete_alias",
    "admin.view_aliases",
    "admin.add_senderaddress",
    "admin.change_senderaddress",
    "admin.delete_senderaddress",
}

RESELLER_EXTRA_PERMS = {
    "admin.add_domain",
    "admin.change_domain",
    "admin.delete_domain",
    "admin.add_domainalias",
    "admin.change_domainalias",
    "admin.delete_domainalias",
}


def test_load_initial_data_creates_superadmin_and_groups(superadmin):
    assert superadmin.is_superuser
    assert superadmin.check_password("password")
    assert superadmin.email == ""
    assert set(Group.objects.values_list("name", flat=True)) == {
        constants.SIMPLEUSERS,
        constants.DOMAINADMINS,
        constants.RESELLERS,
    }


def test_group_permissions_are_upstreams(superadmin):
    assert perms_of(constants.SIMPLEUSERS) == set()
    assert perms_of(constants.DOMAINADMINS) == DOMAIN_ADMIN_PERMS
    assert perms_of(constants.RESELLERS) == DOMAIN_ADMIN_PERMS | RESELLER_EXTRA_PERMS


def test_extensions_add_role_permissions_through_a_signal(superadmin):
    def receiver(sender, role, **kwargs):
        if role == constants.DOMAINADMINS:
            return [("admin", "domainalias", "add_domainalias")]
        return []

    signals.extra_role_permissions.connect(receiver)
    try:
        core_services.ensure_role_groups()
    finally:
        signals.extra_role_permissions.disconnect(receiver)
    assert "admin.add_domainalias" in perms_of(constants.DOMAINADMINS)
    assert "admin.add_domainalias" not in perms_of(constants.SIMPLEUSERS)


def test_each_role_reports_its_name(superadmin, reseller, domain_admin, simple_user):
    assert superadmin.role == constants.SUPERADMINS
    assert reseller.role == constants.RESELLERS
    assert domain_admin.role == constants.DOMAINADMINS
    assert simple_user.role == constants.SIMPLEUSERS
    assert User.objects.create(username="nogroup").role == "---"
    assert superadmin.is_admin and reseller.is_admin and domain_admin.is_admin
    assert not simple_user.is_admin


def test_roles_a_superuser_may_give(superadmin):
    assert [r for r, _l in core_services.get_account_roles(superadmin)] == [
        constants.SIMPLEUSERS,
        constants.DOMAINADMINS,
        constants.RESELLERS,
        constants.SUPERADMINS,
    ]


def test_roles_a_reseller_may_give(reseller):
    assert [r for r, _l in core_services.get_account_roles(reseller)] == [
        constants.SIMPLEUSERS,
        constants.DOMAINADMINS,
    ]


def test_roles_a_domain_admin_may_give(domain_admin):
    assert [r for r, _l in core_services.get_account_roles(domain_admin)] == [
        constants.SIMPLEUSERS
    ]


def test_a_reseller_out_of_domain_admins_cannot_give_that_role(reseller, set_limits):
    set_limits(reseller, domain_admins=0)
    assert [r for r, _l in core_services.get_account_roles(reseller)] == [constants.SIMPLEUSERS]
    with pytest.raises(LimitReached):
        services.create_account(
            acting_user=reseller,
            username="da",
            password="Toto1234!",
            role=constants.DOMAINADMINS,
        )


def test_a_user_can_set_role_receiver_can_forbid_a_role(reseller):
    def receiver(sender, user, role, account, **kwargs):
        return False

    signals.user_can_set_role.connect(receiver)
    try:
        roles = [r for r, _l in core_services.get_account_roles(reseller)]
    finally:
        signals.user_can_set_role.disconnect(receiver)
    assert roles == [constants.SIMPLEUSERS]


def test_unknown_and_forbidden_roles_are_refused(reseller):
    with pytest.raises(BadRequest) as exc:
        core_services.check_role_allowed(reseller, "Emperors")
    assert exc.value.errors == {"role": ["Unknown role: Emperors"]}
    with pytest.raises(PermDeniedException) as exc:
        core_services.check_role_allowed(reseller, constants.SUPERADMINS)
    assert exc.value.field == "role"


def test_role_change_fires_account_role_changed(superadmin, simple_user):
    seen = []

    def receiver(sender, account, role, **kwargs):
        seen.append((account.username, role))

    signals.account_role_changed.connect(receiver)
    try:
        core_services.set_role(simple_user, constants.DOMAINADMINS, acting_user=superadmin)
    finally:
        signals.account_role_changed.disconnect(receiver)
    assert seen == [("user@test.com", constants.DOMAINADMINS)]
    simple_user.refresh_from_db()
    assert simple_user.role == constants.DOMAINADMINS
    assert simple_user.groups.count() == 1


def test_becoming_superadmin_needs_no_access_rows(superadmin, simple_user, other_domain):
    before = ObjectAccess.objects.count()
    core_services.set_role(simple_user, constants.SUPERADMINS, acting_user=superadmin)
    simple_user = User.objects.get(pk=simple_user.pk)
    assert simple_user.is_superuser
    assert simple_user.groups.count() == 0
    assert ObjectAccess.objects.count() == before
    assert simple_user.can_access(other_domain)
    assert Domain.objects.get_for_admin(simple_user).count() == 2


def test_a_demoted_superadmin_hands_what_it_owns_over_and_loses_master_user(superadmin):
    second = services.create_account(
        acting_user=superadmin,
        username="second",
        password="Toto1234!",
        role=constants.SUPERADMINS,
        master_user=True,
    )
    domain = services.create_domain(acting_user=second, name="owned.com")
    core_services.set_role(second, constants.RESELLERS, acting_user=superadmin)
    second = User.objects.get(pk=second.pk)
    assert not second.is_superuser and not second.master_user
    assert second.role == constants.RESELLERS
    assert not second.is_owner(domain)
    assert superadmin.is_owner(domain)
    assert not second.can_access(domain)
    assert UserObjectLimit.objects.filter(user=second).count() == 6


def test_a_domain_admin_losing_its_role_gives_back_resources_and_domains(
    reseller, set_limits, make_domain
):
    own = make_domain("reseller.com", acting_user=reseller, quota=100, default_mailbox_quota=10)
    admin = services.create_account(
        acting_user=reseller,
        username="admin@reseller.com",
        password="Toto1234!",
        role=constants.DOMAINADMINS,
        domains=["reseller.com"],
    )
    from modoboa.limits import services as limits_services

    limits_services.set_user_limit(admin, "mailboxes", 4, acting_user=reseller)
    assert limits_services.get_user_limit(reseller, "mailboxes").max_value == 6
    box_owner = services.create_account(
        acting_user=admin, username="box@reseller.com", password="Toto1234!"
    )
    services.update_account(admin, acting_user=reseller, role=constants.SIMPLEUSERS)
    admin = User.objects.get(pk=admin.pk)
    assert admin.role == constants.SIMPLEUSERS
    # The 4 mailboxes go back to the reseller, and the one the domain
    # administrator created now counts as the reseller's.
    assert limits_services.get_user_limit(reseller, "mailboxes").max_value == 10
    assert limits_services.get_user_limit(admin, "mailboxes").max_value == 0
    assert reseller.is_owner(box_owner.mailbox)
    assert not admin.can_access(own)
    assert Domain.objects.get_for_admin(admin).count() == 0
    assert Mailbox.objects.get_for_admin(admin).count() == 0
    assert list(User.objects.get_for_admin(admin)) == [admin]
    assert not ObjectAccess.objects.filter(user=admin).exclude(object_id=admin.pk).exists()


def test_a_demoted_reseller_keeps_nothing_in_reach(reseller, superadmin, make_domain):
    domain = make_domain("reseller.com", acting_user=reseller, quota=100, default_mailbox_quota=10)
    core_services.set_role(reseller, constants.SIMPLEUSERS, acting_user=superadmin)
    reseller = User.objects.get(pk=reseller.pk)
    assert not reseller.can_access(domain)
    assert superadmin.is_owner(domain)


def test_a_simple_user_with_leftover_rows_still_reaches_nothing(simple_user, domain):
    # Rows written behind the service layer's back give no reach to a
    # simple user: only an administrator role does.
    from modoboa.core.access import grant_access

    grant_access(domain, simple_user, is_owner=True)
    simple_user = User.objects.get(pk=simple_user.pk)
    assert not simple_user.can_access(domain)
    assert not simple_user.can_access(simple_user.mailbox)
    assert simple_user.can_access(simple_user)


def test_nobody_changes_its_own_role(reseller):
    with pytest.raises(PermDeniedException) as exc:
        services.update_account(reseller, acting_user=reseller, role=constants.SUPERADMINS)
    assert exc.value.field == "role"


def test_master_user_is_for_superadmins_only(superadmin, reseller):
    with pytest.raises(BadRequest) as exc:
        services.create_account(
            acting_user=superadmin,
            username="da",
            password="Toto1234!",
            role=constants.DOMAINADMINS,
            master_user=True,
        )
    assert exc.value.field == "master_user"
    account = services.create_account(
        acting_user=superadmin,
        username="master",
        password="Toto1234!",
        role=constants.SUPERADMINS,
        master_user=True,
    )
    assert account.master_user
