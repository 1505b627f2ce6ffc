"""Identity pages (accounts and aliases), for each role."""

import re

import pytest

from modoboa.admin.models import Alias
from modoboa.core import constants
from modoboa.core.models import User

PASSWORD = "Toto1234!"


def account_data(**values):
    data = {
        "role": "SimpleUsers",
        "username": "new@test.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "is_active": "on",
        "quota_act": "on",
    }
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.django_db
def test_identity_list_mixes_accounts_and_aliases(client, superadmin, simple_user):
    from modoboa.admin import services

    services.create_alias(
        acting_user=superadmin, address="sales@test.com", recipients=["user@test.com"]
    )
    client.force_login(superadmin)
    content = client.get("/admin/identities/").content.decode()
    assert ">user@test.com<" in content and ">sales@test.com<" in content
    content = client.get("/admin/identities/?idtfilter=alias").content.decode()
    assert ">sales@test.com<" in content and ">user@test.com</a>" not in content
    content = client.get("/admin/identities/?grpfilter=SimpleUsers").content.decode()
    assert ">user@test.com</a>" in content and ">sales@test.com<" not in content
    content = client.get("/admin/identities/?searchquery=%40test.com&sort=-tags").content.decode()
    assert ">user@test.com</a>" in content and ">sales@test.com<" in content


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 40])
def test_identity_lists_use_a_fixed_number_of_queries(
    client, superadmin, domain, make_account, django_assert_max_num_queries, count
):
    from modoboa.admin import services
    from modoboa.parameters import tools as param_tools

    param_tools.set_global_parameter("items_per_page", 100, app="core")
    services.update_domain(domain, acting_user=superadmin, quota=0, default_mailbox_quota=1)
    for i in range(count):
        make_account("user%02d@test.com" % i)
        services.create_alias(
            acting_user=superadmin,
            address="alias%02d@test.com" % i,
            recipients=["user%02d@test.com" % i, "ext@example.org"],
        )
    client.force_login(superadmin)
    for sort in ("identity", "-name_or_rcpt", "tags"):
        with django_assert_max_num_queries(16):
            response = client.get("/admin/identities/?sort=%s" % sort)
        assert response.content.decode().count('name="selection"') == 2 * count + 1
    with django_assert_max_num_queries(14):
        response = client.get("/admin/identities/quotas/?sort=-quota_usage")
    assert response.content.decode().count('class="progress"') == count


@pytest.mark.django_db
def test_domain_admin_sees_only_its_domain_identities(
    client, domain_admin, simple_user, make_account, other_domain, reseller
):
    make_account("other@test2.com")
    client.force_login(domain_admin)
    content = client.get("/admin/identities/").content.decode()
    assert "user@test.com" in content
    assert "other@test2.com" not in content and ">reseller<" not in content
    other = User.objects.get(username="other@test2.com")
    for url in ("/admin/accounts/%d/", "/admin/accounts/%d/edit/", "/admin/accounts/%d/delete/"):
        assert client.get(url % other.pk).status_code == 403
    assert client.get("/admin/accounts/%d/edit/" % reseller.pk).status_code == 403


@pytest.mark.django_db
def test_account_wizard_creates_mailbox_aliases_and_sender_addresses(client, superadmin, domain):
    client.force_login(superadmin)
    response = client.post(
        "/admin/accounts/new/",
        account_data(aliases=["new.alias@test.com"], senderaddress=["sender@example.org"]),
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    account = User.objects.get(username="new@test.com")
    assert account.mailbox.full_address == "new@test.com"
    assert account.mailbox.alias_addresses == ["new.alias@test.com"]
    assert list(account.mailbox.senderaddress_set.values_list("address", flat=True)) == [
        "sender@example.org"
    ]


@pytest.mark.django_db
def test_account_wizard_reports_errors_per_field(client, superadmin, domain):
    client.force_login(superadmin)
    response = client.post("/admin/accounts/new/", account_data(password2="Different1!"))
    assert response.status_code == 400
    assert 'id="id_password2_error"' in response.content.decode()
    response = client.post("/admin/accounts/new/", account_data(username="new@unknown.org"))
    assert response.status_code == 400
    assert 'id="id_email_error"' in response.content.decode()
    assert not User.objects.filter(username="new@unknown.org").exists()


@pytest.mark.django_db
def test_random_password_is_shown_once(client, superadmin, domain):
    client.force_login(superadmin)
    response = client.post(
        "/admin/accounts/new/",
        account_data(password1=None, password2=None, random_password="on"),
        follow=True,
    )
    assert "The password of new@test.com is:" in response.content.decode()


@pytest.mark.django_db
def test_domain_admin_hits_mailbox_limit_with_a_clear_message(client, domain_admin, set_limits):
    set_limits(domain_admin, mailboxes=0)
    client.force_login(domain_admin)
    page = client.get("/admin/accounts/new/").content.decode()
    assert 'name="role"' not in page
    response = client.post("/admin/accounts/new/", account_data())
    assert response.status_code == 400
    assert "Mailboxes: limit reached" in response.content.decode()
    assert not User.objects.filter(username="new@test.com").exists()


@pytest.mark.django_db
def test_domain_admin_cannot_create_outside_its_domains(client, domain_admin, other_domain):
    client.force_login(domain_admin)
    response = client.post("/admin/accounts/new/", account_data(username="x@test2.com"))
    assert response.status_code == 400
    assert "test2.com" in response.content.decode()
    assert not User.objects.filter(username="x@test2.com").exists()


@pytest.mark.django_db
def test_reseller_cannot_grant_superadmin_role(client, reseller, make_domain):
    make_domain("reseller.com", acting_user=reseller, quota=100, default_mailbox_quota=10)
    client.force_login(reseller)
    response = client.post(
        "/admin/accounts/new/",
        account_data(role="SuperAdmins", username="boss", is_active="on", quota_act=None),
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="boss").exists()


@pytest.mark.django_db
def test_superadmin_gives_reseller_resources(client, superadmin, reseller):
    client.force_login(superadmin)
    page = client.get("/admin/accounts/%d/edit/" % reseller.pk).content.decode()
    assert 'id="pane-resources"' in page and 'id="pane-permissions"' in page
    data = {
        "general-role": "Resellers",
        "general-username": "reseller",
        "general-is_active": "on",
        "profile-language": "en",
        "mail-quota_act": "on",
        "resources-domains": "3",
        "resources-domain_aliases": "4",
        "resources-mailboxes": "50",
        "resources-mailbox_aliases": "60",
        "resources-domain_admins": "2",
        "resources-quota": "500",
    }
    response = client.post("/admin/accounts/%d/edit/" % reseller.pk, data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    from modoboa.limits.models import UserObjectLimit

    limits = dict(UserObjectLimit.objects.filter(user=reseller).values_list("name", "max_value"))
    assert limits["domains"] == 3 and limits["quota"] == 500


@pytest.mark.django_db
def test_account_edit_changes_mail_tab(client, superadmin, simple_user):
    client.force_login(superadmin)
    data = {
        "general-role": "SimpleUsers",
        "general-username": "user@test.com",
        "general-first_name": "Jane",
        "general-is_active": "on",
        "profile-language": "fr",
        "profile-secondary_email": "jane@example.org",
        "mail-email": "user@test.com",
        "mail-quota": "5",
        "mail-aliases": ["jane@test.com"],
        "mail-senderaddress": [""],
    }
    response = client.post("/admin/accounts/%d/edit/" % simple_user.pk, data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    simple_user.refresh_from_db()
    assert simple_user.first_name == "Jane" and simple_user.language == "fr"
    assert simple_user.mailbox.quota == 5 and not simple_user.mailbox.use_domain_quota
    assert simple_user.mailbox.alias_addresses == ["jane@test.com"]
    detail = client.get("/admin/accounts/%d/" % simple_user.pk).content.decode()
    assert "jane@test.com" in detail


@pytest.mark.django_db
def test_mail_tab_takes_domain_wide_sender_addresses(
    client, superadmin, simple_user, other_domain
):
    client.force_login(superadmin)
    data = {
        "general-role": "SimpleUsers",
        "general-username": "user@test.com",
        "general-is_active": "on",
        "profile-language": "en",
        "mail-email": "user@test.com",
        "mail-quota_act": "on",
        "mail-senderaddress": ["@Partner.org", "boss@test2.com"],
    }
    response = client.post("/admin/accounts/%d/edit/" % simple_user.pk, data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert sorted(simple_user.mailbox.senderaddress_set.values_list("address", flat=True)) == [
        "@partner.org",
        "boss@test2.com",
    ]
    page = client.get("/admin/accounts/%d/edit/" % simple_user.pk).content.decode()
    assert 'value="@partner.org"' in page
    # Not an address, nor a domain.
    data["mail-senderaddress"] = ["@", "@not a domain"]
    response = client.post("/admin/accounts/%d/edit/" % simple_user.pk, data)
    assert response.status_code == 400
    assert "Enter a valid domain name." in response.content.decode()
    assert simple_user.mailbox.senderaddress_set.count() == 2


@pytest.mark.django_db
def test_alias_pages_create_edit_and_escape(client, superadmin, simple_user):
    client.force_login(superadmin)
    payload = '<img src=x onerror="alert(1)">'
    response = client.post(
        "/admin/aliases/new/",
        {
            "address": "@test.com",
            "recipients": ["user@test.com", "ext@example.org"],
            "enabled": "on",
            "description": payload,
            "expire_at": "2030-01-02T03:04",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    alias = Alias.objects.get(address="@test.com", internal=False)
    assert alias.expire_at.year == 2030
    detail = client.get("/admin/aliases/%d/" % alias.pk).content.decode()
    assert "catch-all" in detail and payload not in detail and "&lt;img" in detail
    response = client.post(
        "/admin/aliases/%d/edit/" % alias.pk,
        {"address": "@test.com", "recipients": ["user@test.com"], "description": "x"},
    )
    assert response.status_code == 302
    alias.refresh_from_db()
    assert alias.recipients == ["user@test.com"] and not alias.enabled


@pytest.mark.django_db
def test_random_alias_address(client, superadmin, domain):
    client.force_login(superadmin)
    response = client.post(
        "/admin/aliases/new/",
        {"random_address": "on", "domain": "test.com", "recipients": ["ext@example.org"]},
    )
    assert response.status_code == 302
    alias = Alias.objects.get(internal=False, domain=domain)
    local = alias.address.split("@")[0]
    assert len(local) == 20


@pytest.mark.django_db
def test_alias_requires_a_recipient(client, superadmin, domain):
    client.force_login(superadmin)
    response = client.post("/admin/aliases/new/", {"address": "a@test.com", "recipients": [""]})
    assert response.status_code == 400
    assert 'id="id_recipients_error"' in response.content.decode()


@pytest.mark.django_db
def test_bulk_delete_asks_then_deletes_everything(client, superadmin, simple_user, make_account):
    from modoboa.admin import services

    other = make_account("other@test.com")
    alias = services.create_alias(
        acting_user=superadmin, address="sales@test.com", recipients=["ext@example.org"]
    )
    client.force_login(superadmin)
    selection = ["account-%d" % other.pk, "alias-%d" % alias.pk]
    page = client.post("/admin/identities/delete/", {"selection": selection})
    assert page.status_code == 200 and "other@test.com" in page.content.decode()
    assert User.objects.filter(pk=other.pk).exists()
    response = client.post("/admin/identities/delete/", {"selection": selection, "confirm": "1"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=other.pk).exists()
    assert not Alias.objects.filter(pk=alias.pk).exists()


@pytest.mark.django_db
def test_bulk_delete_refuses_unreachable_objects(client, domain_admin, make_account, other_domain):
    outsider = make_account("x@test2.com")
    client.force_login(domain_admin)
    response = client.post(
        "/admin/identities/delete/", {"selection": ["account-%d" % outsider.pk], "confirm": "1"}
    )
    assert response.status_code == 403
    assert User.objects.filter(pk=outsider.pk).exists()


@pytest.mark.django_db
def test_account_delete_page(client, superadmin, simple_user):
    client.force_login(superadmin)
    assert client.get("/admin/accounts/%d/delete/" % simple_user.pk).status_code == 200
    response = client.post("/admin/accounts/%d/delete/" % simple_user.pk, {})
    assert response.status_code == 302
    assert not User.objects.filter(pk=simple_user.pk).exists()


@pytest.mark.django_db
def test_admin_cannot_delete_itself(client, domain_admin):
    client.force_login(domain_admin)
    response = client.post("/admin/accounts/%d/delete/" % domain_admin.pk, {})
    assert response.status_code == 403
    assert "own account" in response.content.decode()


@pytest.mark.django_db
def test_import_export_pages_need_permissions(client, simple_user, domain_admin):
    client.force_login(simple_user)
    for url in ("/admin/identities/import/", "/admin/identities/export/"):
        assert client.get(url).status_code == 403
    client.force_login(domain_admin)
    assert client.get("/admin/identities/import/").status_code == 200
    assert client.get("/admin/domains/import/").status_code == 403


@pytest.mark.django_db
def test_role_constants_cover_filters():
    assert {value for value, _label in constants.ROLES} >= {"SimpleUsers", "SuperAdmins"}


def test_alias_address_is_marked_required(client, superadmin, domain):
    client.force_login(superadmin)
    page = client.get("/admin/aliases/new/").content.decode()
    for field in ("address", "domain"):
        label = re.search(r'<label[^>]*id="id_%s_label">(.*?)</label>' % field, page, re.S).group(
            1
        )
        assert 'class="text-danger" aria-hidden="true">*<' in label, field
