"""Per-administrator and per-domain limits, reseller pools, allocation and
return of resources (inventory section 4)."""

import pytest

from modoboa.admin import services
from modoboa.admin.models import Alias, Domain, DomainAlias, Mailbox
from modoboa.core import constants
from modoboa.core import signals as core_signals
from modoboa.core.models import User
from modoboa.lib.exceptions import (
    BadLimitValue,
    BadRequest,
    LimitReached,
    PermDeniedException,
    UnsufficientResource,
)
from modoboa.limits import services as limits
from modoboa.limits.constants import DOMAIN_LIMIT_DEFINITIONS, USER_LIMIT_DEFINITIONS
from modoboa.limits.models import DomainObjectLimit, UserObjectLimit
from modoboa.parameters import tools as param_tools

pytestmark = pytest.mark.django_db

PASSWORD = "Toto1234!"


def max_of(user, name):
    return UserObjectLimit.objects.get(user=user, name=name).max_value


@pytest.fixture
def reseller_domain(reseller, make_domain):
    return make_domain("reseller.com", acting_user=reseller, quota=100, default_mailbox_quota=10)


@pytest.fixture
def reseller_admin(reseller, reseller_domain):
    """A domain administrator created (and owned) by the reseller."""
    return services.create_account(
        acting_user=reseller,
        username="admin@reseller.com",
        password=PASSWORD,
        role=constants.DOMAINADMINS,
        domains=["reseller.com"],
    )


def test_error_types_and_http_codes():
    assert LimitReached.http_code == 403
    assert BadLimitValue.http_code == 400
    assert UnsufficientResource.http_code == 424


def test_every_limit_of_upstream_is_defined():
    assert list(USER_LIMIT_DEFINITIONS) == [
        "domains",
        "domain_aliases",
        "mailboxes",
        "mailbox_aliases",
        "domain_admins",
        "quota",
    ]
    assert set(DOMAIN_LIMIT_DEFINITIONS) == {
        "domain_aliases",
        "mailboxes",
        "mailbox_aliases",
        "domain_admins",
    }


def test_new_administrators_get_the_default_limits_from_a_superuser(superadmin):
    param_tools.set_global_parameter("deflt_user_mailboxes_limit", 7, app="limits")
    param_tools.set_global_parameter("deflt_user_domains_limit", -1, app="limits")
    account = services.create_account(
        acting_user=superadmin, username="r", password=PASSWORD, role=constants.RESELLERS
    )
    assert max_of(account, "mailboxes") == 7
    assert max_of(account, "domains") == -1
    assert max_of(account, "quota") == 0
    assert UserObjectLimit.objects.filter(user=account).count() == 6


def test_administrators_created_by_a_reseller_start_with_nothing(reseller_admin):
    param_tools.set_global_parameter("deflt_user_mailboxes_limit", 7, app="limits")
    assert set(
        UserObjectLimit.objects.filter(user=reseller_admin).values_list("max_value", flat=True)
    ) == {0}


def test_simple_users_and_superusers_get_no_limit_rows(simple_user, superadmin):
    # Upstream made rows for every account; only administrators use them.
    assert not UserObjectLimit.objects.filter(user__in=[simple_user, superadmin]).exists()


def test_new_domains_get_the_default_domain_limits(superadmin):
    param_tools.set_global_parameter("deflt_domain_mailboxes_limit", 3, app="limits")
    domain = services.create_domain(acting_user=superadmin, name="limited.com")
    values = dict(DomainObjectLimit.objects.filter(domain=domain).values_list("name", "max_value"))
    assert values == {
        "domain_aliases": 0,
        "mailboxes": 3,
        "mailbox_aliases": 0,
        "domain_admins": 0,
    }


def test_a_count_limit_is_reached_at_its_value(reseller, set_limits, make_domain):
    set_limits(reseller, domains=2)
    make_domain("one.com", acting_user=reseller, quota=10, default_mailbox_quota=1)
    make_domain("two.com", acting_user=reseller, quota=10, default_mailbox_quota=1)
    with pytest.raises(LimitReached) as exc:
        make_domain("three.com", acting_user=reseller, quota=10, default_mailbox_quota=1)
    assert str(exc.value) == "Domains: limit reached"
    assert not Domain.objects.filter(name="three.com").exists()


def test_minus_one_is_unlimited_and_zero_allows_nothing(reseller, set_limits, make_domain):
    set_limits(reseller, domains=0)
    with pytest.raises(LimitReached):
        make_domain("one.com", acting_user=reseller, quota=10, default_mailbox_quota=1)
    set_limits(reseller, domains=-1)
    for i in range(12):
        make_domain("d%d.com" % i, acting_user=reseller, quota=10, default_mailbox_quota=1)
    assert Domain.objects.get_for_admin(reseller).count() == 12


def test_values_below_minus_one_or_not_numbers_are_refused(reseller, superadmin):
    for value in (-2, "x", None, True, 1.5e20):
        with pytest.raises(BadLimitValue) as exc:
            limits.set_user_limit(reseller, "domains", value, acting_user=superadmin)
        assert exc.value.field == "domains"


def test_unknown_limit_names_are_refused(reseller, superadmin, domain):
    with pytest.raises(BadRequest):
        limits.set_user_limit(reseller, "planets", 1, acting_user=superadmin)
    with pytest.raises(BadRequest):
        limits.set_domain_limit(domain, "planets", 1, acting_user=superadmin)


def test_limits_belong_to_administrators_only(simple_user, superadmin):
    with pytest.raises(BadRequest):
        limits.set_user_limit(simple_user, "mailboxes", 1, acting_user=superadmin)


def test_domain_admin_limits_count_what_it_owns(domain_admin, set_limits, domain):
    set_limits(domain_admin, mailboxes=1, mailbox_aliases=1)
    services.create_account(acting_user=domain_admin, username="a@test.com", password=PASSWORD)
    with pytest.raises(LimitReached) as exc:
        services.create_account(acting_user=domain_admin, username="b@test.com", password=PASSWORD)
    assert str(exc.value) == "Mailboxes: limit reached"
    assert not User.objects.filter(username="b@test.com").exists()
    services.create_alias(
        acting_user=domain_admin, address="x@test.com", recipients=["a@test.com"]
    )
    with pytest.raises(LimitReached):
        services.create_alias(
            acting_user=domain_admin, address="y@test.com", recipients=["a@test.com"]
        )


def test_mailboxes_made_by_others_in_the_domain_do_not_count(domain_admin, set_limits, superadmin):
    set_limits(domain_admin, mailboxes=1)
    services.create_account(acting_user=superadmin, username="a@test.com", password=PASSWORD)
    services.create_account(acting_user=domain_admin, username="b@test.com", password=PASSWORD)
    assert limits.user_limits_summary(domain_admin) == [
        {"name": "mailboxes", "label": "Mailboxes", "max": 1, "current": 1, "usage": 100},
        {
            "name": "mailbox_aliases",
            "label": "Mailbox aliases",
            "max": 5,
            "current": 0,
            "usage": 0,
        },
    ]


def test_the_domain_admins_limit_counts_domain_administrators_only(
    reseller, set_limits, reseller_domain
):
    set_limits(reseller, domain_admins=1)
    services.create_account(acting_user=reseller, username="u@reseller.com", password=PASSWORD)
    services.create_account(
        acting_user=reseller, username="da1", password=PASSWORD, role=constants.DOMAINADMINS
    )
    with pytest.raises(LimitReached) as exc:
        services.create_account(
            acting_user=reseller, username="da2", password=PASSWORD, role=constants.DOMAINADMINS
        )
    assert str(exc.value) == "Domain admins: limit reached"


def test_admin_limits_switched_off(reseller, set_limits, make_domain):
    set_limits(reseller, domains=0)
    param_tools.set_global_parameter("enable_admin_limits", False, app="limits")
    make_domain("free.com", acting_user=reseller, quota=10, default_mailbox_quota=1)


def test_superusers_have_no_limits(superadmin, make_domain):
    for i in range(3):
        make_domain("s%d.com" % i, acting_user=superadmin)


class TestResellerQuotaPool:
    def test_zero_means_no_quota_pool(self, reseller, set_limits, make_domain):
        set_limits(reseller, quota=0)
        domain = make_domain("free.com", acting_user=reseller, quota=0)
        assert domain.quota == 0

    def test_an_unlimited_domain_is_refused_within_a_finite_pool(self, reseller, make_domain):
        with pytest.raises(BadLimitValue) as exc:
            make_domain("big.com", acting_user=reseller, quota=0)
        assert exc.value.field == "quota"
        assert exc.value.http_code == 400

    def test_domain_quotas_add_up_to_the_pool(self, reseller, set_limits, make_domain):
        set_limits(reseller, quota=100)
        make_domain("a.com", acting_user=reseller, quota=60, default_mailbox_quota=10)
        with pytest.raises(LimitReached) as exc:
            make_domain("b.com", acting_user=reseller, quota=41, default_mailbox_quota=10)
        assert exc.value.field == "quota"
        make_domain("b.com", acting_user=reseller, quota=40, default_mailbox_quota=10)

    def test_raising_a_domain_quota_uses_the_difference(self, reseller, set_limits, make_domain):
        set_limits(reseller, quota=100)
        domain = make_domain("a.com", acting_user=reseller, quota=60, default_mailbox_quota=10)
        services.update_domain(domain, acting_user=reseller, quota=100)
        with pytest.raises(LimitReached):
            services.update_domain(domain, acting_user=reseller, quota=101)
        assert Domain.objects.get(pk=domain.pk).quota == 100
        services.update_domain(domain, acting_user=reseller, quota=20)


class TestDomainLimits:
    @pytest.fixture(autouse=True)
    def switch_on(self, db):
        param_tools.set_global_parameter("enable_domain_limits", True, app="limits")

    def test_mailboxes(self, domain, superadmin):
        limits.set_domain_limit(domain, "mailboxes", 1, acting_user=superadmin)
        services.create_account(acting_user=superadmin, username="a@test.com", password=PASSWORD)
        with pytest.raises(LimitReached):
            services.create_account(
                acting_user=superadmin, username="b@test.com", password=PASSWORD
            )
        assert Mailbox.objects.filter(domain=domain).count() == 1

    def test_mailbox_aliases_count_user_visible_aliases_only(self, domain, superadmin):
        limits.set_domain_limit(domain, "mailbox_aliases", 1, acting_user=superadmin)
        limits.set_domain_limit(domain, "mailboxes", -1, acting_user=superadmin)
        services.create_account(acting_user=superadmin, username="a@test.com", password=PASSWORD)
        services.create_alias(
            acting_user=superadmin, address="x@test.com", recipients=["a@test.com"]
        )
        with pytest.raises(LimitReached):
            services.create_alias(
                acting_user=superadmin, address="y@test.com", recipients=["a@test.com"]
            )

    def test_domain_aliases(self, domain, superadmin):
        limits.set_domain_limit(domain, "domain_aliases", 1, acting_user=superadmin)
        services.create_domain_alias(acting_user=superadmin, name="a.com", target=domain)
        with pytest.raises(LimitReached):
            services.create_domain_alias(acting_user=superadmin, name="b.com", target=domain)
        assert DomainAlias.objects.count() == 1

    def test_domain_admins(self, domain, superadmin):
        limits.set_domain_limit(domain, "domain_admins", 1, acting_user=superadmin)
        services.create_account(
            acting_user=superadmin,
            username="a",
            password=PASSWORD,
            role=constants.DOMAINADMINS,
            domains=["test.com"],
        )
        with pytest.raises(LimitReached):
            services.create_account(
                acting_user=superadmin,
                username="b",
                password=PASSWORD,
                role=constants.DOMAINADMINS,
                domains=["test.com"],
            )
        assert not User.objects.filter(username="b").exists()

    def test_management_commands_are_held_to_domain_limits(self, domain):
        limits.set_domain_limit(domain, "mailbox_aliases", 0)
        with pytest.raises(LimitReached):
            services.create_alias(
                acting_user=None, address="x@test.com", recipients=["a@external.com"]
            )

    def test_summary_and_usage(self, domain, superadmin):
        limits.set_domain_limit(domain, "mailboxes", 4, acting_user=superadmin)
        limits.set_domain_limit(domain, "domain_aliases", -1, acting_user=superadmin)
        services.create_account(acting_user=superadmin, username="a@test.com", password=PASSWORD)
        summary = {row["name"]: row for row in limits.domain_limits_summary(domain)}
        assert summary["mailboxes"]["usage"] == 25
        assert summary["domain_aliases"]["usage"] == -1
        assert summary["mailbox_aliases"]["usage"] == 100


def test_only_those_who_may_change_the_domain_set_its_limits(domain, domain_admin, reseller):
    with pytest.raises(PermDeniedException):
        limits.set_domain_limit(domain, "mailboxes", 100, acting_user=domain_admin)
    with pytest.raises(PermDeniedException):
        limits.set_domain_limit(domain, "mailboxes", 100, acting_user=reseller)


def test_domain_limits_are_ignored_while_switched_off(domain, superadmin):
    limits.set_domain_limit(domain, "mailboxes", 0, acting_user=superadmin)
    services.create_account(acting_user=superadmin, username="a@test.com", password=PASSWORD)


class TestAllocation:
    def test_a_reseller_allocates_from_its_own_pool(self, reseller, reseller_admin):
        limits.set_user_limit(reseller_admin, "mailboxes", 4, acting_user=reseller)
        assert max_of(reseller, "mailboxes") == 6
        assert max_of(reseller_admin, "mailboxes") == 4
        limits.set_user_limit(reseller_admin, "mailboxes", 1, acting_user=reseller)
        assert max_of(reseller, "mailboxes") == 9

    def test_not_more_than_what_is_left(self, reseller, reseller_admin, reseller_domain):
        services.create_account(acting_user=reseller, username="a@reseller.com", password=PASSWORD)
        with pytest.raises(UnsufficientResource) as exc:
            limits.set_user_limit(reseller_admin, "mailboxes", 10, acting_user=reseller)
        assert exc.value.http_code == 424
        assert exc.value.field == "mailboxes"
        assert max_of(reseller, "mailboxes") == 10
        limits.set_user_limit(reseller_admin, "mailboxes", 9, acting_user=reseller)
        assert max_of(reseller, "mailboxes") == 1

    def test_no_unlimited_grant_from_a_finite_pool(self, reseller, reseller_admin, set_limits):
        with pytest.raises(UnsufficientResource):
            limits.set_user_limit(reseller_admin, "mailboxes", -1, acting_user=reseller)
        set_limits(reseller, mailboxes=-1)
        limits.set_user_limit(reseller_admin, "mailboxes", -1, acting_user=reseller)
        assert max_of(reseller, "mailboxes") == -1

    def test_deleting_an_administrator_returns_its_resources(self, reseller, reseller_admin):
        limits.set_user_limit(reseller_admin, "mailboxes", 4, acting_user=reseller)
        limits.set_user_limit(reseller_admin, "mailbox_aliases", 3, acting_user=reseller)
        services.delete_account(reseller_admin, acting_user=reseller)
        assert max_of(reseller, "mailboxes") == 10
        assert max_of(reseller, "mailbox_aliases") == 10

    def test_superusers_set_any_value_without_a_pool(self, superadmin, reseller):
        limits.set_user_limit(reseller, "domains", 1000, acting_user=superadmin)
        assert max_of(reseller, "domains") == 1000

    def test_who_may_set_limits(self, reseller, reseller_admin, domain_admin, superadmin):
        with pytest.raises(PermDeniedException):
            limits.set_user_limit(reseller, "domains", 1000, acting_user=reseller)
        with pytest.raises(PermDeniedException):
            limits.set_user_limit(reseller_admin, "mailboxes", 1, acting_user=domain_admin)
        # A reseller does not reach administrators it did not make.
        with pytest.raises(PermDeniedException):
            limits.set_user_limit(domain_admin, "mailboxes", 1, acting_user=reseller)
        assert max_of(reseller, "domains") == 10


def test_can_create_object_is_fired_with_the_administrator_then_the_domain(domain_admin, domain):
    calls = []

    def receiver(sender, context, object_type, count, instance, klass, **kwargs):
        calls.append((type(context).__name__, object_type, count, klass.__name__))

    core_signals.can_create_object.connect(receiver)
    try:
        services.create_account(acting_user=domain_admin, username="a@test.com", password=PASSWORD)
        services.create_alias(
            acting_user=domain_admin, address="x@test.com", recipients=["a@test.com"]
        )
    finally:
        core_signals.can_create_object.disconnect(receiver)
    assert calls == [
        ("User", "mailboxes", 1, "Mailbox"),
        ("Domain", "mailboxes", 1, "Mailbox"),
        ("User", "mailbox_aliases", 1, "Alias"),
        ("Domain", "mailbox_aliases", 1, "Alias"),
    ]


def test_a_can_create_object_receiver_refuses_a_creation(superadmin, domain, unchanged):
    def receiver(sender, context, object_type, **kwargs):
        if object_type == "mailbox_aliases":
            raise LimitReached("Extension says no")

    core_signals.can_create_object.connect(receiver)
    try:
        with unchanged(), pytest.raises(LimitReached):
            services.create_alias(
                acting_user=superadmin, address="x@test.com", recipients=["a@external.com"]
            )
    finally:
        core_signals.can_create_object.disconnect(receiver)
    assert not Alias.objects.filter(address="x@test.com").exists()


def test_usage_percent():
    assert limits.usage_percent(-1, 5) == -1
    assert limits.usage_percent(0, 0) == 100
    assert limits.usage_percent(10, 3) == 30
