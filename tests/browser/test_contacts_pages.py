"""The address book page in headless Chromium, with the real Radicale
behind it and a phone (CardDAV over requests) writing to the same book.
"""

import pytest

from tests.fixtures.browser import login
from tests.integration.test_contacts import Phone, owners  # noqa: F401 - fixture
from tests.integration.test_radicale import PASSWORD, radicale  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_user_keeps_contacts_with_the_phone(browser_page, radicale, owners, screenshot):  # noqa: F811
    page = browser_page
    login(page, "ann@book.test", PASSWORD)
    page.goto(page.base_url + "/contacts/")
    page.get_by_text("No contact.").wait_for()
    page.get_by_role("link", name="New contact").click()
    page.locator("#id_first_name").fill("Zoé")
    page.locator("#id_last_name").fill("Martin")
    page.locator("#id_emails-0-address").fill("zoe@acme.example")
    page.locator("#id_emails-0-type").select_option("work")
    page.locator("#id_phones-0-number").fill("+33 6 00 00 00 01")
    screenshot(page, "contacts-form")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Contact Zoé Martin saved").wait_for()
    assert "zoe@acme.example" in page.locator("#contacts").inner_text()

    # The phone adds a card whose name is a script: shown as text.
    phone = Phone(radicale, "ann@book.test")
    response, _href = phone.put("<img src=x onerror=alert(1)> Evil", "evil@example.org")
    assert response.status_code == 201
    page.reload()
    table = page.locator("#contacts").inner_text()
    assert "<img src=x onerror=alert(1)> Evil" in table
    assert page.locator("#contacts img").count() == 0
    screenshot(page, "contacts-list")

    # Search, then delete from the list (after the confirmation).
    page.locator("#id_q").fill("acme")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/contacts/?q=acme*")
    assert "Evil" not in page.locator("#contacts").inner_text()
    page.locator("#contacts").get_by_role("button", name="Delete").click()
    page.get_by_text("Contact Zoé Martin deleted").wait_for()
    assert "Zoé" not in page.locator("#contacts").inner_text()
    assert page.dialogs == ["Delete this contact?"]
    assert phone.cards().text.count(".vcf") == 1
