"""Accounts: creation with a mailbox, update, passwords and deletion."""

import pytest

from modoboa.admin import services
from modoboa.admin.models import Alias, Mailbox
from modoboa.core import constants, signals
from modoboa.core.models import Log, User
from modoboa.lib.exceptions import BadRequest, Conflict, PermDeniedException
from modoboa.parameters import tools as param_tools

pytestmark = pytest.mark.django_db

PASSWORD = "Toto1234!"


def test_a_simple_user_gets_a_mailbox_at_its_username(superadmin, domain):
    account = services.create_account(
        acting_user=superadmin, username=" John.Doe@Test.COM ", password=PASSWORD
    )
    assert account.username == account.email == "john.doe@test.com"
    assert account.mailbox.full_address == "john.doe@test.com"
    assert account.role == constants.SIMPLEUSERS
    assert account.language == "en"
    assert account.password.startswith("{SHA512-CRYPT}")
    assert account.check_password(PASSWORD)


@pytest.mark.parametrize(
    "username,role",
    [
        ("john", constants.SIMPLEUSERS),
        ("", constants.SIMPLEUSERS),
        ("jo hn@test.com", constants.SIMPLEUSERS),
        ("o'neil@test.com", constants.SIMPLEUSERS),
        ("admin'--", constants.DOMAINADMINS),
        ("ad\nmin", constants.DOMAINADMINS),
        ("a" * 255, constants.DOMAINADMINS),
        (None, constants.DOMAINADMINS),
        (42, constants.DOMAINADMINS),
    ],
)
def test_bad_usernames_are_refused(superadmin, domain, username, role, unchanged):
    with unchanged(), pytest.raises(BadRequest) as exc:
        services.create_account(
            acting_user=superadmin, username=username, password=PASSWORD, role=role
        )
    assert exc.value.field == "username"


def test_usernames_are_unique(superadmin, simple_user, unchanged):
    with unchanged(), pytest.raises(Conflict) as exc:
        services.create_account(
            acting_user=superadmin, username="USER@test.com", password=PASSWORD
        )
    assert exc.value.field == "username"


def test_the_mailbox_address_is_the_username(superadmin, domain, unchanged):
    with unchanged(), pytest.raises(BadRequest) as exc:
        services.create_account(
            acting_user=superadmin,
            username="boss",
            password=PASSWORD,
            role=constants.DOMAINADMINS,
            mailbox={"address": "boss@test.com"},
        )
    assert exc.value.field == "email"


def test_an_administrator_may_have_no_mailbox(superadmin):
    account = services.create_account(
        acting_user=superadmin, username="boss", password=PASSWORD, role=constants.RESELLERS
    )
    assert account.mailbox_or_none is None
    assert account.email == ""


def test_passwords_follow_the_policy(superadmin, domain, unchanged):
    for password in ("", None, "short", "password123", "alllowercase1"):
        with unchanged(), pytest.raises(BadRequest) as exc:
            services.create_account(
                acting_user=superadmin, username="a@test.com", password=password
            )
        assert exc.value.field == "password"


def test_a_plain_password_longer_than_the_column_is_refused(superadmin, domain, unchanged):
    param_tools.set_global_parameter("password_scheme", "plain", app="core")
    with unchanged(), pytest.raises(BadRequest) as exc:
        services.create_account(
            acting_user=superadmin, username="a@test.com", password="Aa1" + "x" * 300
        )
    assert exc.value.field == "password"


def test_random_passwords(superadmin, domain):
    param_tools.set_global_parameter("random_password_length", 12, app="core")
    account = services.create_account(
        acting_user=superadmin, username="a@test.com", random_password=True
    )
    clear = account.clear_password
    assert len(clear) == 12 and clear.isalnum()
    assert any(c.isupper() for c in clear) and any(c.isdigit() for c in clear)
    assert User.objects.get(pk=account.pk).check_password(clear)


def test_an_imported_hash_is_stored_as_given(superadmin, domain):
    account = services.create_account(
        acting_user=superadmin, username="a@test.com", password_hash="{PLAIN}toto"
    )
    assert User.objects.get(pk=account.pk).password == "{PLAIN}toto"


def test_password_signal_on_creation_and_change(superadmin, domain):
    seen = []

    def receiver(sender, account, password, created, **kwargs):
        seen.append((account.username, password, created))

    signals.account_password_updated.connect(receiver)
    try:
        account = services.create_account(
            acting_user=superadmin, username="a@test.com", password=PASSWORD
        )
        services.set_account_password(account, "Other5678!", acting_user=superadmin)
    finally:
        signals.account_password_updated.disconnect(receiver)
    assert seen == [("a@test.com", PASSWORD, True), ("a@test.com", "Other5678!", False)]


def test_changing_ones_own_password(simple_user):
    with pytest.raises(BadRequest) as exc:
        services.change_own_password(simple_user, "wrong", "Other5678!")
    assert exc.value.field == "password"
    with pytest.raises(BadRequest) as exc:
        services.change_own_password(simple_user, PASSWORD, "weak")
    assert exc.value.field == "new_password"
    services.change_own_password(simple_user, PASSWORD, "Other5678!")
    assert User.objects.get(pk=simple_user.pk).check_password("Other5678!")


class TestUpdate:
    def test_profile_fields(self, superadmin, simple_user):
        services.update_account(
            simple_user,
            acting_user=superadmin,
            first_name=" Jane ",
            last_name="Doe",
            language="fr",
            phone_number="+33 1 23",
            secondary_email="Jane@Example.com",
        )
        account = User.objects.get(pk=simple_user.pk)
        assert (account.first_name, account.last_name, account.language) == ("Jane", "Doe", "fr")
        assert account.secondary_email == "jane@example.com"

    @pytest.mark.parametrize(
        "field,value",
        [
            ("language", "xx"),
            ("first_name", "x" * 31),
            ("first_name", "a\nb"),
            ("secondary_email", "not-an-address"),
            ("phone_number", 5),
        ],
    )
    def test_bad_profile_values(self, superadmin, simple_user, field, value, unchanged):
        with unchanged(), pytest.raises(BadRequest) as exc:
            services.update_account(simple_user, acting_user=superadmin, **{field: value})
        assert exc.value.field == field

    def test_disabling_an_account_disables_its_aliases(self, superadmin, simple_user):
        alias = services.create_alias(
            acting_user=superadmin, address="info@test.com", recipients=["user@test.com"]
        )
        services.update_account(simple_user, acting_user=superadmin, is_active=False)
        assert not User.objects.get(pk=simple_user.pk).is_active
        assert not Alias.objects.get(pk=alias.pk).enabled
        services.update_account(simple_user, acting_user=superadmin, is_active=True)
        assert Alias.objects.get(pk=alias.pk).enabled

    def test_enabling_an_account_leaves_the_aliases_its_administrator_disabled(
        self, superadmin, simple_user
    ):
        kept_off = services.create_alias(
            acting_user=superadmin, address="old@test.com", recipients=["user@test.com"]
        )
        services.update_alias(kept_off, acting_user=superadmin, enabled=False)
        follows = services.create_alias(
            acting_user=superadmin, address="info@test.com", recipients=["user@test.com"]
        )
        services.update_account(simple_user, acting_user=superadmin, is_active=False)
        assert Alias.objects.get(pk=follows.pk).disabled_with_account
        assert not Alias.objects.get(pk=kept_off.pk).disabled_with_account
        services.update_account(simple_user, acting_user=superadmin, is_active=True)
        assert Alias.objects.get(pk=follows.pk).enabled
        assert not Alias.objects.get(pk=follows.pk).disabled_with_account
        assert not Alias.objects.get(pk=kept_off.pk).enabled

    def test_an_alias_switched_off_meanwhile_stays_off(self, superadmin, simple_user):
        alias = services.create_alias(
            acting_user=superadmin, address="info@test.com", recipients=["user@test.com"]
        )
        services.update_account(simple_user, acting_user=superadmin, is_active=False)
        # Its administrator enables it while the account is disabled, then
        # disables it: that is now the administrator's decision.
        services.update_alias(alias, acting_user=superadmin, enabled=True)
        services.update_alias(alias, acting_user=superadmin, enabled=False)
        services.update_account(simple_user, acting_user=superadmin, is_active=True)
        assert not Alias.objects.get(pk=alias.pk).enabled

    def test_nobody_disables_itself(self, domain_admin):
        with pytest.raises(PermDeniedException) as exc:
            services.update_account(domain_admin, acting_user=domain_admin, is_active=False)
        assert exc.value.field == "is_active"

    def test_accounts_of_a_disabled_domain_stay_locked(self, superadmin, simple_user, domain):
        services.update_domain(domain, acting_user=superadmin, enabled=False)
        with pytest.raises(BadRequest) as exc:
            services.update_account(simple_user, acting_user=superadmin, is_active=False)
        assert exc.value.field == "is_active"

    def test_changing_the_username_renames_the_mailbox(self, superadmin, simple_user):
        services.update_account(simple_user, acting_user=superadmin, username="renamed@test.com")
        account = User.objects.get(pk=simple_user.pk)
        assert account.username == account.email == "renamed@test.com"
        assert account.mailbox.full_address == "renamed@test.com"

    def test_an_administrator_gets_a_mailbox_later(self, superadmin, domain):
        account = services.create_account(
            acting_user=superadmin,
            username="boss@test.com",
            password=PASSWORD,
            role=constants.DOMAINADMINS,
        )
        services.update_account(account, acting_user=superadmin, email="boss@test.com")
        account = User.objects.get(pk=account.pk)
        assert account.mailbox.full_address == "boss@test.com"
        assert account.mailbox.quota == 10

    def test_mail_tab_aliases_and_sender_addresses(self, superadmin, simple_user):
        services.update_account(
            simple_user,
            acting_user=superadmin,
            aliases=["a1@test.com", "a2@test.com"],
            sender_addresses=["me@gmail.com"],
        )
        assert sorted(simple_user.mailbox.alias_addresses) == ["a1@test.com", "a2@test.com"]
        services.update_account(
            simple_user, acting_user=superadmin, aliases=["a2@test.com"], sender_addresses=[]
        )
        assert simple_user.mailbox.alias_addresses == ["a2@test.com"]
        assert not Alias.objects.filter(address="a1@test.com").exists()
        assert not simple_user.mailbox.senderaddress_set.exists()

    def test_a_simple_user_cannot_use_the_administration_service(self, simple_user):
        with pytest.raises(PermDeniedException):
            services.update_account(simple_user, acting_user=simple_user, first_name="x")

    def test_master_user_only_by_superusers(self, superadmin, domain_admin, reseller):
        with pytest.raises(BadRequest):
            services.update_account(reseller, acting_user=superadmin, master_user=True)
        root = services.create_account(
            acting_user=superadmin, username="root", password=PASSWORD, role=constants.SUPERADMINS
        )
        services.update_account(root, acting_user=superadmin, master_user=True)
        assert User.objects.get(pk=root.pk).master_user

    def test_role_change_to_simple_user_needs_an_email_username(
        self, superadmin, reseller, unchanged
    ):
        with unchanged(), pytest.raises(BadRequest) as exc:
            services.update_account(reseller, acting_user=superadmin, role=constants.SIMPLEUSERS)
        assert exc.value.field == "username"


class TestDeletion:
    def test_the_mailbox_goes_with_the_account(self, superadmin, simple_user):
        seen = []

        def receiver(sender, user, **kwargs):
            seen.append(user.username)

        signals.account_deleted.connect(receiver)
        try:
            services.delete_account(simple_user, acting_user=superadmin)
        finally:
            signals.account_deleted.disconnect(receiver)
        assert seen == ["user@test.com"]
        assert not User.objects.filter(username="user@test.com").exists()
        assert not Mailbox.objects.exists()
        assert "User 'user@test.com' deleted by user admin" in Log.objects.values_list(
            "message", flat=True
        )

    def test_management_commands_delete_too(self, simple_user):
        services.delete_account(simple_user, acting_user=None)
        assert Log.objects.filter(
            message="User 'user@test.com' deleted by management command", level="CRITICAL"
        ).exists()
