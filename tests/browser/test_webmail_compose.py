"""Writing a message in headless Chromium, desktop and phone widths, with the
real Postfix and Dovecot behind the page.
"""

import email
import email.policy

import pytest

from modoboa.core import signals as core_signals
from modoboa.parameters import tools as param_tools
from tests.fixtures.browser import login
from tests.fixtures.webmail import ADDRESS, APP, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READER = "reader@webmail.test"


@pytest.fixture
def writer(webmail_user, postfix, make_account):
    param_tools.set_global_parameter("smtp_server", "127.0.0.1", app=APP)
    param_tools.set_global_parameter("smtp_port", postfix.smtp_port, app=APP)
    param_tools.set_global_parameter("smtp_authentication", True, app=APP)
    webmail_user.parameters.set_value("signature", "Alice, webmail.test", app=APP)
    webmail_user.save()
    make_account(READER)
    return webmail_user


@pytest.fixture
def address_book():
    """An address book answering the completion, as the contacts would."""

    def answer(sender, user, query, limit, **kwargs):
        entries = [("Reader Example", READER), ("Other", "other@outside.test")]
        return [entry for entry in entries if query.lower() in entry[0].lower()][:limit]

    core_signals.address_book_search.connect(answer)
    yield
    core_signals.address_book_search.disconnect(answer)


@pytest.mark.parametrize("width,height", [(1366, 900), (375, 740)], ids=["desktop", "phone"])
def test_a_user_composes_and_sends_a_message(
    browser_page, writer, address_book, postfix, dovecot, tmp_path, screenshot, width, height
):
    page = browser_page
    page.set_viewport_size({"width": width, "height": height})
    login(page, ADDRESS, PASSWORD)
    page.goto(page.base_url + "/webmail/compose/")
    assert "Alice, webmail.test" in page.locator("#id_body").input_value()
    page.locator("#id_to").fill("Read")
    option = page.locator("#compose-recipients option").first
    option.wait_for(state="attached")
    assert READER in option.get_attribute("value")
    page.locator("#id_to").fill(option.get_attribute("value"))
    page.locator("#id_subject").fill("From the browser")
    page.locator("#id_body").fill("Hello from Chromium.\n")
    attachment = tmp_path / "notes.txt"
    attachment.write_bytes(b"some notes")
    page.locator("#id_attachments").set_input_files(str(attachment))
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert page.locator("#compose-send").is_visible()
    screenshot(page, "webmail-compose-%s" % width)
    page.locator("#compose-send").click()
    page.get_by_text("Message sent.").wait_for()
    [raw] = postfix.wait_for_mail(dovecot, READER)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "From the browser"
    assert message["To"].addresses[0].addr_spec == READER
    [part] = list(message.iter_attachments())
    assert part.get_filename() == "notes.txt"
    assert part.get_payload(decode=True) == b"some notes"
    assert page.dialogs == []


def test_a_refused_field_is_shown_next_to_it(browser_page, writer, postfix, screenshot):
    page = browser_page
    login(page, ADDRESS, PASSWORD)
    page.goto(page.base_url + "/webmail/compose/")
    page.locator("#id_to").fill("not an address")
    page.locator("#id_subject").fill("x")
    page.locator("#compose-send").click()
    error = page.locator("#id_to_error")
    error.wait_for()
    assert "is not a valid list of addresses" in error.inner_text()
    assert page.locator("#id_to").get_attribute("aria-invalid") == "true"
