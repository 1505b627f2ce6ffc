"""Mailboxes: quota rules, rename, deletion and the mailbox operations
queued for ``handle_mailbox_operations`` (inventory section 12.2)."""

import pytest

from modoboa.admin import services
from modoboa.admin.models import Alias, AliasRecipient, Mailbox, MailboxOperation, Quota
from modoboa.core import access, constants
from modoboa.core.models import User
from modoboa.lib.exceptions import BadRequest, Conflict, InternalError, PermDeniedException
from modoboa.parameters import tools as param_tools

pytestmark = pytest.mark.django_db

PASSWORD = "Toto1234!"


def make_user(acting_user, username, **kwargs):
    return services.create_account(
        acting_user=acting_user, username=username, password=PASSWORD, **kwargs
    )


class TestQuotaRules:
    def test_no_value_means_the_domain_default(self, superadmin, domain):
        account = make_user(superadmin, "a@test.com")
        assert account.mailbox.use_domain_quota
        assert account.mailbox.quota == 10

    def test_an_explicit_value(self, superadmin, domain):
        account = make_user(
            superadmin, "a@test.com", mailbox={"address": "a@test.com", "quota": 7}
        )
        assert not account.mailbox.use_domain_quota
        assert account.mailbox.quota == 7

    def test_no_value_without_domain_default_means_unlimited(self, superadmin, other_domain):
        account = make_user(
            superadmin,
            "a@test2.com",
            mailbox={"address": "a@test2.com", "use_domain_quota": False},
        )
        assert account.mailbox.quota == 0

    def test_a_quota_is_required_inside_a_domain_with_a_quota(self, domain_admin, unchanged):
        with unchanged(), pytest.raises(BadRequest) as exc:
            make_user(domain_admin, "a@test.com", mailbox={"address": "a@test.com", "quota": 0})
        assert exc.value.errors == {"quota": ["A quota is required"]}

    def test_superusers_and_unlimited_domain_creators_may_override(
        self, superadmin, reseller, set_limits, make_domain, domain
    ):
        make_user(superadmin, "su@test.com", mailbox={"address": "su@test.com", "quota": 0})
        set_limits(reseller, quota=0)
        make_domain("r.com", acting_user=reseller, quota=100, default_mailbox_quota=10)
        box = make_user(reseller, "a@r.com", mailbox={"address": "a@r.com", "quota": 0})
        assert box.mailbox.quota == 0
        set_limits(reseller, quota=1000)
        with pytest.raises(BadRequest):
            make_user(reseller, "b@r.com", mailbox={"address": "b@r.com", "quota": 0})

    def test_the_domain_quota_cannot_be_exceeded(self, superadmin, domain, unchanged):
        make_user(superadmin, "a@test.com", mailbox={"address": "a@test.com", "quota": 30})
        make_user(superadmin, "b@test.com", mailbox={"address": "b@test.com", "quota": 20})
        with unchanged(), pytest.raises(BadRequest) as exc:
            make_user(superadmin, "c@test.com", mailbox={"address": "c@test.com", "quota": 1})
        assert exc.value.errors == {"quota": ["Domain quota exceeded (0 MB left)"]}

    def test_updating_a_quota_counts_the_others_only(self, superadmin, domain):
        account = make_user(
            superadmin, "a@test.com", mailbox={"address": "a@test.com", "quota": 40}
        )
        services.update_quota(account.mailbox, acting_user=superadmin, quota=50)
        assert Mailbox.objects.get(pk=account.mailbox.pk).quota == 50
        with pytest.raises(BadRequest):
            services.update_quota(account.mailbox, acting_user=superadmin, quota=51)
        services.update_quota(account.mailbox, acting_user=superadmin, use_domain_quota=True)
        assert Mailbox.objects.get(pk=account.mailbox.pk).quota == 10

    @pytest.mark.parametrize("value", [-1, "ten", True, 2**40, [1]])
    def test_bad_quota_values(self, superadmin, domain, value, unchanged):
        with unchanged(), pytest.raises(BadRequest) as exc:
            make_user(superadmin, "a@test.com", mailbox={"address": "a@test.com", "quota": value})
        assert exc.value.field == "quota"

    def test_default_mailbox_quota_propagates_to_mailboxes_using_it(self, superadmin, domain):
        follower = make_user(superadmin, "a@test.com")
        fixed = make_user(superadmin, "b@test.com", mailbox={"address": "b@test.com", "quota": 5})
        services.update_domain(domain, acting_user=superadmin, default_mailbox_quota=20)
        assert Mailbox.objects.get(pk=follower.mailbox.pk).quota == 20
        assert Mailbox.objects.get(pk=fixed.mailbox.pk).quota == 5


class TestCreation:
    def test_a_mailbox_comes_with_its_quota_row_and_self_alias(self, superadmin, domain):
        account = make_user(superadmin, "a@test.com")
        assert account.email == "a@test.com"
        assert Quota.objects.get(username="a@test.com").bytes == 0
        assert Alias.objects.filter(address="a@test.com", internal=True).count() == 1

    def test_a_mailbox_address_taken_by_an_alias_is_a_conflict(
        self, superadmin, domain, unchanged
    ):
        services.create_alias(acting_user=superadmin, address="a@test.com", recipients=["x@y.com"])
        with unchanged(), pytest.raises(Conflict) as exc:
            make_user(superadmin, "a@test.com")
        assert exc.value.field == "email"

    def test_one_mailbox_per_account(self, superadmin, domain):
        account = make_user(superadmin, "a@test.com")
        with pytest.raises(Conflict):
            services.create_mailbox(account, "b@test.com", acting_user=superadmin)

    def test_the_domain_must_be_reachable(self, domain_admin, other_domain, unchanged):
        with unchanged(), pytest.raises(PermDeniedException) as exc:
            make_user(domain_admin, "a@test2.com")
        assert exc.value.field == "email"


class TestRename:
    def test_everything_follows_the_new_address(self, superadmin, domain, simple_user):
        mailbox = simple_user.mailbox
        Quota.objects.filter(username="user@test.com").update(bytes=1234, messages=5)
        alias = services.create_alias(
            acting_user=superadmin,
            address="info@test.com",
            recipients=["user@test.com", "user+tag@gmail.com"],
        )
        tagged = services.create_alias(
            acting_user=superadmin, address="tagged@test.com", recipients=["user+news@test.com"]
        )
        services.rename_mailbox(mailbox, "new@test.com", acting_user=superadmin)
        account = User.objects.get(pk=simple_user.pk)
        assert account.username == account.email == "new@test.com"
        assert Mailbox.objects.get(pk=mailbox.pk).full_address == "new@test.com"
        assert not Quota.objects.filter(username="user@test.com").exists()
        assert Quota.objects.get(username="new@test.com").bytes == 1234
        self_alias = Alias.objects.get(address="new@test.com", internal=True)
        assert list(self_alias.aliasrecipient_set.values_list("address", "r_mailbox_id")) == [
            ("new@test.com", mailbox.pk)
        ]
        assert not Alias.objects.filter(address="user@test.com").exists()
        assert sorted(alias.aliasrecipient_set.values_list("address", flat=True)) == [
            "new@test.com",
            "user+tag@gmail.com",
        ]
        assert list(tagged.aliasrecipient_set.values_list("address", flat=True)) == [
            "new+news@test.com"
        ]

    def test_moving_to_another_domain_applies_its_rules(self, superadmin, domain, simple_user):
        services.create_domain(
            acting_user=superadmin, name="small.com", quota=5, default_mailbox_quota=5
        )
        services.update_quota(simple_user.mailbox, acting_user=superadmin, quota=8)
        with pytest.raises(BadRequest) as exc:
            services.rename_mailbox(simple_user.mailbox, "user@small.com", acting_user=superadmin)
        assert exc.value.field == "quota"
        assert Mailbox.objects.get(pk=simple_user.mailbox.pk).full_address == "user@test.com"

    def test_an_alias_with_the_old_address_on_request(self, superadmin, simple_user):
        services.rename_mailbox(
            simple_user.mailbox, "new@test.com", acting_user=superadmin, create_alias=True
        )
        alias = Alias.objects.get(address="user@test.com", internal=False)
        assert list(alias.aliasrecipient_set.values_list("address", flat=True)) == ["new@test.com"]

    def test_taken_addresses_are_conflicts(self, superadmin, simple_user, domain, unchanged):
        make_user(superadmin, "taken@test.com")
        services.create_alias(
            acting_user=superadmin, address="alias@test.com", recipients=["x@y.com"]
        )
        for address in ("taken@test.com", "alias@test.com"):
            with unchanged(), pytest.raises(Conflict):
                services.rename_mailbox(simple_user.mailbox, address, acting_user=superadmin)

    def test_a_domain_admin_cannot_move_a_mailbox_out_of_its_domains(
        self, domain_admin, simple_user, other_domain, unchanged
    ):
        with unchanged(), pytest.raises(PermDeniedException):
            services.rename_mailbox(
                simple_user.mailbox, "user@test2.com", acting_user=domain_admin
            )


class TestDeletion:
    def test_what_only_existed_for_the_mailbox_goes(self, superadmin, simple_user, domain):
        mailbox = simple_user.mailbox
        only = services.create_alias(
            acting_user=superadmin, address="only@test.com", recipients=["user@test.com"]
        )
        chained = services.create_alias(
            acting_user=superadmin, address="chained@test.com", recipients=["only@test.com"]
        )
        via_self = services.create_alias(
            acting_user=superadmin, address="viaself@test.com", recipients=["x@gmail.com"]
        )
        # Points at the internal self-alias (an alias at the mailbox address).
        AliasRecipient.objects.create(
            alias=via_self,
            address="user@test.com",
            r_alias=Alias.objects.get(address="user@test.com", internal=True),
        )
        mixed = services.create_alias(
            acting_user=superadmin,
            address="mixed@test.com",
            recipients=["user@test.com", "x@gmail.com"],
        )
        services.delete_mailbox(mailbox, acting_user=superadmin)
        assert not Mailbox.objects.filter(pk=mailbox.pk).exists()
        assert not Alias.objects.filter(pk__in=[only.pk, chained.pk]).exists()
        assert list(via_self.aliasrecipient_set.values_list("address", flat=True)) == [
            "x@gmail.com"
        ]
        assert list(mixed.aliasrecipient_set.values_list("address", flat=True)) == ["x@gmail.com"]
        assert not Alias.objects.filter(address="user@test.com").exists()
        assert not Quota.objects.filter(username="user@test.com").exists()
        assert not access.object_access_rows_for_object(mailbox).exists()
        account = User.objects.get(pk=simple_user.pk)
        assert account.email == ""

    def test_an_administrator_without_a_mailbox_keeps_its_account(self, superadmin, domain):
        account = make_user(
            superadmin,
            "boss@test.com",
            role=constants.DOMAINADMINS,
            mailbox={"address": "boss@test.com"},
        )
        services.update_account(account, acting_user=superadmin, email="")
        account = User.objects.get(pk=account.pk)
        assert account.mailbox_or_none is None and account.email == ""
        assert account.username == "boss@test.com"


class TestMailboxOperations:
    def test_nothing_is_queued_when_mailboxes_are_not_handled(self, superadmin, simple_user):
        services.rename_mailbox(simple_user.mailbox, "new@test.com", acting_user=superadmin)
        services.delete_mailbox(Mailbox.objects.get(), acting_user=superadmin)
        assert not MailboxOperation.objects.exists()

    def test_a_rename_queues_a_move_of_the_old_home(
        self, handle_mailboxes, superadmin, simple_user
    ):
        services.rename_mailbox(simple_user.mailbox, "new@test.com", acting_user=superadmin)
        operation = MailboxOperation.objects.get()
        assert operation.type == "rename"
        assert operation.mailbox == simple_user.mailbox
        assert operation.argument == "%s/test.com/user" % handle_mailboxes

    def test_a_deletion_queues_a_removal_unless_keepdir(
        self, handle_mailboxes, superadmin, domain
    ):
        kept = make_user(superadmin, "kept@test.com")
        gone = make_user(superadmin, "gone@test.com")
        services.delete_account(kept, acting_user=superadmin, keepdir=True)
        services.delete_account(gone, acting_user=superadmin)
        operation = MailboxOperation.objects.get()
        assert (operation.type, operation.mailbox) == ("delete", None)
        assert operation.argument == "%s/test.com/gone" % handle_mailboxes

    def test_a_domain_rename_queues_every_mailbox(self, handle_mailboxes, superadmin, domain):
        make_user(superadmin, "a@test.com")
        make_user(superadmin, "b@test.com")
        services.update_domain(domain, acting_user=superadmin, name="renamed.com")
        assert sorted(MailboxOperation.objects.values_list("type", "argument")) == [
            ("rename", "%s/test.com/a" % handle_mailboxes),
            ("rename", "%s/test.com/b" % handle_mailboxes),
        ]

    def test_a_domain_deletion_queues_every_home_unless_keepdir(
        self, handle_mailboxes, superadmin, domain, other_domain
    ):
        make_user(superadmin, "a@test.com")
        make_user(superadmin, "b@test2.com")
        services.delete_domain(other_domain, acting_user=superadmin, keepdir=True)
        assert not MailboxOperation.objects.exists()
        services.delete_domain(domain, acting_user=superadmin)
        assert list(MailboxOperation.objects.values_list("type", "argument")) == [
            ("delete", "%s/test.com/a" % handle_mailboxes)
        ]

    def test_without_dovecot_the_change_is_refused(
        self, superadmin, simple_user, settings, tmp_path, unchanged
    ):
        settings.DOVECOT_CONFIG = str(tmp_path / "missing.conf")
        param_tools.set_global_parameter("handle_mailboxes", True, app="admin")
        with unchanged(), pytest.raises(InternalError):
            services.rename_mailbox(simple_user.mailbox, "new@test.com", acting_user=superadmin)
