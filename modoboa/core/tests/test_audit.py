"""The audit trail: one ``core_log`` line and one reversion revision per
administrative change, in the same transaction (inventory section 12.6)."""

import pytest
from reversion.models import Revision, Version

from modoboa.admin import services
from modoboa.admin.models import Alias, Domain, DomainAlias
from modoboa.core.models import Log, User
from modoboa.lib.exceptions import BadRequest
from modoboa.transport.models import Transport

pytestmark = pytest.mark.django_db

PASSWORD = "Toto1234!"


def log_lines():
    return list(Log.objects.order_by("pk").values_list("level", "logger", "message"))


def versions_of(obj):
    return Version.objects.get_for_object(obj)


def test_creation_modification_and_deletion_lines(superadmin):
    Log.objects.all().delete()
    domain = services.create_domain(acting_user=superadmin, name="audit.com")
    services.update_domain(domain, acting_user=superadmin, enabled=False)
    domain_alias = services.create_domain_alias(
        acting_user=superadmin, name="audit.org", target=domain
    )
    services.delete_domain_alias(domain_alias, acting_user=superadmin)
    services.delete_domain(Domain.objects.get(pk=domain.pk), acting_user=None)
    assert log_lines() == [
        ("INFO", "modoboa.admin", "Domain 'audit.com' added by user admin"),
        ("WARNING", "modoboa.admin", "Domain 'audit.com' modified by user admin"),
        ("INFO", "modoboa.admin", "Domain alias 'audit.org' added by user admin"),
        ("CRITICAL", "modoboa.admin", "Domain alias 'audit.org' deleted by user admin"),
        ("CRITICAL", "modoboa.admin", "Domain 'audit.com' deleted by management command"),
    ]


def test_account_lines(superadmin, domain):
    Log.objects.all().delete()
    account = services.create_account(
        acting_user=superadmin, username="a@test.com", password=PASSWORD
    )
    services.create_alias(acting_user=superadmin, address="x@test.com", recipients=["a@test.com"])
    assert log_lines() == [
        ("INFO", "modoboa.admin", "Mailbox 'a@test.com' added by user admin"),
        ("INFO", "modoboa.admin", "User 'a@test.com' added by user admin"),
        ("INFO", "modoboa.admin", "Alias 'x@test.com' added by user admin"),
    ]
    assert account.pk


def test_each_change_is_a_revision_attributed_to_the_acting_user(superadmin, domain):
    account = services.create_account(
        acting_user=superadmin, username="a@test.com", password=PASSWORD
    )
    alias = services.create_alias(
        acting_user=superadmin, address="x@test.com", recipients=["a@test.com"]
    )
    services.update_alias(alias, acting_user=superadmin, description="changed")
    services.update_domain(domain, acting_user=superadmin, quota=60)
    for obj, count in ((account, 1), (account.mailbox, 1), (alias, 2), (domain, 2)):
        versions = versions_of(obj)
        assert versions.count() == count, obj
        assert {v.revision.user for v in versions} == {superadmin}
    latest = versions_of(alias).first()
    assert latest.field_dict["description"] == "changed"
    # The password hash never reaches the audit trail.
    assert "password" not in versions_of(account).first().field_dict


def test_a_command_makes_revisions_without_user(db):
    domain = services.create_domain(acting_user=None, name="cmd.com")
    assert versions_of(domain).get().revision.user is None


def test_relay_transports_are_versioned_with_their_domain(superadmin):
    services.create_domain(
        acting_user=superadmin,
        name="relay.com",
        type="relaydomain",
        transport={"service": "relay", "settings": {"relay_target_host": "mx.relay.com"}},
    )
    transport = Transport.objects.get()
    domain = Domain.objects.get(name="relay.com")
    assert versions_of(transport).get().revision == versions_of(domain).get().revision


def test_a_failing_action_leaves_neither_line_nor_revision(superadmin, unchanged):
    before = (Log.objects.count(), Revision.objects.count())
    with unchanged(), pytest.raises(BadRequest):
        # The domain is saved, logged and versioned before the domain
        # administrator's name is refused: everything must go.
        services.create_domain(
            acting_user=superadmin,
            name="half.com",
            aliases=["half.org"],
            domain_admin={"username": "bad@name"},
        )
    assert (Log.objects.count(), Revision.objects.count()) == before
    assert not Domain.objects.filter(name="half.com").exists()
    assert not DomainAlias.objects.exists()


def test_a_failing_account_creation_leaves_nothing(superadmin, domain, unchanged):
    with unchanged(), pytest.raises(BadRequest):
        services.create_account(
            acting_user=superadmin,
            username="a@test.com",
            password=PASSWORD,
            aliases=["ok@test.com", "not an address"],
        )
    assert not User.objects.filter(username="a@test.com").exists()
    assert not Alias.objects.filter(address="ok@test.com").exists()


def test_limit_and_sender_address_changes_are_logged(superadmin, reseller, domain, simple_user):
    from modoboa.limits import services as limits_services

    Log.objects.all().delete()
    limits_services.set_user_limit(reseller, "domains", 3, acting_user=superadmin)
    limits_services.set_domain_limit(domain, "mailboxes", 7, acting_user=None)
    services.set_sender_addresses(
        simple_user.mailbox, ["a@gmail.com", "b@gmail.com"], acting_user=superadmin
    )
    assert [line[2] for line in log_lines()] == [
        "Limit domains of account reseller set to 3 by user admin",
        "Limit mailboxes of domain test.com set to 7 by management command",
        "Sender addresses of mailbox user@test.com set to [a@gmail.com, b@gmail.com] "
        "by user admin",
    ]
