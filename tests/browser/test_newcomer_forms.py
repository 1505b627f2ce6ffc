"""What a newcomer meets in the console's forms and on a domain's page,
in Chromium: shortcuts from a domain with the domain filled in, required
marks, no padding inputs, fields shown only when they apply, Cancel on the
wizards, and the DNS "Check now" with its result in place.
"""

import re

import pytest

from modoboa.admin.models import Domain, MXRecord
from tests.fixtures.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Toto1234!"


def test_domain_page_leads_to_a_new_mailbox_and_alias_in_that_domain(
    browser_page, domain_admin, domain
):
    page = browser_page
    login(page, "admin@test.com", PASSWORD)
    page.goto(page.base_url + "/admin/domains/%d/" % domain.pk)
    page.get_by_role("link", name="Add a mailbox").click()
    page.wait_for_url("**/admin/accounts/new/?domain=test.com")
    username = page.get_by_label("Username")
    assert username.input_value() == "@test.com"
    # The caret starts before "@test.com": typing the name is enough.
    username.click()
    page.keyboard.press("Home")
    page.keyboard.type("bob")
    assert username.input_value() == "bob@test.com"
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(re.compile(r"/admin/accounts/\d+/$"))
    assert "bob@test.com" in page.locator("main").inner_text()

    page.goto(page.base_url + "/admin/domains/%d/" % domain.pk)
    page.get_by_role("link", name="Add an alias").click()
    page.wait_for_url("**/admin/aliases/new/?domain=test.com")
    address = page.get_by_label(re.compile(r"^Address"))
    assert address.get_attribute("placeholder") == "name@test.com"
    # The address is required, and says so.
    label = page.locator("label[for='%s']" % address.get_attribute("id"))
    assert label.locator(".text-danger").inner_text() == "*"
    recipients = page.locator("[data-list-input] input[name='recipients']")
    assert recipients.count() == 1
    recipients.first.fill("bob@test.com")
    # An error (no address) brings back the recipient typed, and no padding.
    page.get_by_role("button", name="Create").click()
    page.wait_for_load_state()
    assert page.locator("#id_address").evaluate("input => input.classList.contains('is-invalid')")
    assert recipients.count() == 1 and recipients.first.input_value() == "bob@test.com"
    page.get_by_label(re.compile(r"^Address")).fill("team@test.com")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/admin/aliases/\d+/$"))
    assert "bob@test.com" in page.locator("#alias-recipients").inner_text()
    assert page.dialogs == []


def test_domain_wizard_shows_dkim_settings_only_with_dkim_and_cancels(browser_page, superadmin):
    page = browser_page
    login(page, "admin", "password")
    page.goto(page.base_url + "/admin/domains/new/")
    page.locator("#id_name").fill("draft.example.org")
    key_length = page.get_by_label("Key length")
    selector = page.get_by_label("Key selector")
    assert not key_length.is_visible() and not selector.is_visible()
    page.get_by_label("Enable DKIM signing").check()
    assert key_length.is_visible() and selector.is_visible()
    page.get_by_label("Enable DKIM signing").uncheck()
    assert not key_length.is_visible()
    # Cancel leaves the wizard for the domain list, creating nothing.
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_url("**/admin/domains/")
    assert not Domain.objects.filter(name="draft.example.org").exists()


def test_check_now_shows_the_dns_results_in_place(
    browser_page, superadmin, make_domain, dns_settings
):
    from tests.fixtures.dns import DKIM_PUBLIC_KEY

    domain = make_domain("good.org")
    Domain.objects.filter(pk=domain.pk).update(enable_dkim=True, dkim_public_key=DKIM_PUBLIC_KEY)
    page = browser_page
    login(page, "admin", "password")
    page.goto(page.base_url + "/admin/domains/%d/" % domain.pk)
    assert page.get_by_text("Awaiting checks").is_visible()
    assert page.locator("#dns-records").count() == 0
    page.get_by_role("button", name="Check now").click()
    page.get_by_text("DNS checks done").wait_for()
    assert page.url.endswith("/admin/domains/%d/" % domain.pk)
    assert page.get_by_text("Awaiting checks").count() == 0
    records = page.locator("#dns-records li")
    kinds = records.locator(".badge").all_inner_texts()
    assert kinds == ["SPF", "DKIM", "DMARC"]
    for index in range(3):
        assert "text-bg-success" in records.nth(index).locator(".badge").get_attribute("class")
    assert "it matches the key Modoboa signs with" in page.locator("#dns-records").inner_text()
    # MX and DNSBL moved off "Awaiting checks" too, with words, not "?".
    found = MXRecord.objects.filter(domain=domain).count()
    assert found >= 1
    text = page.locator("main").inner_text()
    assert re.search(r"\b%d valid MX records?\b" % found, text)
    assert re.search(r"\bNot listed\b|\bListed by \d+ providers?\b", text)
    assert page.dialogs == []
