"""The batch paths of the imports write, row for row, what the regular
service functions write: the same columns, access rows, reversion versions
and log lines (they insert them with ``bulk_sql.insert_rows``, without a
model instance per row).
"""

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.forms.models import model_to_dict
from reversion.models import Version

from modoboa.admin import services
from modoboa.admin.models import Alias, AliasRecipient, Mailbox, Quota
from modoboa.admin.services import bulk, bulk_aliases
from modoboa.core.models import Log, ObjectAccess, User


def _refuse(index):
    raise AssertionError("row %d left the batch path" % index)


def _row(obj, *ignored):
    values = model_to_dict(obj)
    for name in ("id", *ignored):
        values.pop(name, None)
    return values


def _version(obj, *ignored):
    version = Version.objects.get_for_object(obj).get()
    (item,) = json.loads(version.serialized_data)
    assert item["pk"] == obj.pk
    assert version.object_repr == str(obj)
    assert version.db == "default"
    fields = dict(item["fields"])
    for name in ignored:
        fields.pop(name, None)
    return version.format, version.revision.user, fields


def _owner_rows(obj):
    return list(
        ObjectAccess.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
        ).values_list("user__username", "is_owner")
    )


@pytest.mark.parametrize("quota", [None, 7])
def test_batched_accounts_are_what_create_account_makes(superadmin, domain, quota):
    services.create_account(
        acting_user=superadmin,
        username="one@test.com",
        password_hash="{PLAIN}Secret1234",
        first_name="Ann",
        last_name="Lee",
        is_active=False,
        mailbox={"address": "one@test.com", "quota": quota},
    )
    outcomes = bulk.create_simple_accounts(
        [
            bulk.AccountSpec(
                username="Two@test.com",
                password_hash="{PLAIN}Secret1234",
                first_name="Ann",
                last_name="Lee",
                is_active=False,
                email="two@test.com",
                quota=quota,
            )
        ],
        acting_user=superadmin,
        fallback=_refuse,
    )
    assert outcomes == [None]
    one, two = User.objects.get(username="one@test.com"), User.objects.get(username="two@test.com")
    assert two.email == "two@test.com" and two.mailbox.full_address == "two@test.com"
    varying = ("username", "email", "date_joined", "last_login")
    assert _row(two, *varying) == _row(one, *varying)
    assert list(two.groups.values_list("name", flat=True)) == ["SimpleUsers"]
    assert _version(two, *varying) == _version(one, *varying)
    boxes = [Mailbox.objects.get(user=account) for account in (one, two)]
    varying = ("address", "user", "creation", "last_modification")
    assert _row(boxes[1], *varying) == _row(boxes[0], *varying)
    assert _version(boxes[1], *varying) == _version(boxes[0], *varying)
    for first, second in ((one, two), tuple(boxes)):
        assert _owner_rows(second) == _owner_rows(first) == [("admin", True)]
    aliases = [
        Alias.objects.get(address=a, internal=True) for a in ("one@test.com", "two@test.com")
    ]
    varying = ("address", "creation", "last_modification")
    assert _row(aliases[1], *varying) == _row(aliases[0], *varying)
    recipients = [AliasRecipient.objects.get(alias=alias) for alias in aliases]
    assert [(r.r_mailbox, r.address, r.r_alias) for r in recipients] == [
        (boxes[0], "one@test.com", None),
        (boxes[1], "two@test.com", None),
    ]
    assert _row(Quota.objects.get(username="two@test.com"), "username") == {
        "bytes": 0,
        "messages": 0,
    }
    for label in ("User", "Mailbox"):
        for address in ("one@test.com", "two@test.com"):
            assert Log.objects.filter(
                message="%s '%s' added by user admin" % (label, address), level="INFO"
            ).exists()


def test_batched_aliases_are_what_create_alias_makes(superadmin, domain, simple_user):
    services.create_alias(
        acting_user=superadmin,
        address="one@test.com",
        recipients=["user@test.com", "ext@elsewhere.example"],
        enabled=False,
    )
    outcomes = bulk_aliases.create_aliases(
        [
            bulk_aliases.AliasSpec(
                "two@test.com", ["user@test.com", "ext@elsewhere.example"], False
            )
        ],
        acting_user=superadmin,
        fallback=_refuse,
    )
    assert outcomes == [None]
    one, two = (Alias.objects.get(address=a) for a in ("one@test.com", "two@test.com"))
    varying = ("address", "creation", "last_modification")
    assert _row(two, *varying) == _row(one, *varying)
    assert _version(two, *varying) == _version(one, *varying)
    assert _owner_rows(two) == _owner_rows(one) == [("admin", True)]

    def recipients(alias):
        return sorted(alias.aliasrecipient_set.values_list("address", "r_mailbox", "r_alias"))

    assert recipients(two) == recipients(one)
    assert Log.objects.filter(message="Alias 'two@test.com' added by user admin").exists()
