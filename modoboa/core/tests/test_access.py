"""Object access: ownership rows, ``can_access``, domain administrators and
ownership handed over on delete (inventory section 3)."""

import pytest

from modoboa.admin import services
from modoboa.admin.models import Alias, Domain, DomainAlias, Mailbox, SenderAddress
from modoboa.core import access, constants
from modoboa.core.models import ObjectAccess, User
from modoboa.lib.exceptions import BadRequest, PermDeniedException

pytestmark = pytest.mark.django_db

PASSWORD = "Toto1234!"


@pytest.fixture
def reseller_domain(reseller, make_domain):
    return make_domain("reseller.com", acting_user=reseller, quota=100, default_mailbox_quota=10)


def owner_rows(obj):
    return list(
        access.object_access_rows_for_object(obj)
        .filter(is_owner=True)
        .values_list("user__username", flat=True)
    )


def test_the_creator_of_each_object_owns_it_and_superusers_need_no_row(
    superadmin, reseller, reseller_domain
):
    alias_domain = services.create_domain_alias(
        acting_user=reseller, name="alias-reseller.com", target=reseller_domain
    )
    account = services.create_account(
        acting_user=reseller, username="user@reseller.com", password=PASSWORD
    )
    alias = services.create_alias(
        acting_user=reseller, address="info@reseller.com", recipients=["user@reseller.com"]
    )
    for obj in (reseller_domain, alias_domain, account, account.mailbox, alias):
        assert owner_rows(obj) == ["reseller"]
    for obj in (reseller_domain, alias_domain, account, account.mailbox, alias):
        assert not access.object_access_rows_for_object(obj).filter(user=superadmin).exists()
    for obj in (reseller_domain, alias_domain, account, account.mailbox, alias):
        assert superadmin.can_access(obj)


def test_objects_made_by_a_command_have_no_owner(db):
    domain = services.create_domain(acting_user=None, name="cmd.com")
    assert owner_rows(domain) == []


def test_a_reseller_reaches_its_domains_and_what_is_inside(
    reseller, reseller_domain, domain, simple_user, superadmin
):
    account = services.create_account(
        acting_user=superadmin, username="user@reseller.com", password=PASSWORD
    )
    alias = services.create_alias(
        acting_user=superadmin, address="info@reseller.com", recipients=["user@reseller.com"]
    )
    alias_domain = services.create_domain_alias(
        acting_user=superadmin, name="alias-reseller.com", target=reseller_domain
    )
    for obj in (reseller_domain, account, account.mailbox, alias, alias_domain):
        assert reseller.can_access(obj), obj
    for obj in (domain, simple_user, simple_user.mailbox, superadmin):
        assert not reseller.can_access(obj), obj


def test_a_domain_admin_reaches_its_domains_content_but_no_other(
    domain_admin, domain, other_domain, simple_user, reseller, superadmin
):
    outsider = services.create_account(
        acting_user=superadmin, username="user@test2.com", password=PASSWORD
    )
    alias = services.create_alias(
        acting_user=superadmin, address="info@test.com", recipients=["user@test.com"]
    )
    alias_domain = services.create_domain_alias(
        acting_user=superadmin, name="alias-test.com", target=domain
    )
    sender = services.create_sender_address(
        acting_user=superadmin, address="me@external.com", mailbox=simple_user.mailbox
    )
    for obj in (domain, simple_user, simple_user.mailbox, alias, alias_domain, domain_admin):
        assert domain_admin.can_access(obj), obj
    assert SenderAddress.objects.get_for_admin(domain_admin).get() == sender
    for obj in (other_domain, outsider, outsider.mailbox, reseller, superadmin):
        assert not domain_admin.can_access(obj), obj


def test_a_reseller_or_superuser_with_a_mailbox_in_the_domain_is_out_of_reach(
    superadmin, domain_admin, domain
):
    boss = services.create_account(
        acting_user=superadmin,
        username="boss@test.com",
        password=PASSWORD,
        role=constants.RESELLERS,
        mailbox={"address": "boss@test.com"},
    )
    root = services.create_account(
        acting_user=superadmin,
        username="root@test.com",
        password=PASSWORD,
        role=constants.SUPERADMINS,
        mailbox={"address": "root@test.com"},
    )
    assert not domain_admin.can_access(boss)
    assert not domain_admin.can_access(root)
    # A mailbox is its account's: in the domain, yet out of reach (its
    # forward would capture the reseller's mail, issue 14).
    assert not domain_admin.can_access(boss.mailbox)
    assert not domain_admin.can_access(root.mailbox)


def test_an_inactive_administrator_reaches_nothing(domain_admin, domain, superadmin):
    services.update_account(domain_admin, acting_user=superadmin, is_active=False)
    domain_admin = User.objects.get(pk=domain_admin.pk)
    assert not domain_admin.can_access(domain)
    assert Domain.objects.get_for_admin(domain_admin).count() == 0


def test_objects_without_pk_are_out_of_reach(domain_admin):
    assert not domain_admin.can_access(Domain(name="new.com"))
    assert not domain_admin.can_access(None)


def test_adding_and_removing_a_domain_administrator(
    superadmin, domain, other_domain, domain_admin, simple_user
):
    services.add_domain_admin(other_domain, domain_admin, acting_user=superadmin)
    assert domain_admin.can_access(other_domain)
    assert set(other_domain.admins) == {domain_admin}
    assert not domain_admin.is_owner(other_domain)
    services.remove_domain_admin(other_domain, domain_admin, acting_user=superadmin)
    assert not domain_admin.can_access(other_domain)
    assert list(other_domain.admins) == []
    with pytest.raises(BadRequest) as exc:
        services.add_domain_admin(domain, simple_user, acting_user=superadmin)
    assert exc.value.field == "domains"


def test_an_administrator_reaching_beyond_the_reseller_is_out_of_its_reach(
    superadmin, reseller, reseller_domain, domain
):
    """Once a superuser also gives it test.com, the reseller's domain
    administrator reaches more than the reseller: the reseller may no longer
    act on it (issue 14, finding 2), not even to take its own domain back.
    """
    admin = services.create_account(
        acting_user=reseller,
        username="admin@reseller.com",
        password=PASSWORD,
        role=constants.DOMAINADMINS,
        domains=["reseller.com"],
    )
    assert reseller.can_access(admin)
    services.add_domain_admin(domain, admin, acting_user=superadmin)
    assert not reseller.can_access(admin)
    with pytest.raises(PermDeniedException):
        services.set_administered_domains(admin, [], acting_user=reseller)
    services.set_administered_domains(admin, ["test.com"], acting_user=superadmin)
    assert not admin.can_access(reseller_domain)
    assert Domain.objects.get_for_admin(User.objects.get(pk=admin.pk)).get() == domain


def test_administered_domains_cannot_be_given_by_domain_admins(domain_admin, domain, superadmin):
    other = services.create_account(
        acting_user=superadmin,
        username="other@test.com",
        password=PASSWORD,
        role=constants.DOMAINADMINS,
    )
    with pytest.raises(PermDeniedException):
        services.add_domain_admin(domain, other, acting_user=domain_admin)


def test_deleting_an_account_gives_what_it_owned_to_its_owner(reseller, reseller_domain):
    admin = services.create_account(
        acting_user=reseller,
        username="admin@reseller.com",
        password=PASSWORD,
        role=constants.DOMAINADMINS,
        domains=["reseller.com"],
    )
    from modoboa.limits import services as limits_services

    limits_services.set_user_limit(admin, "mailboxes", 2, acting_user=reseller)
    limits_services.set_user_limit(admin, "mailbox_aliases", 2, acting_user=reseller)
    box = services.create_account(
        acting_user=admin, username="box@reseller.com", password=PASSWORD
    )
    alias = services.create_alias(
        acting_user=admin, address="info@reseller.com", recipients=["box@reseller.com"]
    )
    services.delete_account(admin, acting_user=reseller)
    assert owner_rows(box) == ["reseller"]
    assert owner_rows(box.mailbox) == ["reseller"]
    assert owner_rows(alias) == ["reseller"]
    assert not ObjectAccess.objects.filter(user_id=admin.pk).exists()
    assert not access.object_access_rows_for_object(admin).exists()


def test_deleting_a_self_owned_account_gives_its_objects_to_the_acting_user(
    superadmin, reseller, reseller_domain
):
    access.remove_object_rows(reseller)
    access.grant_access(reseller, reseller, is_owner=True)
    services.delete_account(reseller, acting_user=superadmin)
    assert owner_rows(Domain.objects.get(name="reseller.com")) == ["admin"]


def test_ungranting_an_owner_passes_ownership_to_the_first_superuser(
    superadmin, reseller, reseller_domain
):
    access.ungrant_access(reseller_domain, reseller)
    assert owner_rows(reseller_domain) == ["admin"]
    assert not reseller.can_access(reseller_domain)


def test_nobody_deletes_itself_or_what_it_cannot_reach(domain_admin, superadmin, reseller):
    with pytest.raises(PermDeniedException):
        services.delete_account(domain_admin, acting_user=domain_admin)
    with pytest.raises(PermDeniedException):
        services.delete_account(reseller, acting_user=domain_admin)
    with pytest.raises(PermDeniedException):
        services.delete_account(superadmin, acting_user=superadmin)


def test_lists_are_restricted_per_administrator(
    superadmin, reseller, reseller_domain, domain, domain_admin, simple_user
):
    mine = services.create_account(
        acting_user=reseller, username="user@reseller.com", password=PASSWORD
    )
    assert list(Domain.objects.get_for_admin(reseller)) == [reseller_domain]
    assert list(Domain.objects.get_for_admin(domain_admin)) == [domain]
    assert list(Domain.objects.get_for_admin(simple_user)) == []
    assert set(User.objects.get_for_admin(reseller)) == {reseller, mine}
    assert set(User.objects.get_for_admin(domain_admin)) == {domain_admin, simple_user}
    assert list(User.objects.get_for_admin(simple_user)) == [simple_user]
    assert set(Mailbox.objects.get_for_admin(domain_admin)) == {
        domain_admin.mailbox,
        simple_user.mailbox,
    }
    assert Alias.objects.get_for_admin(simple_user).count() == 0
    assert DomainAlias.objects.get_for_admin(domain_admin).count() == 0
    assert Domain.objects.get_for_admin(superadmin).count() == 2


def test_handing_over_merges_with_rows_the_heir_already_has(
    superadmin, reseller, reseller_domain, other_domain
):
    from modoboa.core.services import _transfer_owned_objects

    heir = services.create_account(
        acting_user=superadmin, username="heir", password=PASSWORD, role=constants.RESELLERS
    )
    # The heir already administers one of the reseller's domains.
    access.grant_access(reseller_domain, heir)
    access.grant_access(other_domain, reseller, is_owner=True)
    _transfer_owned_objects(reseller, heir)
    for domain in (reseller_domain, other_domain):
        rows = list(
            access.object_access_rows_for_object(domain).values_list("user__username", "is_owner")
        )
        assert ("heir", True) in rows
        assert ("reseller", True) not in rows
        assert len([row for row in rows if row[0] == "heir"]) == 1
    # Rows on the reseller account itself are not touched.
    assert access.object_access_rows_for_object(reseller).filter(user=superadmin).exists()
