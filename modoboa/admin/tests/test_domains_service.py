"""Domains: creation, quota rules, DKIM settings, rename and deletion."""

import pytest

from modoboa.admin import services
from modoboa.admin.models import (
    Alias,
    AliasRecipient,
    Domain,
    DomainAlias,
    Mailbox,
    Quota,
    SenderAddress,
)
from modoboa.core import constants
from modoboa.core.models import User
from modoboa.lib.exceptions import BadLimitValue, BadRequest, Conflict, PermDeniedException
from modoboa.limits.models import DomainObjectLimit
from modoboa.parameters import tools as param_tools
from modoboa.relaydomains.models import RecipientAccess
from modoboa.transport.models import Transport

pytestmark = pytest.mark.django_db

PASSWORD = "Toto1234!"


class TestCreation:
    def test_names_are_lower_cased_and_defaults_come_from_parameters(self, superadmin):
        param_tools.set_global_parameter("default_domain_quota", 100, app="admin")
        param_tools.set_global_parameter("default_mailbox_quota", 20, app="admin")
        domain = services.create_domain(acting_user=superadmin, name=" New.COM ")
        assert domain.name == "new.com"
        assert (domain.quota, domain.default_mailbox_quota) == (100, 20)
        assert domain.enabled and domain.enable_dns_checks and not domain.enable_dkim
        assert domain.type == "domain" and domain.dkim_key_selector == "modoboa"
        assert DomainObjectLimit.objects.filter(domain=domain).count() == 4

    def test_a_default_mailbox_quota_above_the_quota_is_refused(self, superadmin, unchanged):
        with unchanged(), pytest.raises(BadRequest) as exc:
            services.create_domain(
                acting_user=superadmin, name="a.com", quota=10, default_mailbox_quota=11
            )
        assert exc.value.field == "default_mailbox_quota"

    def test_a_finite_quota_needs_a_default_mailbox_quota(self, superadmin, unchanged):
        with unchanged(), pytest.raises(BadRequest) as exc:
            services.create_domain(
                acting_user=superadmin, name="a.com", quota=10, default_mailbox_quota=0
            )
        assert exc.value.field == "default_mailbox_quota"

    def test_the_parameter_default_is_capped_by_the_quota(self, superadmin):
        param_tools.set_global_parameter("default_mailbox_quota", 500, app="admin")
        domain = services.create_domain(acting_user=superadmin, name="a.com", quota=100)
        assert domain.default_mailbox_quota == 100

    @pytest.mark.parametrize(
        "name",
        [
            "",
            None,
            "nodot",
            "a..com",
            "a.com\nb.com",
            "../a.com",
            "a.com;reboot",
            "ex ample.com",
            "bücher.de",
            "a" * 101 + ".com",
        ],
    )
    def test_bad_names_are_refused(self, superadmin, name, unchanged):
        with unchanged(), pytest.raises(BadRequest) as exc:
            services.create_domain(acting_user=superadmin, name=name)
        assert exc.value.field == "name"

    def test_names_are_unique_among_domains_and_domain_aliases(self, superadmin, domain):
        services.create_domain_alias(acting_user=superadmin, name="alias.com", target=domain)
        for name in ("test.com", "TEST.com", "alias.com"):
            with pytest.raises(Conflict) as exc:
                services.create_domain(acting_user=superadmin, name=name)
            assert exc.value.field == "name"

    def test_unknown_type_is_refused(self, superadmin):
        with pytest.raises(BadRequest) as exc:
            services.create_domain(acting_user=superadmin, name="a.com", type="mailinglist")
        assert exc.value.field == "type"

    def test_with_domain_aliases_and_an_administrator(self, superadmin):
        domain = services.create_domain(
            acting_user=superadmin,
            name="full.com",
            quota=100,
            default_mailbox_quota=10,
            aliases=["full.org", "full.net"],
            domain_admin={"username": "boss", "password": PASSWORD},
        )
        assert sorted(domain.domainalias_set.values_list("name", flat=True)) == [
            "full.net",
            "full.org",
        ]
        boss = User.objects.get(username="boss@full.com")
        assert boss.role == constants.DOMAINADMINS
        assert boss.mailbox.full_address == "boss@full.com"
        assert list(domain.admins) == [boss]
        postmaster = Alias.objects.get(address="postmaster@full.com")
        assert postmaster.aliasrecipient_set.get().r_mailbox == boss.mailbox

    def test_the_administrators_username_is_a_local_part(self, superadmin, unchanged):
        with unchanged(), pytest.raises(BadRequest) as exc:
            services.create_domain(
                acting_user=superadmin, name="a.com", domain_admin={"username": "x@y.com"}
            )
        assert exc.value.field == "dom_admin_username"

    def test_authorized_mx_rule_for_non_superusers(self, reseller):
        param_tools.set_global_parameter("domains_must_have_authorized_mx", True, app="admin")
        with pytest.raises(BadRequest) as exc:
            services.create_domain(
                acting_user=reseller, name="a.invalid", quota=10, default_mailbox_quota=1
            )
        assert exc.value.field == "name"

    def test_only_resellers_and_superusers_create_domains(self, domain_admin, simple_user):
        for user in (domain_admin, simple_user):
            with pytest.raises(PermDeniedException):
                services.create_domain(acting_user=user, name="a.com")


class TestDkimSettings:
    def test_dkim_needs_a_storage_directory(self, superadmin, unchanged):
        with unchanged(), pytest.raises(BadRequest) as exc:
            services.create_domain(acting_user=superadmin, name="a.com", enable_dkim=True)
        assert exc.value.field == "enable_dkim"

    def test_dkim_on(self, superadmin, tmp_path):
        param_tools.set_global_parameter("dkim_keys_storage_dir", str(tmp_path), app="admin")
        domain = services.create_domain(
            acting_user=superadmin,
            name="a.com",
            enable_dkim=True,
            dkim_key_selector="mail2026",
            dkim_key_length="4096",
        )
        assert (domain.dkim_key_selector, domain.dkim_key_length) == ("mail2026", 4096)

    @pytest.mark.parametrize(
        "selector", ["a b", "x\ny", "../../etc", "sel;rm", "s" * 31, "-x", 5, "dkim._domainkey"]
    )
    def test_hostile_selectors_are_refused_even_with_dkim_off(
        self, superadmin, selector, unchanged
    ):
        with unchanged(), pytest.raises(BadRequest) as exc:
            services.create_domain(
                acting_user=superadmin, name="a.com", dkim_key_selector=selector
            )
        assert exc.value.field == "dkim_key_selector"

    @pytest.mark.parametrize("length", [512, "big", 2048.5, True])
    def test_bad_key_lengths(self, superadmin, length, unchanged):
        with unchanged(), pytest.raises(BadRequest) as exc:
            services.create_domain(acting_user=superadmin, name="a.com", dkim_key_length=length)
        assert exc.value.field == "dkim_key_length"

    def test_a_new_selector_or_length_asks_for_a_new_key(self, superadmin, domain):
        Domain.objects.filter(pk=domain.pk).update(
            dkim_private_key_path="/keys/test.com.pem", dkim_public_key="KEY"
        )
        domain = services.update_domain(domain, acting_user=superadmin, dkim_key_selector="new")
        assert (domain.dkim_private_key_path, domain.dkim_public_key) == ("", "")

    def test_regenerating_a_key(self, superadmin, domain):
        Domain.objects.filter(pk=domain.pk).update(dkim_private_key_path="/k.pem")
        services.regenerate_dkim_key(domain, acting_user=superadmin)
        assert Domain.objects.get(pk=domain.pk).dkim_private_key_path == ""


class TestRename:
    def test_every_address_of_the_domain_follows(self, superadmin, domain, other_domain):
        user = services.create_account(
            acting_user=superadmin, username="user@test.com", password=PASSWORD
        )
        Quota.objects.filter(username="user@test.com").update(bytes=42)
        Quota.objects.create(username="stale@renamed.com", bytes=99)
        services.create_alias(
            acting_user=superadmin, address="info@test.com", recipients=["user@test.com"]
        )
        catchall = services.create_alias(
            acting_user=superadmin, address="@test.com", recipients=["user@test.com"]
        )
        outside = services.create_alias(
            acting_user=superadmin, address="x@test2.com", recipients=["user@test.com"]
        )
        domain_alias = services.create_domain_alias(
            acting_user=superadmin, name="alias.com", target=domain
        )
        services.create_sender_address(
            acting_user=superadmin, address="other@test.com", mailbox=user.mailbox
        )
        services.update_domain(domain, acting_user=superadmin, name="renamed.com")
        user = User.objects.get(pk=user.pk)
        assert user.username == user.email == "user@renamed.com"
        assert list(Quota.objects.order_by("username").values_list("username", "bytes")) == [
            ("user@renamed.com", 42)
        ]
        assert set(Alias.objects.values_list("address", flat=True)) == {
            "user@renamed.com",
            "info@renamed.com",
            "@renamed.com",
            "x@test2.com",
            "@alias.com",
        }
        assert list(outside.aliasrecipient_set.values_list("address", flat=True)) == [
            "user@renamed.com"
        ]
        assert Alias.objects.get(pk=catchall.pk).address == "@renamed.com"
        internal = Alias.objects.get(address="@alias.com")
        assert list(internal.aliasrecipient_set.values_list("address", flat=True)) == [
            "@renamed.com"
        ]
        assert DomainAlias.objects.get(pk=domain_alias.pk).target.name == "renamed.com"
        assert list(SenderAddress.objects.values_list("address", flat=True)) == [
            "other@renamed.com"
        ]

    def test_the_new_name_must_be_free(self, superadmin, domain, other_domain, unchanged):
        with unchanged(), pytest.raises(Conflict):
            services.update_domain(domain, acting_user=superadmin, name="test2.com")

    def test_a_reseller_cannot_raise_a_domain_to_unlimited(self, reseller, make_domain):
        domain = make_domain("r.com", acting_user=reseller, quota=10, default_mailbox_quota=1)
        with pytest.raises(BadLimitValue):
            services.update_domain(domain, acting_user=reseller, quota=0, default_mailbox_quota=0)


class TestDeletion:
    @pytest.fixture
    def populated(self, superadmin, domain, other_domain):
        user = services.create_account(
            acting_user=superadmin, username="user@test.com", password=PASSWORD
        )
        services.create_domain_alias(acting_user=superadmin, name="alias.com", target=domain)
        outside = services.create_alias(
            acting_user=superadmin,
            address="x@test2.com",
            recipients=["user@test.com", "keep@gmail.com"],
        )
        only = services.create_alias(
            acting_user=superadmin, address="y@test2.com", recipients=["user@test.com"]
        )
        return user, outside, only

    def test_accounts_stay_without_a_mailbox_by_default(self, superadmin, domain, populated):
        user, outside, only = populated
        services.delete_domain(domain, acting_user=superadmin)
        assert not Domain.objects.filter(name="test.com").exists()
        user = User.objects.get(pk=user.pk)
        # Without a mailbox nor an email, Dovecot no longer authenticates it.
        assert user.email == "" and user.mailbox_or_none is None
        assert not Mailbox.objects.exists()
        assert not Quota.objects.exists()
        assert not Alias.objects.filter(address="@alias.com").exists()
        assert not DomainAlias.objects.exists()
        assert list(outside.aliasrecipient_set.values_list("address", flat=True)) == [
            "keep@gmail.com"
        ]
        assert not Alias.objects.filter(pk=only.pk).exists()
        assert not AliasRecipient.objects.filter(address__endswith="@test.com").exists()

    def test_accounts_go_too_with_auto_account_removal(self, superadmin, domain, populated):
        param_tools.set_global_parameter("auto_account_removal", True, app="admin")
        user, _outside, _only = populated
        services.delete_domain(domain, acting_user=superadmin)
        assert not User.objects.filter(pk=user.pk).exists()

    def test_nobody_deletes_the_domain_of_its_own_mailbox(self, domain_admin, superadmin, domain):
        services.update_account(domain_admin, acting_user=superadmin, role=constants.RESELLERS)
        reseller = User.objects.get(pk=domain_admin.pk)
        with pytest.raises(PermDeniedException):
            services.delete_domain(domain, acting_user=reseller)

    def test_a_relay_domain_takes_its_transport_along(self, superadmin):
        relay = services.create_domain(
            acting_user=superadmin,
            name="relay.com",
            type="relaydomain",
            transport={
                "service": "relay",
                "settings": {"relay_target_host": "mx.relay.com", "relay_verify_recipients": True},
            },
        )
        assert Transport.objects.count() == RecipientAccess.objects.count() == 1
        services.delete_domain(relay, acting_user=superadmin)
        assert not Transport.objects.exists() and not RecipientAccess.objects.exists()

    def test_who_may_delete(self, domain_admin, reseller, domain):
        for user in (domain_admin, reseller):
            with pytest.raises(PermDeniedException):
                services.delete_domain(domain, acting_user=user)


def test_allocated_and_used_quota(superadmin, domain):
    services.create_account(acting_user=superadmin, username="a@test.com", password=PASSWORD)
    services.create_account(
        acting_user=superadmin,
        username="b@test.com",
        password=PASSWORD,
        mailbox={"address": "b@test.com", "quota": 15},
    )
    Quota.objects.filter(username="a@test.com").update(bytes=3 * 1048576)
    Quota.objects.filter(username="b@test.com").update(bytes=2 * 1048576)
    Quota.objects.create(username="x@othertest.com", bytes=50 * 1048576)
    domain = Domain.objects.get(pk=domain.pk)
    assert (domain.allocated_quota, domain.used_quota) == (25, 5)
    assert (domain.allocated_quota_in_percent, domain.used_quota_in_percent) == (50, 10)
