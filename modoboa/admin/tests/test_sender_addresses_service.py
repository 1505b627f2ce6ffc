"""Extra addresses a mailbox may send as (admin_senderaddress)."""

import pytest

from modoboa.admin import services
from modoboa.admin.models import SenderAddress
from modoboa.lib.exceptions import BadRequest, Conflict, PermDeniedException

pytestmark = pytest.mark.django_db


def test_create_update_delete(superadmin, simple_user):
    sender = services.create_sender_address(
        acting_user=superadmin, address="Me@Gmail.com", mailbox=simple_user.mailbox
    )
    assert sender.address == "me@gmail.com"
    services.update_sender_address(sender, acting_user=superadmin, address="me2@gmail.com")
    assert SenderAddress.objects.get().address == "me2@gmail.com"
    services.delete_sender_address(sender, acting_user=superadmin)
    assert not SenderAddress.objects.exists()


def test_duplicates_are_conflicts(superadmin, simple_user, unchanged):
    services.create_sender_address(
        acting_user=superadmin, address="me@gmail.com", mailbox=simple_user.mailbox
    )
    with unchanged(), pytest.raises(Conflict) as exc:
        services.create_sender_address(
            acting_user=superadmin, address="me@gmail.com", mailbox=simple_user.mailbox
        )
    assert exc.value.field == "address"


def test_a_local_address_must_be_in_a_reachable_domain(
    domain_admin, simple_user, other_domain, unchanged
):
    services.create_sender_address(
        acting_user=domain_admin, address="shared@test.com", mailbox=simple_user.mailbox
    )
    with unchanged(), pytest.raises(PermDeniedException) as exc:
        services.create_sender_address(
            acting_user=domain_admin, address="boss@test2.com", mailbox=simple_user.mailbox
        )
    assert exc.value.field == "address"


def test_the_mailbox_must_be_reachable(reseller, simple_user, unchanged):
    with unchanged(), pytest.raises(PermDeniedException):
        services.create_sender_address(
            acting_user=reseller, address="me@gmail.com", mailbox=simple_user.mailbox
        )


def test_a_domain_wide_address_allows_any_address_of_the_domain(superadmin, simple_user):
    sender = services.create_sender_address(
        acting_user=superadmin, address="@Partner.ORG", mailbox=simple_user.mailbox
    )
    assert sender.address == "@partner.org"
    services.update_sender_address(sender, acting_user=superadmin, address="@partner.net")
    assert SenderAddress.objects.get().address == "@partner.net"
    services.set_sender_addresses(
        simple_user.mailbox, ["@partner.net", "@test.com"], acting_user=superadmin
    )
    assert sorted(SenderAddress.objects.values_list("address", flat=True)) == [
        "@partner.net",
        "@test.com",
    ]


def test_a_domain_wide_address_of_a_hosted_domain_must_be_reachable(
    domain_admin, simple_user, other_domain, unchanged
):
    services.create_sender_address(
        acting_user=domain_admin, address="@test.com", mailbox=simple_user.mailbox
    )
    with unchanged(), pytest.raises(PermDeniedException) as exc:
        services.create_sender_address(
            acting_user=domain_admin, address="@test2.com", mailbox=simple_user.mailbox
        )
    assert exc.value.field == "address"


def test_a_domain_rename_renames_domain_wide_addresses(superadmin, domain, simple_user):
    services.create_sender_address(
        acting_user=superadmin, address="@test.com", mailbox=simple_user.mailbox
    )
    services.update_domain(domain, acting_user=superadmin, name="renamed.com")
    assert SenderAddress.objects.get().address == "@renamed.com"


@pytest.mark.parametrize(
    "address", ["@", "@@test.com", "@not a domain", "@test", "me@@test.com", "@test.com\nx"]
)
def test_bad_domain_wide_addresses(superadmin, simple_user, address, unchanged):
    with unchanged(), pytest.raises(BadRequest) as exc:
        services.create_sender_address(
            acting_user=superadmin, address=address, mailbox=simple_user.mailbox
        )
    assert exc.value.field == "address"


@pytest.mark.parametrize("address", ["", "me", "me@", "a b@gmail.com", "me@gmail.com\nx@y.com"])
def test_bad_addresses(superadmin, simple_user, address, unchanged):
    with unchanged(), pytest.raises(BadRequest) as exc:
        services.create_sender_address(
            acting_user=superadmin, address=address, mailbox=simple_user.mailbox
        )
    assert exc.value.field == "address"


def test_set_sender_addresses_replaces_the_list(superadmin, simple_user):
    mailbox = simple_user.mailbox
    services.set_sender_addresses(mailbox, ["a@gmail.com", "b@gmail.com"], acting_user=superadmin)
    services.set_sender_addresses(mailbox, ["b@gmail.com", "c@gmail.com"], acting_user=superadmin)
    assert sorted(mailbox.senderaddress_set.values_list("address", flat=True)) == [
        "b@gmail.com",
        "c@gmail.com",
    ]


def test_simple_users_do_not_manage_sender_addresses(simple_user):
    with pytest.raises(PermDeniedException):
        services.set_sender_addresses(
            simple_user.mailbox, ["a@gmail.com"], acting_user=simple_user
        )
