"""Domain pages, for each role."""

import pytest

from modoboa.admin.models import Domain, DomainAlias
from modoboa.core import constants

PASSWORD = "Toto1234!"


@pytest.fixture
def reseller_domain(make_domain, reseller):
    return make_domain("reseller.com", acting_user=reseller, quota=100, default_mailbox_quota=10)


@pytest.mark.django_db
def test_domain_list_shows_only_reachable_domains(
    client, reseller, reseller_domain, domain, other_domain
):
    client.force_login(reseller)
    content = client.get("/admin/domains/").content.decode()
    assert "reseller.com" in content
    assert "test.com" not in content and "test2.com" not in content


@pytest.mark.django_db
def test_domain_list_search_covers_domain_alias_names(client, superadmin, domain, other_domain):
    from modoboa.admin import services

    services.create_domain_alias(acting_user=superadmin, name="alias-of-test.org", target=domain)
    client.force_login(superadmin)
    content = client.get("/admin/domains/?searchquery=alias-of").content.decode()
    assert ">test.com<" in content and ">test2.com<" not in content


@pytest.mark.django_db
def test_domain_list_type_filter(client, superadmin, domain, make_domain):
    make_domain(
        "relay.org",
        type="relaydomain",
        transport={"service": "relay", "settings": {"relay_target_host": "mx.relay.org"}},
    )
    client.force_login(superadmin)
    content = client.get("/admin/domains/?domfilter=relaydomain").content.decode()
    assert ">relay.org<" in content and ">test.com<" not in content
    content = client.get("/admin/domains/?srvfilter=relay").content.decode()
    assert ">relay.org<" in content and ">test.com<" not in content


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 40])
def test_domain_lists_use_a_fixed_number_of_queries(
    client, superadmin, make_domain, make_account, django_assert_max_num_queries, count
):
    from modoboa.parameters import tools as param_tools

    param_tools.set_global_parameter("items_per_page", 50, app="core")
    for i in range(count):
        dom = make_domain("dom%02d.org" % i, quota=100, default_mailbox_quota=10)
        make_account("user@%s" % dom.name)
    client.force_login(superadmin)
    with django_assert_max_num_queries(12):
        response = client.get("/admin/domains/?sort=-name")
    assert response.content.decode().count("/edit/") == count
    with django_assert_max_num_queries(12):
        response = client.get("/admin/domains/quotas/?sort=allocated_quota")
    assert response.content.decode().count('class="progress"') == 2 * count


@pytest.mark.django_db
def test_domain_wizard_creates_domain_admin_and_postmaster(client, superadmin):
    client.force_login(superadmin)
    response = client.post(
        "/admin/domains/new/",
        {
            "name": "New.Org",
            "type": "domain",
            "quota": "100",
            "default_mailbox_quota": "10",
            "aliases": ["new-alias.org", ""],
            "enabled": "on",
            "enable_dns_checks": "on",
            "create_dom_admin": "on",
            "dom_admin_username": "boss",
            "with_mailbox": "on",
            "create_aliases": "on",
        },
    )
    assert response.status_code == 302
    domain = Domain.objects.get(name="new.org")
    assert DomainAlias.objects.filter(name="new-alias.org", target=domain).exists()
    from modoboa.admin.models import Alias
    from modoboa.core.models import User

    boss = User.objects.get(username="boss@new.org")
    assert boss.role == constants.DOMAINADMINS
    assert Alias.objects.filter(address="postmaster@new.org").exists()


@pytest.mark.django_db
def test_domain_wizard_relay_domain_needs_a_target_host(client, superadmin):
    client.force_login(superadmin)
    response = client.post(
        "/admin/domains/new/",
        {"name": "relay.org", "type": "relaydomain", "transport-service": "relay"},
    )
    assert response.status_code == 400
    assert 'id="id_transport-relay_target_host_error"' in response.content.decode()
    response = client.post(
        "/admin/domains/new/",
        {
            "name": "relay.org",
            "type": "relaydomain",
            "transport-service": "relay",
            "transport-relay_target_host": "10.0.0.1",
            "transport-relay_target_port": "2525",
        },
    )
    assert response.status_code == 302
    domain = Domain.objects.get(name="relay.org")
    assert domain.transport.next_hop == "[10.0.0.1]:2525"


@pytest.mark.django_db
def test_domain_wizard_shows_service_errors_next_to_fields(client, superadmin, domain):
    client.force_login(superadmin)
    response = client.post(
        "/admin/domains/new/",
        {"name": "test.com", "type": "domain", "quota": "10", "default_mailbox_quota": "20"},
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert 'id="id_name_error"' in content or 'id="id_default_mailbox_quota_error"' in content
    response = client.post(
        "/admin/domains/new/",
        {"name": "fresh.org", "type": "domain", "quota": "10", "default_mailbox_quota": "20"},
    )
    assert 'id="id_default_mailbox_quota_error"' in response.content.decode()
    assert not Domain.objects.filter(name="fresh.org").exists()


@pytest.mark.django_db
def test_reseller_domain_limit_reached_page(client, reseller, set_limits):
    set_limits(reseller, domains=0)
    client.force_login(reseller)
    response = client.get("/admin/domains/new/")
    assert response.status_code == 403
    assert "Domains: limit reached" in response.content.decode()


@pytest.mark.django_db
def test_domain_edit_updates_general_aliases_and_resources(client, superadmin, domain):
    from modoboa.limits.models import DomainObjectLimit
    from modoboa.parameters import tools as param_tools

    param_tools.set_global_parameter("enable_domain_limits", True, app="limits")
    client.force_login(superadmin)
    page = client.get("/admin/domains/%d/edit/" % domain.pk).content.decode()
    assert 'id="pane-resources"' in page and 'id="pane-transport"' in page
    response = client.post(
        "/admin/domains/%d/edit/" % domain.pk,
        {
            "name": "test.com",
            "type": "domain",
            "quota": "60",
            "default_mailbox_quota": "10",
            "aliases": ["second.com"],
            "enabled": "on",
            "resources-domain_aliases": "5",
            "resources-mailboxes": "-1",
            "resources-mailbox_aliases": "-1",
            "resources-domain_admins": "2",
            "transport-service": "relay",
        },
    )
    assert response.status_code == 302, [
        line
        for line in response.content.decode().splitlines()
        if "error" in line or "alert" in line
    ]
    domain.refresh_from_db()
    assert domain.quota == 60
    assert list(domain.domainalias_set.values_list("name", flat=True)) == ["second.com"]
    assert DomainObjectLimit.objects.get(domain=domain, name="domain_admins").max_value == 2


@pytest.mark.django_db
def test_domain_admin_can_view_but_not_edit_its_domain(client, domain_admin, domain, other_domain):
    client.force_login(domain_admin)
    assert client.get("/admin/domains/%d/" % domain.pk).status_code == 200
    assert client.get("/admin/domains/%d/edit/" % domain.pk).status_code == 403
    assert client.get("/admin/domains/%d/delete/" % domain.pk).status_code == 403
    assert client.get("/admin/domains/new/").status_code == 403
    response = client.get("/admin/domains/%d/" % other_domain.pk)
    assert response.status_code == 403
    assert "not allowed" in response.content.decode()


@pytest.mark.django_db
def test_simple_user_is_refused_every_domain_page(client, simple_user, domain):
    client.force_login(simple_user)
    for url in (
        "/admin/domains/",
        "/admin/domains/quotas/",
        "/admin/domains/new/",
        "/admin/domains/%d/" % domain.pk,
        "/admin/domains/import/",
        "/admin/identities/",
        "/admin/accounts/new/",
    ):
        assert client.get(url).status_code == 403, url


@pytest.mark.django_db
def test_domain_detail_shows_dkim_record_dns_and_admins(client, superadmin, domain, domain_admin):
    from django.utils import timezone

    from modoboa.admin.models import DNSBLResult, MXRecord

    Domain.objects.filter(pk=domain.pk).update(
        enable_dkim=True, dkim_public_key="MIIBIjANBgkq", dkim_key_selector="sel"
    )
    mx = MXRecord.objects.create(
        domain=domain,
        name="mx.test.com",
        address="192.0.2.1",
        updated=timezone.now() + timezone.timedelta(hours=1),
    )
    DNSBLResult.objects.create(
        domain=domain, provider="zen.spamhaus.org", mx=mx, status="127.0.0.2"
    )
    client.force_login(superadmin)
    content = client.get("/admin/domains/%d/" % domain.pk).content.decode()
    assert "sel._domainkey.test.com. IN TXT" in content
    assert "Listed by 1 provider" in content
    assert "admin@test.com" in content.split('id="domain-admins"')[1]
    assert (
        "zen.spamhaus.org" in client.get("/admin/domains/%d/dnsbl/" % domain.pk).content.decode()
    )
    assert "mx.test.com" in client.get("/admin/domains/%d/mx/" % domain.pk).content.decode()
    response = client.post("/admin/domains/%d/dkim/regenerate/" % domain.pk)
    assert response.status_code == 302
    domain.refresh_from_db()
    assert domain.dkim_public_key == ""


@pytest.mark.django_db
def test_remove_domain_administrator(client, superadmin, domain, domain_admin):
    client.force_login(superadmin)
    response = client.post(
        "/admin/permissions/remove/", {"domid": domain.pk, "daid": domain_admin.pk}
    )
    assert response.status_code == 302
    assert domain_admin not in list(domain.admins)


@pytest.mark.django_db
def test_domain_delete_with_keepdir(client, superadmin, make_domain):
    dom = make_domain("gone.org")
    client.force_login(superadmin)
    assert client.get("/admin/domains/%d/delete/" % dom.pk).status_code == 200
    response = client.post("/admin/domains/%d/delete/" % dom.pk, {"keepdir": "on"})
    assert response.status_code == 302
    assert not Domain.objects.filter(name="gone.org").exists()


@pytest.mark.django_db
def test_reseller_cannot_delete_its_own_mailbox_domain(
    client, reseller, reseller_domain, superadmin
):
    from modoboa.admin import services

    services.update_account(
        reseller,
        acting_user=superadmin,
        username="reseller@reseller.com",
        email="reseller@reseller.com",
    )
    client.force_login(reseller)
    response = client.post("/admin/domains/%d/delete/" % reseller_domain.pk)
    assert response.status_code == 403
    assert Domain.objects.filter(pk=reseller_domain.pk).exists()


def test_domain_form_shows_dkim_settings_only_with_dkim_and_names_domain_aliases(
    client, superadmin
):
    client.force_login(superadmin)
    page = client.get("/admin/domains/new/").content.decode()
    for name in ("dkim_key_selector", "dkim_key_length"):
        assert 'data-field="%s" data-show-if="enable_dkim=True"' % name in page
    assert 'data-add-label="Add a domain alias"' in page
    assert ">Domain aliases<" in page


def test_a_domain_page_leads_to_new_mailboxes_and_aliases_in_that_domain(
    client, superadmin, domain, domain_admin
):
    client.force_login(domain_admin)
    page = client.get("/admin/domains/%d/" % domain.pk).content.decode()
    assert 'href="/admin/accounts/new/?domain=test.com"' in page
    assert 'href="/admin/aliases/new/?domain=test.com"' in page
    page = client.get("/admin/accounts/new/?domain=test.com").content.decode()
    assert 'value="@test.com"' in page
    page = client.get("/admin/aliases/new/?domain=test.com").content.decode()
    assert 'placeholder="name@test.com"' in page
    assert 'value="@test.com"' not in page
    # From the identities of a domain, too.
    page = client.get("/admin/identities/?searchquery=%40test.com").content.decode()
    assert 'href="/admin/accounts/new/?domain=test.com"' in page


def test_a_domain_outside_the_reach_is_not_prefilled(client, make_domain, domain_admin):
    make_domain("other.com")
    client.force_login(domain_admin)
    page = client.get("/admin/accounts/new/?domain=other.com").content.decode()
    assert "other.com" not in page
    page = client.get("/admin/aliases/new/?domain=other.com").content.decode()
    assert "other.com" not in page
