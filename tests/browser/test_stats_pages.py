"""An administrator sees its domain's traffic as pictures and finds a
delivery in the message log, in a real browser.
"""

import shutil
from pathlib import Path

import pytest
from django.utils import timezone

from modoboa.admin import services
from modoboa.stats import logparser
from modoboa.stats.models import HOUR, MINUTE, Counter, Maillog
from tests.fixtures.browser import SCREENSHOTS, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOG = Path(__file__).resolve().parents[2] / "modoboa/stats/tests/logs/maillog_file.txt"


def test_graphs_load_and_the_log_finds_a_bounce(browser_page, superadmin, make_domain, tmp_path):
    make_domain("stats.test")
    services.create_domain_alias(
        acting_user=superadmin, name="alias-stats.test", target="stats.test"
    )
    path = tmp_path / "mail.log"
    shutil.copyfile(LOG, path)
    logparser.parse_log(str(path), now=timezone.now())
    # The fixture log is from March: its traffic moved to the last minutes.
    moment = int(timezone.now().timestamp())
    Counter.objects.filter(step=MINUTE).delete()
    Counter.objects.filter(step=HOUR).update(start=moment // HOUR * HOUR)
    for row in Counter.objects.filter(step=HOUR):
        row.pk, row.step, row.start = None, MINUTE, moment // MINUTE * MINUTE - MINUTE
        row.save()
    Maillog.objects.update(date=timezone.now())

    page = browser_page
    login(page, "admin", "password")
    page.goto(page.base_url + "/stats/?scope=stats.test&period=day")
    images = page.locator("main img")
    assert images.count() == 3
    page.wait_for_function(
        "() => [...document.querySelectorAll('main img')].every(i => i.complete)"
    )
    widths = page.evaluate("[...document.querySelectorAll('main img')].map(i => i.naturalWidth)")
    assert widths == [860, 860, 860]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "stats-graphs.png"), full_page=True)

    page.get_by_role("link", name="Message log").first.click()
    page.get_by_label("Status").select_option("bounced")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    rows = page.locator("#maillog-table tbody tr")
    assert rows.count() == 1
    assert "ghost@outside.test" in rows.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "stats-maillog.png"), full_page=True)
    assert page.dialogs == []
