"""The message filters and away message pages in headless Chromium, with
the real Dovecot behind them.
"""

import pytest

from modoboa.autoreply.models import ARmessage
from modoboa.sievefilters import services
from tests.fixtures.browser import login
from tests.fixtures.sieve import PASSWORD, create_folder, message, subjects

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_user_creates_a_filter_in_the_browser(browser_page, alice, sieve_env, screenshot):
    create_folder(sieve_env, "Archives été")
    page = browser_page
    login(page, "alice@sieve.test", PASSWORD)
    page.goto(page.base_url + "/sfilters/")
    page.get_by_label("Name").fill("main")
    page.get_by_label("Activate it").check()
    page.get_by_role("button", name="Create a filter set").click()
    page.get_by_text("Filter set main created.").wait_for()
    page.get_by_role("link", name="New filter").click()
    page.locator("#id_name").fill('Old "news" <b>')
    page.locator("#id_conditions-0-field").select_option("Subject")
    page.locator("#id_conditions-0-operator").select_option("contains")
    page.locator("#id_conditions-0-value").fill("archive me")
    page.locator("#id_actions-0-action").select_option("fileinto")
    page.locator("#id_actions-0-folder").select_option("Archives été")
    screenshot(page, "sievefilters-rule")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("saved.").first.wait_for()
    assert 'Old "news" <b>' in page.locator("#rules").inner_text()
    screenshot(page, "sievefilters-index")
    assert sieve_env.lmtp(["alice@sieve.test"], message("Please archive me")) == {}
    assert subjects(sieve_env, "Archives été") == ["Please archive me"]
    # Disable it from the list.
    page.get_by_role("button", name="Disable").click()
    page.get_by_text("disabled").first.wait_for()
    assert services.read_filter_set(alice, "main").rules()[0].enabled is False


def test_a_user_sets_an_away_message_in_the_browser(browser_page, alice, sieve_env, screenshot):
    page = browser_page
    login(page, "alice@sieve.test", PASSWORD)
    page.goto(page.base_url + "/autoreply/")
    page.get_by_label("Subject").fill("On holiday")
    page.get_by_label("Content").fill("Back soon, %(name)s")
    page.get_by_label("From").fill("2020-01-01T08:00")
    page.get_by_label("Until").fill("2099-01-01T08:00")
    page.get_by_label("Enabled").check()
    screenshot(page, "autoreply")
    page.get_by_role("button", name="Update").click()
    page.get_by_text("Auto reply message updated successfully.").wait_for()
    assert ARmessage.objects.get(mbox=alice).enabled
    assert (
        sieve_env.lmtp(["alice@sieve.test"], message("Hi", "x@outside.test"), "x@outside.test")
        == {}
    )
    replies = [m for m in sieve_env.sink.messages if "x@outside.test" in m.recipients]
    assert [reply.message["Subject"] for reply in replies] == ["On holiday"]
