"""Access checks are set-based SQL filters: listing and creating cost the
same number of queries whatever the number of superusers and objects.

Upstream 1.10 wrote one ``core_objectaccess`` row per object for the
creator and for every superuser, so its costs grew with both.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from modoboa.admin import factories, services
from modoboa.admin.models import Alias, Domain, DomainAlias, Mailbox
from modoboa.core import constants
from modoboa.core import factories as core_factories
from modoboa.core.models import ObjectAccess, User

pytestmark = pytest.mark.django_db

PASSWORD = "Toto1234!"


def count_queries(func):
    with CaptureQueriesContext(connection) as context:
        func()
    return len(context.captured_queries)


def fresh(user):
    """The same account without cached role and permissions."""
    return User.objects.get(pk=user.pk)


def grow(superadmin, reseller, reseller_domain, domain, *, superusers, objects):
    """Add superusers, and objects in every domain and of every kind."""
    for _i in range(superusers):
        core_factories.SuperAdminFactory(acting_user=superadmin)
    for _i in range(objects):
        factories.MailboxAccountFactory(acting_user=superadmin, domain="test.com")
        factories.MailboxAccountFactory(acting_user=reseller, domain="reseller.com")
        factories.AliasFactory(acting_user=superadmin, domain_name="test.com")
        factories.AliasFactory(acting_user=reseller, domain_name="reseller.com")
        factories.DomainAliasFactory(acting_user=reseller, target=reseller_domain)
        factories.DomainAliasFactory(acting_user=superadmin, target=domain)
        factories.DomainFactory(acting_user=superadmin)


@pytest.fixture
def world(superadmin, reseller, set_limits, make_domain, domain, domain_admin):
    set_limits(
        reseller,
        domains=-1,
        domain_aliases=-1,
        mailboxes=-1,
        mailbox_aliases=-1,
        quota=0,
    )
    set_limits(domain_admin, mailboxes=-1, mailbox_aliases=-1)
    reseller_domain = make_domain("reseller.com", acting_user=reseller)
    domain = services.update_domain(
        domain, acting_user=superadmin, quota=0, default_mailbox_quota=0
    )
    return superadmin, reseller, reseller_domain, domain, domain_admin


LISTED = [Domain, DomainAlias, Mailbox, Alias, User]


def list_costs(users):
    costs = {}
    for user in users:
        for model in LISTED:
            viewer = fresh(user)
            costs[(user.username, model.__name__)] = count_queries(
                lambda m=model, v=viewer: list(m.objects.get_for_admin(v))
            )
    return costs


def test_listing_costs_the_same_with_1_or_20_superusers_and_1_or_50_objects(world):
    superadmin, reseller, reseller_domain, domain, domain_admin = world
    viewers = [superadmin, reseller, domain_admin]
    grow(superadmin, reseller, reseller_domain, domain, superusers=0, objects=1)
    small = list_costs(viewers)
    grow(superadmin, reseller, reseller_domain, domain, superusers=19, objects=49)
    assert User.objects.filter(is_superuser=True).count() == 20
    assert Mailbox.objects.get_for_admin(fresh(domain_admin)).count() == 51
    assert Alias.objects.filter(internal=False).get_for_admin(fresh(reseller)).count() == 50
    large = list_costs(viewers)
    assert large == small
    # One query for the rows, plus one for the viewer's role.
    assert max(large.values()) <= 2


def test_superusers_need_no_access_rows(world):
    superadmin, reseller, reseller_domain, domain, _domain_admin = world
    before = ObjectAccess.objects.count()
    grow(superadmin, reseller, reseller_domain, domain, superusers=10, objects=0)
    # Each new superuser: the owner row its creator gets on it, nothing else.
    assert ObjectAccess.objects.count() == before + 10


def creation_costs(superadmin, reseller, domain_admin, reseller_domain, tag):
    costs = {}
    costs["domain"] = count_queries(
        lambda: services.create_domain(acting_user=fresh(reseller), name="new-%s.com" % tag)
    )
    costs["domain alias"] = count_queries(
        lambda: services.create_domain_alias(
            acting_user=fresh(reseller), name="alias-%s.com" % tag, target=reseller_domain
        )
    )
    costs["account"] = count_queries(
        lambda: services.create_account(
            acting_user=fresh(domain_admin),
            username="new-%s@test.com" % tag,
            password=PASSWORD,
            validate_password=False,
        )
    )
    costs["alias"] = count_queries(
        lambda: services.create_alias(
            acting_user=fresh(domain_admin),
            address="new-%s@test.com" % tag.replace("x", "y"),
            recipients=["new-%s@test.com" % tag],
        )
    )
    costs["domain admin"] = count_queries(
        lambda: services.create_account(
            acting_user=fresh(superadmin),
            username="admin-%s" % tag,
            password=PASSWORD,
            role=constants.DOMAINADMINS,
            domains=["test.com"],
            validate_password=False,
        )
    )
    return costs


def test_creating_costs_the_same_with_1_or_20_superusers_and_1_or_50_objects(world):
    superadmin, reseller, reseller_domain, domain, domain_admin = world
    grow(superadmin, reseller, reseller_domain, domain, superusers=0, objects=1)
    small = creation_costs(superadmin, reseller, domain_admin, reseller_domain, "x1")
    grow(superadmin, reseller, reseller_domain, domain, superusers=19, objects=49)
    large = creation_costs(superadmin, reseller, domain_admin, reseller_domain, "x2")
    assert large == small
