"""The dashboard's scheduled jobs and health items, and the language menu,
as a super administrator sees them in Chromium.
"""

import datetime
import os

import pytest
from django.core.management import call_command
from django.utils import dateformat, timezone, translation

from modoboa.admin.models import DNSBLResult, MXRecord
from modoboa.core import jobs, languages
from modoboa.core.auth import django_language
from modoboa.core.models import JobRun
from tests.fixtures.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAST_SUCCESS = datetime.datetime(2026, 11, 28, 9, 5, tzinfo=datetime.UTC)


def shown(moment, fmt):
    return dateformat.format(timezone.localtime(moment), fmt)


@pytest.fixture
def job_runs():
    """check_mx succeeded a minute ago; cleanlogs fails since its last
    success on November 28; every other scheduled job never ran.
    """
    now = timezone.now().replace(microsecond=0)
    JobRun.objects.create(
        name="check_mx",
        started_at=now - datetime.timedelta(minutes=1),
        finished_at=now,
        status=JobRun.SUCCEEDED,
        last_success_at=now,
    )
    JobRun.objects.create(
        name="cleanlogs",
        started_at=now - datetime.timedelta(hours=1),
        finished_at=now - datetime.timedelta(hours=1),
        status=JobRun.FAILED,
        message="database is locked",
        last_success_at=LAST_SUCCESS,
    )
    return {run.name: run for run in JobRun.objects.all()}


def job_item(page, name):
    return page.locator('#dashboard-jobs [data-job="%s"]' % name)


def test_scheduled_jobs_widget(browser_page, superadmin, job_runs):
    page = browser_page
    login(page, "admin", "password")
    page.goto(page.base_url + "/dashboard/")
    listed = page.locator("#dashboard-jobs [data-job]").evaluate_all(
        "items => items.map(item => item.dataset.job)"
    )
    assert listed == sorted(jobs.SCHEDULE)
    # Never run: flagged, no date, no error.
    never = job_item(page, "handle_mailbox_operations")
    assert never.locator("[data-status]").inner_text() == "never run"
    assert never.locator(".text-danger").count() == 0
    assert "Last started" not in never.inner_text()
    # Succeeded: green, when it started, nothing else.
    done = job_item(page, "check_mx")
    assert done.locator("[data-status]").inner_text() == "succeeded"
    started = shown(job_runs["check_mx"].started_at, "m/d/Y P")
    assert done.locator(".text-body-secondary").inner_text() == "Last started %s" % started
    assert done.locator("[data-late]").count() == 0
    assert done.locator(".text-danger").count() == 0
    # Failing: red, the error's first line and since when it fails.
    failing = job_item(page, "cleanlogs")
    assert failing.locator("[data-status]").inner_text() == "failed"
    assert failing.locator(".text-danger").inner_text() == "database is locked"
    assert "last success %s" % shown(LAST_SUCCESS, "m/d/Y P") in failing.inner_text()
    assert "11/28/2026 9:05 a.m." in failing.inner_text()


def test_health_items_follow_the_maps_and_the_dns_checks(
    browser_page, superadmin, make_domain, settings, tmp_path
):
    maps_dir = tmp_path / "postfix"
    maps_dir.mkdir()
    settings.MODOBOA_POSTFIX_MAPS_DIR = str(maps_dir)
    call_command("generate_postfix_maps", "--destdir", str(maps_dir), verbosity=0)
    os.unlink(maps_dir / "sql-aliases.cf")
    domain = make_domain("listed.example.org")
    make_domain("quiet.example.org")
    mx = MXRecord.objects.create(
        domain=domain,
        name="mx.listed.example.org",
        address="192.0.2.25",
        updated=timezone.now() + datetime.timedelta(hours=1),
    )
    DNSBLResult.objects.create(
        domain=domain, provider="zen.spamhaus.org", mx=mx, status="127.0.0.2"
    )
    page = browser_page
    login(page, "admin", "password")
    page.goto(page.base_url + "/dashboard/")
    item = page.locator("#health-postfix-maps")
    assert item.get_attribute("data-state") == "missing"
    assert page.locator("#postfix-maps-state").inner_text() == "missing"
    assert page.locator("#postfix-maps-files").inner_text() == "sql-aliases.cf"
    command = page.locator("#postfix-maps-command").inner_text()
    assert command == "python manage.py generate_postfix_maps --destdir %s" % maps_dir
    assert "To fix it, run:" in item.inner_text()
    assert page.locator("#database-server").inner_text().startswith("SQLite 3.")
    assert page.locator("#database-state").inner_text() == "up to date"
    assert page.locator("#database-command").count() == 0
    assert page.locator("#dns-mx-checked").inner_text() == "1"
    assert page.locator("#dns-dnsbl-listed").inner_text() == "1"
    assert "text-bg-danger" in page.locator("#dns-dnsbl-listed").get_attribute("class")
    # The postmaster runs the printed command: the line turns green.
    call_command(*command.split()[2:], verbosity=0)
    DNSBLResult.objects.update(status="")
    page.reload()
    assert page.locator("#postfix-maps-state").inner_text() == "up to date"
    assert "text-bg-success" in page.locator("#postfix-maps-state").get_attribute("class")
    assert page.locator("#postfix-maps-command").count() == 0
    assert page.locator("#postfix-maps-files").count() == 0
    generated = page.locator("#postfix-maps-generated").inner_text()
    assert generated.startswith("Generated ") and "/%d " % timezone.now().year in generated
    assert page.locator("#dns-dnsbl-listed").inner_text() == "0"
    assert page.dialogs == []


def test_language_menu_lists_the_catalogues_and_switches_the_page(
    browser_page, superadmin, job_runs
):
    catalogues = {
        name
        for name in os.listdir(languages.LOCALE_DIR)
        if (languages.LOCALE_DIR / name / "LC_MESSAGES" / "django.mo").is_file()
    }
    page = browser_page
    login(page, "admin", "password")
    page.goto(page.base_url + "/user/profile/")
    options = page.locator("#id_language option").evaluate_all(
        "options => options.map(option => [option.value, option.textContent.trim()])"
    )
    offered = {translation.to_locale(django_language(value)) for value, _label in options}
    assert len(options) == len(catalogues) == 16
    assert offered == catalogues
    assert ["de", "Deutsch"] in options
    page.locator("#id_language").select_option("de")
    with page.expect_navigation():
        page.get_by_role("button", name="Update").click()
    assert page.locator("html").get_attribute("lang") == "de"
    # The confirmation speaks the language just chosen too.
    page.get_by_text("Profil aktualisiert").wait_for()
    assert page.get_by_text("Profile updated").count() == 0
    page.goto(page.base_url + "/dashboard/")
    assert page.get_by_role("heading", name="Geplante Aufträge").count() == 1
    failing = job_item(page, "cleanlogs")
    assert failing.locator("[data-status]").inner_text() == "fehlgeschlagen"
    # The German way: day first, dots, 24-hour clock.
    assert "28.11.2026 09:05" in failing.inner_text()
    assert "11/28/2026" not in page.content()
