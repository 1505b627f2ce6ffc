"""Creating a simple user with a mailbox through the API: a fixed, small
number of queries, and still everything it must write (the account, its
group, access rows, mailbox, quota row, self-alias, log lines and one
revision with each object in its final state).
"""

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from reversion.models import Version

from modoboa.admin.models import Alias, Mailbox, Quota
from modoboa.core.models import Log, ObjectAccess, User

PASSWORD = "Toto1234!"


def create(client, username):
    return client.post(
        "/api/v1/accounts/",
        {
            "username": username,
            "password": PASSWORD,
            "role": "SimpleUsers",
            "mailbox": {"full_address": username, "quota": 1},
        },
        format="json",
    )


@pytest.mark.django_db
def test_creating_an_account_with_a_mailbox_writes_everything_in_few_queries(
    api, superadmin, domain, django_assert_max_num_queries
):
    client = api(superadmin)
    assert create(client, "first@test.com").status_code == 201  # caches warmed up

    # Upstream 1.10 takes about 85 queries.
    with django_assert_max_num_queries(45):
        response = create(client, "bob@test.com")

    assert response.status_code == 201, response.body
    account = User.objects.get(username="bob@test.com")
    mailbox = Mailbox.objects.get(user=account)
    assert account.email == "bob@test.com" and account.role == "SimpleUsers"
    assert (mailbox.full_address, mailbox.quota) == ("bob@test.com", 1)
    assert Quota.objects.filter(username="bob@test.com", bytes=0, messages=0).exists()
    self_alias = Alias.objects.get(address="bob@test.com", internal=True)
    assert self_alias.enabled
    assert [r.r_mailbox_id for r in self_alias.aliasrecipient_set.all()] == [mailbox.pk]
    for obj in (account, mailbox):
        assert ObjectAccess.objects.filter(
            user=superadmin,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=obj.pk,
            is_owner=True,
        ).exists()
    messages = set(Log.objects.values_list("message", flat=True))
    assert "User 'bob@test.com' added by user admin" in messages
    assert "Mailbox 'bob@test.com' added by user admin" in messages

    # One revision, by the superadmin, with the account as it ended up
    # (its email and group were written after its first save).
    version = Version.objects.get_for_object(account).get()
    assert version.revision.user == superadmin
    fields = json.loads(version.serialized_data)[0]["fields"]
    assert fields["email"] == "bob@test.com"
    assert fields["groups"] == [account.groups.get().pk]
    in_revision = {(v.content_type.model, v.object_id) for v in version.revision.version_set.all()}
    assert in_revision == {
        ("user", str(account.pk)),
        ("mailbox", str(mailbox.pk)),
        ("alias", str(self_alias.pk)),
    }
