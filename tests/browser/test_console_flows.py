"""End-to-end flows of the console in headless Chromium, one per role."""

import re

import pytest

from tests.fixtures.browser import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Toto1234!"
XSS = '<img src=x onerror="alert(1)">'


def _expect_text(page, text):
    # Waits for the page that a click started loading.
    page.get_by_text(text).first.wait_for()
    assert text in page.content(), text


def test_superadmin_creates_reseller_and_gives_resources(browser_page, superadmin, screenshot):
    page = browser_page
    login(page, "admin", "password")
    assert page.url.endswith("/dashboard/")
    screenshot(page, "dashboard")
    page.get_by_role("link", name="Identities").first.click()
    page.get_by_role("link", name="Add an account").first.click()
    # The wizard: General then Mail, one step at a time.
    page.get_by_label("Role").select_option("Resellers")
    page.get_by_label("Username").fill("reseller1")
    page.get_by_label("First name").fill(XSS)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmation").fill(PASSWORD)
    screenshot(page, "account-wizard")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(re.compile(r"/admin/accounts/\d+/$"))
    _expect_text(page, "Account reseller1 created")
    page.get_by_role("link", name="Edit", exact=False).first.click()
    page.get_by_role("tab", name="Resources").click()
    for name, value in (
        ("domains", "2"),
        ("domain_aliases", "2"),
        ("mailboxes", "5"),
        ("mailbox_aliases", "5"),
        ("domain_admins", "2"),
        ("quota", "0"),
    ):
        page.locator("#id_resources-%s" % name).fill(value)
    screenshot(page, "account-edit-resources")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/admin/accounts/\d+/$"))
    assert "2 / 2" not in page.locator("#account-limits").inner_text()
    assert "0 / 2" in page.locator("#account-limits").inner_text()
    # The first name typed as HTML is shown as text.
    assert XSS in page.locator("#account-summary").inner_text()
    page.goto(page.base_url + "/admin/identities/")
    screenshot(page, "identities")
    page.goto(page.base_url + "/core/parameters/")
    page.get_by_role("radio", name="LDAP").check()
    assert page.locator("#id_core-ldap_server_address").is_visible()
    page.get_by_role("radio", name="Local").check()
    assert not page.locator("#id_core-ldap_server_address").is_visible()
    screenshot(page, "parameters")
    assert page.dialogs == []


def test_reseller_creates_domain_with_domain_admin(browser_page, reseller, superadmin, screenshot):
    page = browser_page
    login(page, "reseller", PASSWORD)
    page.goto(page.base_url + "/admin/domains/new/")
    page.locator("#id_name").fill("shop.example.org")
    page.locator("#id_quota").fill("100")
    page.locator("#id_default_mailbox_quota").fill("10")
    page.get_by_role("button", name="Next").click()
    # Plain domains skip the Transport step.
    assert page.get_by_role("heading", name="Options").is_visible()
    page.get_by_label("Create a domain administrator").check()
    page.locator("#id_dom_admin_username").fill("boss")
    screenshot(page, "domain-wizard")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(re.compile(r"/admin/domains/\d+/$"))
    _expect_text(page, "Domain shop.example.org created")
    assert "boss@shop.example.org" in page.locator("#domain-admins").inner_text()
    screenshot(page, "domain-detail")
    page.goto(page.base_url + "/admin/domains/")
    assert "shop.example.org" in page.locator("#domain-table").inner_text()
    screenshot(page, "domains")
    # Refused: the super administrators' area.
    page.goto(page.base_url + "/core/parameters/")
    assert "Permission denied" in page.locator("#error-card").inner_text()


def test_domain_admin_creates_mailboxes_and_aliases_until_the_limit(
    browser_page, domain_admin, set_limits, screenshot
):
    set_limits(domain_admin, mailboxes=1, mailbox_aliases=5)
    page = browser_page
    login(page, "admin@test.com", PASSWORD)
    page.goto(page.base_url + "/admin/accounts/new/")
    assert page.locator("#id_role").count() == 0
    page.get_by_label("Username").fill("alice@test.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(re.compile(r"/admin/accounts/\d+/$"))
    page.goto(page.base_url + "/admin/aliases/new/")
    page.get_by_label(re.compile(r"^Address")).fill("team@test.com")
    recipients = page.locator("[data-list-input] input[name='recipients']")
    # One input to start with, no empty padding; "Add" makes another.
    assert recipients.count() == 1
    recipients.first.fill("alice@test.com")
    page.get_by_role("button", name="Add a recipient").click()
    assert recipients.count() == 2
    recipients.last.fill("partner@example.net")
    page.get_by_label("Description").fill(XSS)
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/admin/aliases/\d+/$"))
    assert "partner@example.net" in page.locator("#alias-recipients").inner_text()
    assert XSS in page.locator("#alias-description").inner_text()
    # The limit of one mailbox is reached: a clear message, nothing created.
    page.goto(page.base_url + "/admin/accounts/new/")
    page.get_by_label("Username").fill("bob@test.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Submit").click()
    _expect_text(page, "Mailboxes: limit reached")
    screenshot(page, "limit-reached")
    # Refused: domain creation and another domain's pages.
    page.goto(page.base_url + "/admin/domains/new/")
    assert "Permission denied" in page.locator("#error-card").inner_text()
    assert page.dialogs == []


def test_simple_user_changes_password_and_forward(browser_page, simple_user, screenshot):
    page = browser_page
    login(page, "user@test.com", PASSWORD)
    assert page.url.endswith("/user/profile/")
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password").fill("Brand-N3w-pass")
    page.get_by_label("Confirmation").fill("Brand-N3w-pass")
    page.get_by_role("button", name="Update").click()
    _expect_text(page, "Profile updated")
    screenshot(page, "profile")
    page.get_by_role("link", name="Forward").click()
    page.get_by_label("Recipient(s)").fill("me@example.org")
    page.get_by_label("Keep local copies").check()
    page.get_by_role("button", name="Update").click()
    _expect_text(page, "Forward updated")
    screenshot(page, "forward")
    for url in ("/dashboard/", "/admin/domains/", "/admin/identities/", "/core/info/"):
        response = page.goto(page.base_url + url)
        assert response.status == 403, url
        assert "Permission denied" in page.locator("#error-card").inner_text()
    logout(page)
    login(page, "user@test.com", "Brand-N3w-pass")
    assert page.url.endswith("/user/profile/")


def test_login_redirects_only_to_a_safe_next(browser_page, superadmin):
    page = browser_page
    page.goto(page.base_url + "/admin/identities/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/identities/")
    logout(page)
    login(page, "admin", "password", next_url="https://evil.example/")
    assert page.url == page.base_url + "/dashboard/"


def test_failed_login_shows_an_error(browser_page, superadmin, screenshot):
    page = browser_page
    page.goto(page.base_url + "/accounts/login/")
    screenshot(page, "login")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("nope")
    page.get_by_role("button", name="Log in").click()
    assert "didn't match" in page.locator("#login-error").inner_text()


def test_keyboard_navigation_and_phone_layout(browser_page, superadmin, screenshot):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base_url + "/accounts/login/")
    # The username field has the focus: log in with the keyboard alone.
    page.keyboard.type("admin")
    page.keyboard.press("Tab")
    page.keyboard.type("password")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard/")
    # The first Tab stop of a page is the skip link.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    # Keyboard focus is always visible.
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    toggler = page.get_by_role("button", name="Toggle navigation")
    assert toggler.is_visible()
    toggler.click()
    assert page.get_by_role("link", name="Domains").first.is_visible()
    screenshot(page, "dashboard-phone")
