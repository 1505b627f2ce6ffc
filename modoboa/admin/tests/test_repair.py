"""``modo repair``."""

import io

from django.core.management import call_command

from modoboa.admin import repair
from modoboa.admin.models import Alias, AliasRecipient, Quota
from modoboa.core import access
from modoboa.core.models import ObjectAccess, User


def run(*args):
    out = io.StringIO()
    call_command("modo", "repair", *args, stdout=out)
    return out.getvalue()


def test_clean_database_has_no_problem(domain_admin, simple_user):
    assert run() == "No problem found\n"


def test_objects_without_owner_get_one(domain_admin, simple_user, superadmin, domain):
    ObjectAccess.objects.filter(is_owner=True).exclude(user=superadmin).delete()
    ObjectAccess.objects.filter(is_owner=True, object_id=simple_user.pk).delete()
    mailbox = simple_user.mailbox
    ObjectAccess.objects.filter(is_owner=True, object_id=mailbox.pk).delete()
    ObjectAccess.objects.filter(is_owner=True, object_id=domain.pk).delete()
    out = run("--dry-run")
    assert "account user@test.com has no owner" in out
    assert "mailbox user@test.com has no owner" in out
    assert "domain test.com has no owner" in out
    assert access.get_owner(simple_user) is None
    out = run()
    assert "Objects without owner:" in out and "fixed" in out
    assert access.get_owner(simple_user) == superadmin
    # The domain and its mailboxes go to the domain's administrator.
    assert access.get_owner(domain) == domain_admin
    assert access.get_owner(mailbox) == domain_admin
    assert run() == "No problem found\n"


def test_mailbox_self_alias_is_recreated(simple_user):
    address = simple_user.mailbox.full_address
    Alias.objects.filter(address=address, internal=True).delete()
    out = run()
    assert "mailbox user@test.com has no internal alias" in out
    alias = Alias.objects.get(address=address, internal=True)
    assert alias.aliasrecipient_set.get().r_mailbox == simple_user.mailbox
    assert alias.enabled


def test_self_alias_without_recipient_is_repaired_not_deleted(simple_user):
    address = simple_user.mailbox.full_address
    AliasRecipient.objects.filter(alias__address=address, alias__internal=True).delete()
    run()
    alias = Alias.objects.get(address=address, internal=True)
    assert alias.aliasrecipient_set.get().r_mailbox == simple_user.mailbox


def test_quota_rows_and_emails_are_restored(simple_user):
    Quota.objects.all().delete()
    User.objects.filter(pk=simple_user.pk).update(email="")
    run()
    assert Quota.objects.filter(username="user@test.com").exists()
    assert User.objects.get(pk=simple_user.pk).email == "user@test.com"


def test_domain_alias_internal_alias_is_restored(superadmin, domain):
    from modoboa.admin import services

    services.create_domain_alias(acting_user=superadmin, name="alias.org", target=domain)
    Alias.objects.filter(address="@alias.org").delete()
    run()
    alias = Alias.objects.get(address="@alias.org", internal=True)
    assert [r.address for r in alias.aliasrecipient_set.all()] == ["@test.com"]


def test_stale_access_rows_and_empty_internal_aliases_go(simple_user, superadmin):
    ObjectAccess.objects.create(
        user=superadmin, content_type=ObjectAccess.objects.first().content_type, object_id=99999
    )
    Alias.objects.create(address="ghost@test.com", internal=True)
    out = run()
    assert "on deleted" in out and "ghost@test.com" in out
    assert not ObjectAccess.objects.filter(object_id=99999).exists()
    assert not Alias.objects.filter(address="ghost@test.com").exists()


def test_dry_run_changes_nothing(simple_user, unchanged):
    Quota.objects.all().delete()
    with unchanged():
        out = run("--dry-run")
    assert "1 found" in out


def test_quiet_prints_nothing(simple_user):
    Quota.objects.all().delete()
    assert run("--quiet") == ""
    assert Quota.objects.exists()


def test_extensions_register_problems(db):
    class Custom(repair.KnownProblem):
        name = "custom"
        description = "Custom"
        found = ["x"]
        fixed = []

        def find(self):
            return [o for o in self.found if o not in self.fixed]

        def fix(self, occurrences):
            self.fixed.extend(occurrences)

    outcomes = repair.run(problems=[Custom()])
    assert outcomes[0].fixed and Custom.fixed == ["x"]
    assert repair.run(problems=[Custom()])[0].occurrences == []
