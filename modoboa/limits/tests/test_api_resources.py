"""The resources/{pk}/ endpoint: administrators' limits, allocated from the
reseller's pool.
"""

import pytest

from modoboa.core import constants
from modoboa.limits.models import UserObjectLimit

PASSWORD = "Toto1234!"


@pytest.fixture
def reseller_admin(make_account, reseller):
    """A domain administrator created by the reseller (limits start at 0)."""
    return make_account(
        "radmin", acting_user=reseller, role=constants.DOMAINADMINS, password=PASSWORD
    )


def limit(account, name):
    return UserObjectLimit.objects.get(user=account, name=name).max_value


def test_superadmin_reads_and_sets_resources(api, superadmin, domain_admin):
    client = api(superadmin)
    url = "/api/v1/resources/%d/" % domain_admin.pk
    response = client.get(url)
    assert response.status_code == 200
    assert response.body["mailboxes"] == 5
    assert set(response.body) == {
        "domains",
        "domain_aliases",
        "mailboxes",
        "mailbox_aliases",
        "domain_admins",
        "quota",
    }
    response = client.put(url, {"mailboxes": -1, "mailbox_aliases": 20}, format="json")
    assert response.status_code == 200, response.body
    assert (response.body["mailboxes"], response.body["mailbox_aliases"]) == (-1, 20)
    assert limit(domain_admin, "mailboxes") == -1


def test_reseller_allocates_from_its_pool(api, reseller, reseller_admin):
    client = api(reseller)
    url = "/api/v1/resources/%d/" % reseller_admin.pk
    response = client.patch(url, {"mailboxes": 4}, format="json")
    assert response.status_code == 200, response.body
    assert limit(reseller_admin, "mailboxes") == 4
    assert limit(reseller, "mailboxes") == 6
    # Giving less back returns the difference to the pool.
    client.patch(url, {"mailboxes": 1}, format="json")
    assert limit(reseller, "mailboxes") == 9


def test_allocation_beyond_the_pool_is_424_and_changes_nothing(
    api, reseller, reseller_admin, unchanged
):
    client = api(reseller)
    url = "/api/v1/resources/%d/" % reseller_admin.pk
    with unchanged():
        response = client.put(url, {"mailbox_aliases": 1, "mailboxes": 11}, format="json")
    assert response.status_code == 424
    assert "mailboxes" in response.body
    with unchanged():
        response = client.patch(url, {"mailboxes": -1}, format="json")
    assert response.status_code == 424


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"mailboxes": -2}, "mailboxes"),
        ({"quota": -1}, "quota"),
        ({"domains": "many"}, "domains"),
        ({"domain_admins": 10**12}, "domain_admins"),
    ],
)
def test_bad_limit_values_are_400(api, superadmin, domain_admin, unchanged, payload, field):
    client = api(superadmin)
    with unchanged():
        response = client.patch("/api/v1/resources/%d/" % domain_admin.pk, payload, format="json")
    assert response.status_code == 400
    assert field in response.body


def test_only_administrators_have_resources(api, superadmin, reseller, simple_user):
    client = api(superadmin)
    assert client.get("/api/v1/resources/%d/" % simple_user.pk).status_code == 404
    assert client.get("/api/v1/resources/%d/" % superadmin.pk).status_code == 404
    # Nobody edits its own resources.
    assert api(reseller).get("/api/v1/resources/%d/" % reseller.pk).status_code == 404
    assert client.get("/api/v1/resources/").status_code == 404
