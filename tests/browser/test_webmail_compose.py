"""Writing a message in headless Chromium, desktop and phone widths, with the
real Postfix and Dovecot behind the page.
"""

import email
import email.policy

import pytest

from modoboa.core import signals as core_signals
from modoboa.parameters import tools as param_tools
from tests.fixtures.browser import login
from tests.fixtures.webmail import ADDRESS, APP, PASSWORD, Mailbox

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


# Records the policy violations of every page (Playwright's init scripts
# run whatever the page's policy).
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def received_over_imap(dovecot, address, subject):
    """The message ``subject`` of ``address``'s INBOX, read over IMAP."""
    client = Mailbox(dovecot, address).client()
    try:
        client.select_folder("INBOX", readonly=True)
        uids = client.search(["SUBJECT", subject])
        assert len(uids) == 1, uids
        raw = client.fetch(uids, ["BODY.PEEK[]"])[uids[0]][b"BODY[]"]
    finally:
        client.logout()
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_a_user_writes_formatted_text_in_the_html_editor(
    browser_page, writer, postfix, dovecot, screenshot
):
    page = browser_page
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(RECORD_VIOLATIONS)
    login(page, ADDRESS, PASSWORD)
    response = page.goto(page.base_url + "/webmail/compose/")
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "script-src 'self'" in policy
    editor = page.locator("#compose-editor")
    assert not editor.is_visible()
    page.locator("#id_mode").select_option("html")
    assert editor.is_visible() and not page.locator("#id_body").is_visible()
    # The signature typed in text mode comes along.
    assert "Alice, webmail.test" in editor.inner_text()
    page.locator("#id_to").fill(READER)
    page.locator("#id_subject").fill("Formatted")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("Hello ")
    page.get_by_role("button", name="Bold").click()
    page.keyboard.type("strong")
    page.get_by_role("button", name="Bold").click()
    page.keyboard.type(" and ")
    page.get_by_role("button", name="Italic").click()
    page.keyboard.type("slanted")
    page.get_by_role("button", name="Italic").click()
    page.keyboard.type(" and ")
    page.get_by_role("button", name="Underline").click()
    page.keyboard.type("lined")
    page.get_by_role("button", name="Underline").click()
    page.keyboard.type(".")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Bulleted list").click()
    page.keyboard.type("first")
    page.keyboard.press("Enter")
    page.keyboard.type("second")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Quote").click()
    page.keyboard.type("quoted words")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Quote").click()
    page.keyboard.type("our site")
    for _char in "site":
        page.keyboard.press("Shift+ArrowLeft")
    page.locator("#compose-link-url").fill("javascript:alert(1)")
    page.get_by_role("button", name="Link", exact=True).click()
    assert "is-invalid" in page.locator("#compose-link-url").get_attribute("class")
    assert editor.locator("a").count() == 0
    page.locator("#compose-link-url").fill("https://site.example/")
    page.get_by_role("button", name="Link", exact=True).click()
    assert editor.locator("a").get_attribute("href") == "https://site.example/"
    page.keyboard.press("End")
    page.keyboard.type(" typo")
    page.get_by_role("button", name="Undo").click()
    assert "typo" not in editor.inner_text()
    # What a forged page could post: the server cleans it anyway.
    page.evaluate(
        """() => {
          const link = document.createElement("a");
          link.setAttribute("href", "javascript:steal()");
          link.setAttribute("data-steal", "1");
          link.textContent = "trap";
          const form = document.createElement("form");
          form.setAttribute("action", "https://steal.example/");
          form.textContent = "caught";
          const editor = document.getElementById("compose-editor");
          editor.appendChild(link);
          editor.appendChild(form);
        }"""
    )
    screenshot(page, "webmail-compose-html-editor")
    assert page.evaluate("window.__violations") == []
    page.locator("#compose-send").click()
    page.get_by_text("Message sent.").wait_for()
    assert page.evaluate("window.__violations") == []
    assert not [text for text in console if "Content Security Policy" in text]

    postfix.wait_for_mail(dovecot, READER)
    message = received_over_imap(dovecot, READER, "Formatted")
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(("html",)).get_content()
    # Chromium types a space next to a closed tag as a no-break space.
    html = html.replace("&nbsp;", " ")
    assert "Hello <b>strong</b> and <i>slanted</i> and <u>lined</u>." in html
    assert "<ul><li>first</li><li>second</li></ul>" in html
    assert "<blockquote>quoted words</blockquote>" in html
    assert '<a href="https://site.example/"' in html and ">site</a>" in html
    assert "trap" in html and "caught" in html
    for forbidden in ("javascript:", "steal", "<form", "typo", "style="):
        assert forbidden not in html
    text = message.get_body(("plain",)).get_content()
    assert "Hello strong and slanted and lined." in text
    assert "- first\n- second" in text.replace("\r\n", "\n")
    assert "> quoted words" in text
    assert "our site <https://site.example/>" in text
    assert "<b>" not in text and "javascript" not in text
    assert page.dialogs == []


def test_switching_between_text_and_html_keeps_the_text(browser_page, writer):
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    login(page, ADDRESS, PASSWORD)
    page.goto(page.base_url + "/webmail/compose/")
    page.locator("#id_body").fill("First line\n\n<b>not a tag</b>")
    page.locator("#id_mode").select_option("html")
    editor = page.locator("#compose-editor")
    # Text becomes text: what looked like a tag stays characters.
    assert editor.locator("b").count() == 0
    assert "<b>not a tag</b>" in editor.inner_text()
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Numbered list").click()
    page.keyboard.type("one")
    page.keyboard.press("Enter")
    page.keyboard.type("two")
    assert editor.locator("ol li").count() == 2
    page.locator("#id_mode").select_option("plain")
    assert not editor.is_visible()
    text = page.locator("#id_body").input_value()
    assert text.startswith("First line\n\n<b>not a tag</b>\n")
    assert "- one\n- two" in text
    assert page.evaluate("window.__violations") == []
