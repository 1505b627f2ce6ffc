"""The Quarantine pages in headless Chromium: hostile mail runs nothing and
loads nothing; a simple user's release request reaches the administrator.
"""

import pytest

from modoboa.amavis.factories import build_message, quarantine_message
from tests.fixtures.browser import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Toto1234!"
REMOTE = "http://tracker.invalid"

# Real-world tricks of hostile mail: each one would call alert() or load
# something from REMOTE if it ran.
HTML_CORPUS = [
    "<p>Visible text of the hostile mail</p>",
    "<script>alert('script')</script>",
    "<img src=x onerror=\"alert('onerror')\">",
    "<svg onload=\"alert('svg')\"><circle r=1></circle></svg>",
    "<a href=\"javascript:alert('href')\">click me</a>",
    "<iframe src=\"data:text/html,<script>alert('data')</script>\"></iframe>",
    "<meta http-equiv=refresh content=\"0;url=javascript:alert('meta')\">",
    '<base href="' + REMOTE + '/"><a href=rel>relative</a>',
    '<div style="background:url(' + REMOTE + '/bg.png)">styled</div>',
    '<img src="' + REMOTE + '/pixel.gif">',
    '<link rel=stylesheet href="' + REMOTE + '/x.css">',
    '<object data="' + REMOTE + '/x.swf"></object><embed src="' + REMOTE + '/e">',
    '<form action="' + REMOTE + '/steal"><input name=p><button>go</button></form>',
    "<math><mtext><table><mglyph><style><img src=x onerror=\"alert('mxss')\">",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('noscript')>\">",
    "<body onload=\"alert('body')\">body</body>",
    "<details open ontoggle=\"alert('toggle')\">d</details>",
    "<video><source onerror=\"alert('video')\"></video>",
]
SUBJECT = "<img src=x onerror=alert('subject')> Win a prize"


@pytest.fixture
def hostile(make_domain, make_account):
    from modoboa.core import constants

    make_domain("victim.test")
    make_account(
        "boss@victim.test",
        role=constants.DOMAINADMINS,
        domains=["victim.test"],
        mailbox={"address": "boss@victim.test"},
        password=PASSWORD,
    )
    make_account("user@victim.test", password=PASSWORD)
    source = build_message(
        "\"<script>alert('from')</script>\" <evil@attacker.test>",
        ["user@victim.test"],
        SUBJECT,
        "plain <script>alert('text')</script>",
        html="".join(HTML_CORPUS),
    )
    mail_id = quarantine_message(
        "evil@attacker.test", ["user@victim.test"], subject=SUBJECT, source=source
    )
    yield mail_id
    from modoboa.amavis.models import Maddr, Msgrcpt, Msgs, Quarantine

    # Amavis' tables are not flushed with Django's after the test.
    for model in (Quarantine, Msgrcpt, Msgs, Maddr):
        model.objects.all().delete()


def test_hostile_mail_runs_no_script_and_loads_nothing(browser_page, hostile, screenshot):
    page = browser_page
    remote = []
    page.context.on(
        "request", lambda request: remote.append(request.url) if "invalid" in request.url else None
    )
    login(page, "user@victim.test", PASSWORD)
    page.goto(page.base_url + "/quarantine/")
    page.get_by_text("Win a prize").first.wait_for()
    assert SUBJECT in page.locator("#quarantine-table").inner_text()
    page.get_by_role("link", name="Win a prize").click()
    frame = page.frame_locator("#message-html")
    frame.get_by_text("Visible text of the hostile mail").wait_for()
    frame.get_by_text("click me").click(timeout=5000, no_wait_after=True)
    page.wait_for_timeout(1000)
    screenshot(page, "quarantine-hostile-message")
    assert page.dialogs == []
    assert remote == []
    assert "plain <script>alert('text')</script>" in page.locator("#message-text").inner_text()

    # The simple user cannot release directly: a request.
    page.get_by_role("button", name="Request release").click()
    page.get_by_text("Release request sent").wait_for()
    logout(page)

    login(page, "boss@victim.test", PASSWORD)
    page.locator("[data-notifications-count]").filter(has_text="1").wait_for(timeout=30000)
    page.goto(page.base_url + "/quarantine/?pending=1")
    assert "release requested" in page.locator("#quarantine-table").inner_text()
    screenshot(page, "quarantine-pending-requests")
    assert page.dialogs == []
    assert remote == []
