"""The webmail in headless Chromium with the real Dovecot behind it: the
main paths on desktop and phone widths, and the hostile corpus opened
message by message: no script runs (``window.__pwned`` stays undefined, no
dialog opens) and no request leaves for another host.
"""

from urllib.parse import urlparse

import pytest

from tests.fixtures.browser import login
from tests.fixtures.webmail import ADDRESS, APP, PASSWORD, make_message
from tests.integration.webmail_corpus import corpus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_requests(page):
    hosts = []
    page.on("request", lambda request: hosts.append(request.url))
    return hosts


def foreign(urls, base_url):
    own = urlparse(base_url).netloc
    return [
        url
        for url in urls
        if not url.startswith(("data:", "about:", "blob:")) and urlparse(url).netloc != own
    ]


def pwned(page):
    values = []
    for frame in page.frames:
        try:
            values.append(frame.evaluate("() => typeof window.__pwned"))
        except Exception:  # noqa: BLE001 - a sandboxed frame may refuse evaluation
            values.append("unreachable")
    return values


def test_the_hostile_corpus_runs_nothing_and_leaks_nothing(
    browser_page, webmail_user, mailbox, screenshot
):
    webmail_user.parameters.set_value("displaymode", "html", app=APP)
    for name, raw in corpus():
        if name != "huge":
            mailbox.deliver(raw, sender="mallory@outside.test")
    page = browser_page
    urls = watch_requests(page)
    login(page, ADDRESS, PASSWORD)
    page.goto(page.base_url + "/webmail/")
    page.locator("#webmail-messages").wait_for()
    links = page.locator("#webmail-messages a[href*='/webmail/messages/']")
    hrefs = [links.nth(index).get_attribute("href") for index in range(links.count())]
    assert len(hrefs) == len(corpus())  # Welcome and the corpus but the huge one
    for href in hrefs:
        page.goto(page.base_url + href)
        page.locator("#webmail-message").wait_for()
        frame = page.locator("#webmail-body")
        if frame.count():
            frame.wait_for()
            page.wait_for_load_state("load")
        page.wait_for_timeout(200)
        assert all(value in ("undefined", "unreachable") for value in pwned(page)), href
        # The body document opened on its own (not framed) runs nothing either.
        body_url = href.split("?")[0] + "body/?" + href.split("?", 1)[1]
        page.goto(page.base_url + body_url)
        page.wait_for_load_state("load")
        page.wait_for_timeout(100)
        assert pwned(page) in (["undefined"], ["unreachable"]), body_url
    page.goto(page.base_url + hrefs[-1])
    screenshot(page, "webmail-hostile")
    assert page.dialogs == []
    assert foreign(urls, page.base_url) == []


def test_a_user_reads_and_sorts_its_mail_on_desktop_and_phone(
    browser_page, webmail_user, mailbox, screenshot
):
    mailbox.deliver(make_message("Quarterly report", body="The numbers are good.\n"))
    mailbox.create("Archive")
    page = browser_page
    login(page, ADDRESS, PASSWORD)
    page.get_by_role("link", name="Webmail").first.click()
    page.locator("#webmail-messages").wait_for()
    unseen = page.locator("#webmail-folders li[data-folder='INBOX'] [data-unseen]")
    assert unseen.inner_text() == "2"
    screenshot(page, "webmail-list")
    page.get_by_role("link", name="Quarterly report").click()
    page.get_by_text("The numbers are good.").wait_for()
    screenshot(page, "webmail-message")
    page.get_by_role("link", name="Back to the list").click()
    row = page.locator("tr.webmail-message", has_text="Quarterly report")
    row.locator("input[name=uid]").check()
    page.locator("#id_target").select_option("Archive")
    page.get_by_role("button", name="Move", exact=True).click()
    page.get_by_text("1 message(s) updated.").wait_for()
    assert mailbox.subjects("Archive") == ["Quarterly report"]
    page.locator("#id_q").fill("Welcome")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**q=Welcome**")
    page.locator("tr.webmail-message").first.wait_for()
    assert page.locator("tr.webmail-message").count() == 1
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base_url + "/webmail/?folder=Archive")
    page.get_by_role("link", name="Quarterly report").wait_for()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390 + 1
    screenshot(page, "webmail-list-phone")
    assert page.dialogs == []
