"""The DMARC report page in headless Chromium: a domain administrator
opens it from the domain list's badge, moves between weeks and picks a
range of days.
"""

import re

import pytest
from django.utils import timezone

from modoboa.core import constants
from modoboa.dmarc.models import DomainRecord
from modoboa.dmarc.services import import_mail
from modoboa.dmarc.tests import corpus
from tests.fixtures.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Toto1234!"


def test_domain_admin_reads_the_report_page(browser_page, make_domain, make_account, screenshot):
    domain = make_domain(corpus.DOMAIN)
    make_account(
        "admin@hosted.org",
        role=constants.DOMAINADMINS,
        domains=[corpus.DOMAIN],
        mailbox={"address": "admin@hosted.org"},
    )
    DomainRecord.objects.create(
        domain=domain, record="v=DMARC1; p=quarantine", policy="quarantine", checked=timezone.now()
    )
    for raw in (corpus.google_mail(), corpus.microsoft_mail(), corpus.yahoo_mail()):
        assert import_mail(raw).imported
    page = browser_page
    login(page, "admin@hosted.org", PASSWORD)
    page.goto(page.base_url + "/admin/domains/")
    page.get_by_role("link", name="DMARC p=quarantine").click()
    page.wait_for_url(re.compile(r"/dmarc/domains/\d+/$"))
    assert page.locator("#period-label").inner_text() == "Week 49 of 2026"
    assert page.locator("#total-messages").inner_text() == "33"
    assert page.locator("#total-failed").inner_text() == "7"
    trusted = page.locator("#trusted-sources").inner_text()
    assert "192.0.2.10" in trusted and "Unresolved" in trusted
    assert "198.51.100.77" in page.locator("#threat-sources").inner_text()
    # The chart: one bar per day of the week, the Monday's counts in its tooltip.
    assert page.locator("svg.dmarc-chart g.dmarc-bar").count() == 7
    assert page.locator("svg.dmarc-chart rect.dmarc-failed").count() == 2
    screenshot(page, "dmarc-report")
    page.locator("#previous-period").click()
    page.wait_for_url(re.compile(r"week=2026-W48"))
    assert page.locator("#total-messages").inner_text() == "0"
    page.locator("#next-period").click()
    page.wait_for_url(re.compile(r"week=2026-W49"))
    page.locator("#start").fill("2026-12-02")
    page.locator("#end").fill("2026-12-02")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"start=2026-12-02"))
    assert page.locator("#period-label").inner_text() == "2026-12-02 – 2026-12-02"
    assert page.locator("#total-messages").inner_text() == "4"
    assert page.dialogs == []
