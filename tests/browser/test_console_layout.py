"""The main pages fit desktop and phone screens, in English and French.

Each page is loaded at 1366x900 and 390x844 in a browser speaking English
or French (French labels are longer), by a super administrator and by a
reseller, and checked for what a screenshot review would catch: sideways
scrolling, text cut off inside its box (buttons, badges, labels, menus,
table headers), tables stacked as cards wider than a phone, fields without
a label, usage bars whose value is not written next to the bar or not
given to screen readers. Screenshots land in
``test-artifacts/screenshots/layout/<language>-<size>-<page>.png``.
"""

import pytest

from modoboa.admin import services
from modoboa.admin.models import Quota
from modoboa.core import constants
from tests.fixtures.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Toto1234!"
VIEWPORTS = {"desktop": (1366, 900), "phone": (390, 844)}
BROWSER_LOCALES = {"en": "en-US", "fr": "fr-FR"}

# Elements whose text must never be cut off by their own box.
TEXT_BOXES = ", ".join(
    [
        ".btn",
        ".badge",
        ".nav-link",
        ".list-group-item",
        ".form-label",
        ".form-check-label",
        ".dropdown-item",
        ".page-link",
        "label",
        "th",
        "h1",
        "h2",
        ".usage-value",
    ]
)

CHECK_PAGE = """
(selector) => {
  const problems = [];
  const describe = (el) =>
    el.tagName.toLowerCase() + " '" + el.textContent.trim().slice(0, 40) + "'";
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth + 1) {
    problems.push("the page scrolls sideways: " + root.scrollWidth + "px");
  }
  const visible = (el) =>
    el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  for (const el of document.querySelectorAll(selector)) {
    if (!visible(el) || !el.textContent.trim()) continue;
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible") {
      problems.push("text cut off: " + describe(el));
    }
  }
  // Tables stacked as cards on phones must fit without scrolling.
  for (const table of document.querySelectorAll(".table-responsive-stack")) {
    const box = table.closest(".table-responsive") || table.parentElement;
    if (window.innerWidth < 768 && box.scrollWidth > box.clientWidth + 1) {
      problems.push("stacked table wider than the screen: " + (table.id || "table"));
    }
  }
  // Every field has a name for screen readers.
  for (const field of document.querySelectorAll("input, select, textarea")) {
    if (["hidden", "submit", "button"].includes(field.type) || !visible(field)) continue;
    const named = field.labels.length > 0 || field.getAttribute("aria-label") ||
      [...(field.getAttribute("aria-labelledby") || "").split(" ")]
        .some((id) => id && document.getElementById(id));
    if (!named) problems.push("field without a label: " + (field.name || field.id));
  }
  for (const bar of document.querySelectorAll("[role=progressbar]")) {
    const value = bar.parentElement.querySelector(".usage-value");
    if (!bar.getAttribute("aria-label") || !bar.hasAttribute("aria-valuenow")) {
      problems.push("usage bar without a label or a value");
    } else if (bar.textContent.trim() || !value || !visible(value) ||
               value.textContent.trim() !== bar.getAttribute("aria-valuetext")) {
      problems.push("usage value not written next to its bar: " + bar.getAttribute("aria-label"));
    }
  }
  return problems;
}
"""


@pytest.fixture
def console_data(superadmin, reseller, make_domain, make_account, set_limits):
    """A reseller with part of its pool used; its domain has a quota, a
    domain administrator, mailboxes filled to 3, 55 and 97 %, an alias with
    an external recipient and a domain alias.
    """
    domain = make_domain(
        "reseller-shop.example.org", acting_user=reseller, quota=1000, default_mailbox_quota=100
    )
    admin = make_account(
        "postmaster@reseller-shop.example.org",
        acting_user=reseller,
        role=constants.DOMAINADMINS,
        domains=[domain.name],
    )
    set_limits(admin, mailboxes=20, mailbox_aliases=20)
    users = []
    for name, used in (("alice", 3), ("bob", 55), ("carol", 97)):
        user = make_account(
            "%s@reseller-shop.example.org" % name,
            acting_user=reseller,
            first_name=name.title(),
            last_name="Martin-Dupont",
        )
        # What Dovecot's quota dictionary writes.
        Quota.objects.filter(username=user.email).update(bytes=used * 1048576)
        users.append(user)
    services.create_alias(
        acting_user=reseller,
        address="contact@reseller-shop.example.org",
        recipients=["alice@reseller-shop.example.org", "partner@example.net"],
    )
    services.create_domain_alias(
        acting_user=reseller, name="shop-alias.example.net", target=domain
    )
    return {"domain": domain, "user": users[1]}


def _superadmin_pages(data):
    domain, user = data["domain"], data["user"]
    return [
        ("dashboard", "/dashboard/"),
        ("domains", "/admin/domains/"),
        ("domain-quotas", "/admin/domains/quotas/"),
        ("domain-detail", "/admin/domains/%d/" % domain.pk),
        ("domain-edit", "/admin/domains/%d/edit/" % domain.pk),
        ("domain-wizard", "/admin/domains/new/"),
        ("domain-import", "/admin/domains/import/"),
        ("identities", "/admin/identities/"),
        ("identity-quotas", "/admin/identities/quotas/"),
        ("account-detail", "/admin/accounts/%d/" % user.pk),
        ("account-edit", "/admin/accounts/%d/edit/" % user.pk),
        ("account-wizard", "/admin/accounts/new/"),
        ("alias-new", "/admin/aliases/new/"),
        ("information", "/core/info/"),
        ("logs", "/core/logs/"),
        ("parameters", "/core/parameters/"),
        ("profile", "/user/profile/"),
        ("twofactor", "/user/twofactor/"),
    ]


def _reseller_pages(data):
    return [
        ("reseller-dashboard", "/dashboard/"),
        ("reseller-domains", "/admin/domains/"),
        ("reseller-domain-detail", "/admin/domains/%d/" % data["domain"].pk),
        ("reseller-identities", "/admin/identities/"),
    ]


def _login(page, username, password):
    page.goto(page.base_url + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("#id_password").press("Enter")
    page.wait_for_url("**/dashboard/")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_main_pages_fit_desktop_and_phone(
    chromium, live_server, console_data, superadmin, reseller, language
):
    for account in (superadmin, reseller):
        account.language = language
        account.save(update_fields=["language"])
    directory = SCREENSHOTS / "layout"
    directory.mkdir(parents=True, exist_ok=True)
    problems = {}
    for size, (width, height) in VIEWPORTS.items():
        context = chromium.new_context(
            viewport={"width": width, "height": height}, locale=BROWSER_LOCALES[language]
        )
        page = context.new_page()
        page.set_default_timeout(20000)
        page.base_url = live_server.url
        visits = [("login", "/accounts/login/", None)]
        visits += [(name, url, "admin") for name, url in _superadmin_pages(console_data)]
        visits += [(name, url, "reseller") for name, url in _reseller_pages(console_data)]
        logged_in = None
        for name, url, username in visits:
            if username != logged_in:
                context.clear_cookies()
                _login(page, username, "password" if username == "admin" else PASSWORD)
                logged_in = username
            page.goto(page.base_url + url)
            assert page.locator("html").get_attribute("lang") == language, url
            shot = "%s-%s-%s" % (language, size, name)
            page.screenshot(path=str(directory / ("%s.png" % shot)), full_page=True)
            found = page.evaluate(CHECK_PAGE, TEXT_BOXES)
            if found:
                problems[shot] = found
        if size == "phone":
            # The main menu, opened with its toggler once its animation ended.
            page.locator(".navbar-toggler").click()
            page.locator("#main-nav.collapse.show").wait_for()
            shot = "%s-phone-menu" % language
            page.screenshot(path=str(directory / ("%s.png" % shot)))
            found = page.evaluate(CHECK_PAGE, TEXT_BOXES)
            if found:
                problems[shot] = found
        context.close()
    assert problems == {}


def test_wizard_leaves_the_focus_where_the_user_is(browser_page, superadmin):
    page = browser_page
    _login(page, "admin", "password")
    page.goto(page.base_url + "/admin/domains/new/")
    # Nothing is focused on load, and changing a field keeps its focus.
    assert page.evaluate("document.activeElement === document.body")
    page.locator("#id_type").focus()
    page.locator("#id_type").select_option("relaydomain")
    assert page.evaluate("document.activeElement.id") == "id_type"
    steps = page.locator(".wizard-steps .step:visible").all_inner_texts()
    assert steps == ["General", "Transport", "Options"]
    page.locator("#id_name").fill("relay.example.org")
    page.get_by_role("button", name="Next").click()
    # Changing step moves the focus to the new step's heading.
    assert page.evaluate("document.activeElement.id") == "step-transport-title"
