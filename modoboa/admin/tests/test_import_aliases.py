"""Alias rows of a CSV import are created in batches (issue 14): a fixed
number of queries whatever the number of lines, and the same rules and
per-line errors as ``create_alias``.
"""

import pytest

from modoboa.admin import csv_import, services
from modoboa.admin.models import Alias, AliasRecipient
from modoboa.core import access
from modoboa.core.models import Log


def _lines(count, start=0, recipient="user@test.com"):
    return "".join(
        "alias; a%d@test.com; true; %s\n" % (i, recipient) for i in range(start, start + count)
    )


@pytest.fixture
def unlimited_admin(domain_admin, set_limits, simple_user):
    set_limits(domain_admin, mailbox_aliases=-1)
    return domain_admin


def test_the_query_count_does_not_grow_with_the_lines(
    unlimited_admin, django_assert_max_num_queries
):
    with django_assert_max_num_queries(40):
        result = csv_import.import_csv(_lines(40), acting_user=unlimited_admin)
    assert (result.created, result.failed) == (40, 0)
    with django_assert_max_num_queries(40):
        result = csv_import.import_csv(_lines(400, start=40), acting_user=unlimited_admin)
    assert (result.created, result.failed) == (400, 0)
    assert Alias.objects.filter(internal=False, address__startswith="a").count() == 440


def test_batched_aliases_are_what_create_alias_makes(unlimited_admin, superadmin):
    from reversion.models import Version

    result = csv_import.import_csv(
        "alias; team@test.com; true; user@test.com; Friend@Elsewhere.example\n"
        "alias; off@test.com; no; admin@test.com\n",
        acting_user=unlimited_admin,
    )
    assert result.created == 2
    team = Alias.objects.get(address="team@test.com")
    assert team.enabled and team.domain.name == "test.com" and not team.internal
    recipients = {r.address: r.r_mailbox for r in team.aliasrecipient_set.all()}
    assert recipients["user@test.com"].full_address == "user@test.com"
    assert recipients["friend@elsewhere.example"] is None
    assert not Alias.objects.get(address="off@test.com").enabled
    assert access.get_owner(team) == unlimited_admin
    assert superadmin.can_access(team)
    assert Log.objects.filter(message="Alias 'team@test.com' added by user admin@test.com")
    version = Version.objects.get_for_object(team).get()
    assert version.revision.user == unlimited_admin
    # The generated maps see them like any alias.
    assert AliasRecipient.objects.filter(alias__address="team@test.com").count() == 2


def test_each_refused_line_gets_its_error(unlimited_admin, superadmin, other_domain):
    services.update_account(superadmin, acting_user=superadmin, secondary_email="root@test.com")
    services.create_alias(
        acting_user=unlimited_admin, address="old@test.com", recipients=["user@test.com"]
    )
    content = (
        "alias; ok1@test.com; true; user@test.com\n"
        "alias; x@test2.com; true; user@test.com\n"
        "alias; root@test.com; true; user@test.com\n"
        "alias; old@test.com; true; user@test.com\n"
        "alias; ok2@test.com; true; nobody@test.com\n"
        "alias; dup@test.com; true; user@test.com\n"
        "alias; dup@test.com; true; admin@test.com\n"
        "alias; self@test.com; true; self@test.com\n"
        "alias; ok3@test.com; true; ok1@test.com\n"
        "forward; user@test.com; true; away@elsewhere.example\n"
    )
    result = csv_import.import_csv(content, acting_user=unlimited_admin, continue_if_exists=True)
    errors = {e.line: (e.field, e.message) for e in result.errors}
    assert sorted(errors) == [2, 3, 5]
    assert errors[2][0] == "address" and "test2.com" in errors[2][1]
    assert errors[3][0] == "address" and "cannot administer" in errors[3][1]
    assert errors[5][0] == "recipients" and "nobody@test.com" in errors[5][1]
    # The existing alias, the second dup and the alias pointing to itself
    # are conflicts: skipped, as create_alias has them.
    assert (result.created, result.skipped, result.failed) == (4, 3, 3)
    assert Alias.objects.get(address="dup@test.com").recipients == ["user@test.com"]
    ok3 = Alias.objects.get(address="ok3@test.com").aliasrecipient_set.get()
    assert ok3.r_alias.address == "ok1@test.com"
    forward = Alias.objects.get(address="user@test.com", internal=False)
    assert forward.recipients == ["away@elsewhere.example"]
    # The forward has no local copy: the mailbox's own alias is off.
    assert not Alias.objects.get(address="user@test.com", internal=True).enabled
    for address in ("x@test2.com", "root@test.com", "ok2@test.com", "self@test.com"):
        assert not Alias.objects.filter(address=address).exists()


def test_the_alias_limit_is_applied_line_by_line(domain_admin, simple_user):
    # The fixture allows the domain administrator 5 aliases.
    result = csv_import.import_csv(_lines(7), acting_user=domain_admin, continue_if_exists=True)
    assert result.created == 5
    assert [e.line for e in result.errors] == [6, 7]
    assert all("limit" in e.message.lower() for e in result.errors)


def test_a_refused_line_rolls_the_batch_back(unlimited_admin):
    result = csv_import.import_csv(
        _lines(10) + "alias; z@test.com; true; nobody@test.com\n", acting_user=unlimited_admin
    )
    assert result.rolled_back and [e.line for e in result.errors] == [11]
    assert not Alias.objects.filter(internal=False).exists()
