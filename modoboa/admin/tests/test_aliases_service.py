"""Aliases, recipients, catch-alls, domain aliases and the forward
(inventory section 12.2)."""

import datetime

import pytest
from django.utils import timezone

from modoboa.admin import services, signals
from modoboa.admin.models import Alias, AliasRecipient, DomainAlias
from modoboa.admin.services.aliases import _base_local_part
from modoboa.core import access
from modoboa.core.models import Log
from modoboa.lib.exceptions import BadRequest, Conflict, NotFound, PermDeniedException

pytestmark = pytest.mark.django_db

PASSWORD = "Toto1234!"


def recipients_of(alias):
    return sorted(
        (r.address, r.r_mailbox_id, r.r_alias_id)
        for r in AliasRecipient.objects.filter(alias_id=alias.pk)
    )


def map_lookup(address):
    """What Postfix's alias map returns for ``address`` (enabled aliases,
    not expired, internal ones included), as the generated query does.
    """
    now = timezone.now()
    rows = AliasRecipient.objects.filter(alias__address=address, alias__enabled=True).exclude(
        alias__expire_at__lte=now
    )
    return sorted(rows.values_list("address", flat=True))


def test_every_mailbox_has_an_internal_self_alias(simple_user):
    alias = Alias.objects.get(address="user@test.com", internal=True)
    assert alias.domain.name == "test.com"
    assert recipients_of(alias) == [("user@test.com", simple_user.mailbox.pk, None)]
    assert map_lookup("user@test.com") == ["user@test.com"]


def test_a_local_recipient_is_linked_to_its_mailbox(superadmin, simple_user):
    alias = services.create_alias(
        acting_user=superadmin, address="info@test.com", recipients=["User@Test.com "]
    )
    assert recipients_of(alias) == [("user@test.com", simple_user.mailbox.pk, None)]


def test_an_extension_is_linked_to_the_base_mailbox(superadmin, simple_user):
    alias = services.create_alias(
        acting_user=superadmin,
        address="info@test.com",
        recipients=["user+news@test.com", "user@test.com"],
    )
    # (alias, r_mailbox) is unique: the second form of the same mailbox is
    # kept as an address only.
    assert recipients_of(alias) == [
        ("user+news@test.com", simple_user.mailbox.pk, None),
        ("user@test.com", None, None),
    ]


def test_some_local_parts_are_never_split_on_plus():
    assert _base_local_part("user+tag") == "user"
    assert _base_local_part("owner-list+tag") == "owner-list+tag"
    assert _base_local_part("list+x-request") == "list+x-request"
    assert _base_local_part("mailer-daemon") == "mailer-daemon"


def test_a_local_recipient_may_be_another_alias(superadmin, simple_user):
    first = services.create_alias(
        acting_user=superadmin, address="first@test.com", recipients=["user@test.com"]
    )
    second = services.create_alias(
        acting_user=superadmin, address="second@test.com", recipients=["first@test.com"]
    )
    assert recipients_of(second) == [("first@test.com", None, first.pk)]


def test_an_unknown_local_recipient_is_refused(superadmin, domain, unchanged):
    with unchanged(), pytest.raises(NotFound) as exc:
        services.create_alias(
            acting_user=superadmin, address="info@test.com", recipients=["nobody@test.com"]
        )
    assert exc.value.errors == {"recipients": ["Local recipient nobody@test.com not found"]}


def test_external_recipients_are_plain_addresses(superadmin, domain):
    alias = services.create_alias(
        acting_user=superadmin, address="info@test.com", recipients=["someone@gmail.com"]
    )
    assert recipients_of(alias) == [("someone@gmail.com", None, None)]


def test_an_alias_cannot_point_to_itself(superadmin, domain, simple_user):
    alias = services.create_alias(
        acting_user=superadmin, address="info@test.com", recipients=["user@test.com"]
    )
    with pytest.raises(Conflict) as exc:
        services.update_alias(alias, acting_user=superadmin, recipients=["info@test.com"])
    assert exc.value.field == "recipients"
    assert recipients_of(alias) == [("user@test.com", simple_user.mailbox.pk, None)]
    with pytest.raises(Conflict):
        services.create_alias(
            acting_user=superadmin, address="loop@test.com", recipients=["loop@test.com"]
        )
    assert not Alias.objects.filter(address="loop@test.com").exists()


def test_relay_domain_recipients_are_external_unless_a_mailbox_exists(superadmin, domain):
    services.create_domain(
        acting_user=superadmin,
        name="relay.com",
        type="relaydomain",
        transport={"service": "relay", "settings": {"relay_target_host": "mx.relay.com"}},
    )
    mailbox_owner = services.create_account(
        acting_user=superadmin, username="local@relay.com", password=PASSWORD
    )
    alias = services.create_alias(
        acting_user=superadmin,
        address="info@test.com",
        recipients=["remote@relay.com", "local@relay.com"],
    )
    assert recipients_of(alias) == [
        ("local@relay.com", mailbox_owner.mailbox.pk, None),
        ("remote@relay.com", None, None),
    ]


def test_a_receiver_may_declare_recipients_external(superadmin, simple_user):
    def receiver(sender, recipients, **kwargs):
        return recipients.startswith("user@")

    signals.use_external_recipients.connect(receiver)
    try:
        alias = services.create_alias(
            acting_user=superadmin, address="info@test.com", recipients=["user@test.com"]
        )
    finally:
        signals.use_external_recipients.disconnect(receiver)
    assert recipients_of(alias) == [("user@test.com", None, None)]


def test_recipients_not_listed_are_removed(superadmin, simple_user):
    alias = services.create_alias(
        acting_user=superadmin,
        address="info@test.com",
        recipients=["user@test.com", "a@gmail.com"],
    )
    services.update_alias(alias, acting_user=superadmin, recipients=["b@gmail.com", "a@gmail.com"])
    assert [r[0] for r in recipients_of(alias)] == ["a@gmail.com", "b@gmail.com"]


@pytest.mark.parametrize(
    "recipients",
    [[], [""], ["   "], None, ["not an address"], ["@test.com"], ["a@b.com\nb@c.com"], [42]],
)
def test_bad_recipient_lists_are_refused(superadmin, domain, recipients, unchanged):
    with unchanged(), pytest.raises(BadRequest) as exc:
        services.create_alias(acting_user=superadmin, address="x@test.com", recipients=recipients)
    assert exc.value.field == "recipients"


def test_catch_all(superadmin, domain, simple_user):
    alias = services.create_alias(
        acting_user=superadmin, address="@test.com", recipients=["user@test.com"]
    )
    assert alias.is_catchall
    assert alias.domain == domain
    assert map_lookup("@test.com") == ["user@test.com"]
    # The mailbox's own self-alias keeps its mail from being caught.
    assert map_lookup("user@test.com") == ["user@test.com"]


def test_a_second_alias_with_the_same_address_is_a_conflict(superadmin, domain, unchanged):
    services.create_alias(acting_user=superadmin, address="x@test.com", recipients=["a@b.com"])
    with unchanged(), pytest.raises(Conflict) as exc:
        services.create_alias(acting_user=superadmin, address="X@test.com", recipients=["c@d.com"])
    assert exc.value.field == "address"


def test_an_alias_needs_an_existing_and_reachable_domain(superadmin, domain_admin, other_domain):
    with pytest.raises(NotFound) as exc:
        services.create_alias(
            acting_user=superadmin, address="x@nowhere.com", recipients=["a@b.com"]
        )
    assert exc.value.field == "address"
    with pytest.raises(PermDeniedException):
        services.create_alias(
            acting_user=domain_admin, address="x@test2.com", recipients=["a@b.com"]
        )


def test_random_address(superadmin, domain):
    alias = services.create_alias(
        acting_user=superadmin, random_address=True, domain="test.com", recipients=["a@b.com"]
    )
    local, _at, name = alias.address.partition("@")
    assert name == "test.com" and len(local) == 20 and int(local, 16) >= 0
    with pytest.raises(BadRequest) as exc:
        services.create_alias(acting_user=superadmin, random_address=True, recipients=["a@b.com"])
    assert exc.value.field == "domain"


def test_expiry(superadmin, domain):
    past = timezone.now() - datetime.timedelta(days=1)
    alias = services.create_alias(
        acting_user=superadmin, address="old@test.com", recipients=["a@b.com"], expire_at=past
    )
    assert map_lookup("old@test.com") == []
    services.update_alias(alias, acting_user=superadmin, expire_at="2999-01-01T00:00:00")
    alias.refresh_from_db()
    assert alias.expire_at.year == 2999 and timezone.is_aware(alias.expire_at)
    assert map_lookup("old@test.com") == ["a@b.com"]
    services.update_alias(alias, acting_user=superadmin, expire_at=None)
    alias.refresh_from_db()
    assert alias.expire_at is None
    with pytest.raises(BadRequest) as exc:
        services.update_alias(alias, acting_user=superadmin, expire_at="next tuesday")
    assert exc.value.field == "expire_at"


def test_internal_aliases_are_not_for_administrators(superadmin, simple_user):
    internal = Alias.objects.get(address="user@test.com", internal=True)
    with pytest.raises(PermDeniedException):
        services.update_alias(internal, acting_user=superadmin, enabled=False)
    with pytest.raises(PermDeniedException):
        services.delete_alias(internal, acting_user=superadmin)


def test_deleting_an_alias(superadmin, domain, simple_user):
    target = services.create_alias(
        acting_user=superadmin, address="target@test.com", recipients=["a@b.com"]
    )
    only_target = services.create_alias(
        acting_user=superadmin, address="only@test.com", recipients=["target@test.com"]
    )
    mixed = services.create_alias(
        acting_user=superadmin,
        address="mixed@test.com",
        recipients=["target@test.com", "user@test.com"],
    )
    services.delete_alias(target, acting_user=superadmin)
    assert not Alias.objects.filter(pk__in=[target.pk, only_target.pk]).exists()
    assert recipients_of(mixed) == [("user@test.com", simple_user.mailbox.pk, None)]
    assert not access.object_access_rows_for_object(target).exists()
    messages = list(Log.objects.values_list("message", flat=True))
    assert "Alias 'target@test.com' deleted by user admin" in messages
    assert "Alias 'only@test.com' deleted by user admin" in messages


def test_deleting_several_aliases_is_all_or_nothing(
    superadmin, domain, other_domain, domain_admin, unchanged
):
    mine = services.create_alias(
        acting_user=superadmin, address="a@test.com", recipients=["x@y.com"]
    )
    theirs = services.create_alias(
        acting_user=superadmin, address="a@test2.com", recipients=["x@y.com"]
    )
    with unchanged(), pytest.raises(PermDeniedException):
        services.delete_aliases([mine.pk, theirs.pk], acting_user=domain_admin)
    with unchanged(), pytest.raises(NotFound):
        services.delete_aliases([mine.pk, 999999], acting_user=superadmin)
    with unchanged(), pytest.raises(BadRequest):
        services.delete_aliases(["1; DROP TABLE admin_alias"], acting_user=superadmin)
    assert services.delete_aliases([mine.pk], acting_user=domain_admin) == 1


class TestDomainAliases:
    def test_a_domain_alias_has_an_internal_alias_to_its_target(self, superadmin, domain):
        services.create_domain_alias(acting_user=superadmin, name="alias.com", target=domain)
        internal = Alias.objects.get(address="@alias.com")
        assert internal.internal and internal.domain is None
        assert recipients_of(internal) == [("@test.com", None, None)]
        assert map_lookup("@alias.com") == ["@test.com"]

    def test_target_by_name_or_pk(self, superadmin, domain):
        first = services.create_domain_alias(
            acting_user=superadmin, name="a.com", target="test.com"
        )
        second = services.create_domain_alias(
            acting_user=superadmin, name="b.com", target=domain.pk
        )
        assert first.target == second.target == domain
        with pytest.raises(NotFound) as exc:
            services.create_domain_alias(acting_user=superadmin, name="c.com", target=99999)
        assert exc.value.field == "target"

    def test_rename_retarget_disable_and_delete(self, superadmin, domain, other_domain):
        domain_alias = services.create_domain_alias(
            acting_user=superadmin, name="alias.com", target=domain
        )
        services.update_domain_alias(
            domain_alias, acting_user=superadmin, name="renamed.com", target=other_domain
        )
        assert not Alias.objects.filter(address="@alias.com").exists()
        internal = Alias.objects.get(address="@renamed.com")
        assert recipients_of(internal) == [("@test2.com", None, None)]
        services.update_domain_alias(domain_alias, acting_user=superadmin, enabled=False)
        assert map_lookup("@renamed.com") == []
        services.delete_domain_alias(domain_alias, acting_user=superadmin)
        assert not Alias.objects.filter(address="@renamed.com").exists()
        assert not DomainAlias.objects.exists()

    def test_names_clash_with_domains_and_domain_aliases(self, superadmin, domain, other_domain):
        services.create_domain_alias(acting_user=superadmin, name="alias.com", target=domain)
        for name in ("alias.com", "test2.com"):
            with pytest.raises(Conflict) as exc:
                services.create_domain_alias(acting_user=superadmin, name=name, target=domain)
            assert exc.value.field == "name"
        with pytest.raises(Conflict):
            services.create_domain(acting_user=superadmin, name="alias.com")

    def test_the_target_must_be_reachable(self, reseller, domain):
        with pytest.raises(PermDeniedException):
            services.create_domain_alias(acting_user=reseller, name="a.com", target=domain)


class TestForward:
    def test_forward_without_local_copies(self, simple_user):
        mailbox = simple_user.mailbox
        services.set_forward(mailbox, ["a@gmail.com"], False, acting_user=simple_user)
        assert services.get_forward(mailbox) == (["a@gmail.com"], False)
        forward = Alias.objects.get(address="user@test.com", internal=False)
        assert recipients_of(forward) == [("a@gmail.com", None, None)]
        # Postfix gets the forward only: no local copy.
        assert map_lookup("user@test.com") == ["a@gmail.com"]

    def test_forward_with_local_copies(self, simple_user):
        mailbox = simple_user.mailbox
        services.set_forward(
            mailbox, ["a@gmail.com", "b@gmail.com"], True, acting_user=simple_user
        )
        assert services.get_forward(mailbox) == (["a@gmail.com", "b@gmail.com"], True)
        assert map_lookup("user@test.com") == [
            "a@gmail.com",
            "b@gmail.com",
            "user@test.com",
            "user@test.com",
        ]

    def test_an_empty_forward_is_removed_and_local_delivery_restored(self, simple_user):
        mailbox = simple_user.mailbox
        services.set_forward(mailbox, ["a@gmail.com"], False, acting_user=simple_user)
        services.set_forward(mailbox, [], False, acting_user=simple_user)
        assert services.get_forward(mailbox) == ([], False)
        assert not Alias.objects.filter(address="user@test.com", internal=False).exists()
        assert map_lookup("user@test.com") == ["user@test.com"]

    def test_switching_local_copies_on_and_off(self, simple_user):
        mailbox = simple_user.mailbox
        services.set_forward(mailbox, ["a@gmail.com"], False, acting_user=simple_user)
        services.set_forward(mailbox, ["a@gmail.com"], True, acting_user=simple_user)
        assert "user@test.com" in map_lookup("user@test.com")
        services.set_forward(mailbox, ["a@gmail.com"], False, acting_user=simple_user)
        assert map_lookup("user@test.com") == ["a@gmail.com"]

    def test_the_forward_follows_a_mailbox_rename(self, simple_user, superadmin):
        services.set_forward(simple_user.mailbox, ["a@gmail.com"], False, acting_user=simple_user)
        services.rename_mailbox(simple_user.mailbox, "new@test.com", acting_user=superadmin)
        assert map_lookup("new@test.com") == ["a@gmail.com"]
        assert map_lookup("user@test.com") == []

    def test_only_the_owner_and_its_administrators_set_the_forward(
        self, simple_user, domain_admin, superadmin
    ):
        other = services.create_account(
            acting_user=superadmin, username="other@test.com", password=PASSWORD
        )
        with pytest.raises(PermDeniedException):
            services.set_forward(simple_user.mailbox, ["a@gmail.com"], acting_user=other)
        services.set_forward(simple_user.mailbox, ["a@gmail.com"], acting_user=domain_admin)

    def test_a_forward_to_a_missing_local_address_is_refused(self, simple_user, unchanged):
        with unchanged(), pytest.raises(NotFound):
            services.set_forward(simple_user.mailbox, ["ghost@test.com"], acting_user=simple_user)
