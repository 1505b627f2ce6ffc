"""Stored and reflected XSS: hostile text typed in any free-text field, in
a URL parameter, a form value that comes back with an error, a log line, a
tag filter or a CSV line is shown as text, never run as markup.

Guards against Modoboa CVE-2023-0470 (domain creation form), CVE-2023-0519
(account deletion and log view), CVE-2023-0949 (tags), CVE-2023-5688 and
CVE-2023-5689 (form error messages), the login form XSS of 2022 (#2501)
and PostfixAdmin CVE-2012-0812 (URL parameters, creation forms, error
messages, stored values in lists).

Two checks: with the test client, the payload only appears escaped; in
headless Chromium, no payload runs (a dialog or a global would betray it)
and the text is shown literally.
"""

import io

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

# Short enough for a first name (30 characters); each would run script if
# rendered as markup, and set a global the browser test looks for.
PAYLOADS = (
    "<svg/onload=alert(1)>",
    '"><img src=x onerror=alert(2)>',
    "'><script>alert(3)</script>",
)
P1, P2, P3 = PAYLOADS


def assert_escaped(response, payload, where):
    content = response.content.decode()
    assert payload not in content, "%s: %r rendered raw" % (where, payload)


def assert_shown_escaped(response, payload, where):
    from django.utils.html import escape

    assert_escaped(response, payload, where)
    assert escape(payload) in response.content.decode(), "%s: %r not shown" % (where, payload)


@pytest.fixture
def hostile(superadmin, domain, make_account):
    """Stored values carrying payloads in every free-text field."""
    from modoboa.admin import services

    account = make_account("mallory@test.com", first_name=P1, last_name=P2)
    services.update_profile(
        account, acting_user=superadmin, phone_number=P3, first_name=P1, last_name=P2
    )
    alias = services.create_alias(
        acting_user=superadmin,
        address="evil@test.com",
        recipients=["mallory@test.com"],
        description=P1 + P2 + P3,
    )
    # A failed login stores the typed name in the log (CVE-2023-0519).
    Client().post("/accounts/login/", {"username": P2, "password": "x"})
    return account, alias


def test_cve_2023_0519_stored_values_are_escaped_on_every_page(client, superadmin, hostile):
    account, alias = hostile
    client.force_login(superadmin)
    pages = {
        "/admin/identities/": (P1, P2),
        "/admin/identities/?sort=name_or_rcpt": (P1, P2),
        "/admin/accounts/%d/" % account.pk: (P1, P2),
        "/admin/accounts/%d/edit/" % account.pk: (P1, P2, P3),
        "/admin/accounts/%d/delete/" % account.pk: (),
        "/admin/aliases/%d/" % alias.pk: (P1,),
        "/admin/aliases/%d/edit/" % alias.pk: (),
        "/admin/aliases/delete/?selection=%d" % alias.pk: (),
        "/core/logs/": (P2,),
        "/core/info/": (),
        "/dashboard/": (),
    }
    for path, shown in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        for payload in PAYLOADS:
            assert_escaped(response, payload, path)
        for payload in shown:
            assert_shown_escaped(response, payload, path)


def test_own_profile_shows_hostile_names_escaped(client, hostile):
    account, _alias = hostile
    client.force_login(account)
    response = client.get("/user/profile/")
    for payload in PAYLOADS:
        assert_escaped(response, payload, "/user/profile/")


@pytest.mark.parametrize(
    "path, parameter",
    [
        ("/admin/identities/", "searchquery"),
        ("/admin/identities/", "grpfilter"),
        ("/admin/identities/", "idtfilter"),
        ("/admin/identities/", "sort"),
        ("/admin/identities/", "page"),
        ("/admin/identities/quotas/", "searchquery"),
        ("/admin/domains/", "searchquery"),
        ("/admin/domains/", "domfilter"),
        ("/admin/domains/", "srvfilter"),
        ("/admin/domains/", "sort"),
        ("/admin/domains/quotas/", "searchquery"),
        ("/core/logs/", "sort"),
        ("/core/logs/", "page"),
        ("/admin/domains/flatlist/", "q"),
    ],
)
def test_cve_2023_0949_url_parameters_and_tag_filters_are_escaped(
    client, superadmin, domain, path, parameter
):
    client.force_login(superadmin)
    for payload in PAYLOADS:
        response = client.get(path, {parameter: payload})
        assert response.status_code == 200, (path, parameter)
        assert_escaped(response, payload, "%s?%s" % (path, parameter))


def test_login_form_reflects_nothing_raw(client, db):
    """The 2022 login form XSS: next and the typed user name come back."""
    for payload in PAYLOADS:
        response = client.get("/accounts/login/", {"next": "/" + payload})
        assert_escaped(response, payload, "login ?next")
        response = client.post("/accounts/login/", {"username": payload, "password": "x"})
        assert_escaped(response, payload, "login form")


def test_cve_2023_5688_form_errors_echo_values_escaped(client, superadmin, domain):
    """CVE-2023-0470 / -5688 / -5689: invalid values come back in the form
    and in its error messages."""
    client.force_login(superadmin)
    posts = {
        "/admin/domains/new/": {"name": P1, "type": "domain", "quota": P2},
        "/admin/aliases/new/": {"address": P2, "recipients": P1, "description": P3},
        "/admin/accounts/new/": {
            "username": P3,
            "role": "SimpleUsers",
            "first_name": P1,
            "password1": P2,
            "password2": P2,
            "email": P1,
        },
        "/user/forward/": {"dest": P1},
        "/user/profile/": {"first_name": P1, "secondary_email": P2, "phone_number": P3},
    }
    for path, data in posts.items():
        response = client.post(path, data)
        assert response.status_code in (200, 400, 403), path
        for payload in PAYLOADS:
            assert_escaped(response, payload, path)


def test_csv_import_errors_show_hostile_lines_escaped(client, superadmin, domain):
    client.force_login(superadmin)
    lines = "\n".join(
        [
            "account;%s;Toto1234!;%s;%s;True;SimpleUsers;x@test.com;10" % (P1, P2, P3),
            "alias;%s;True;%s" % (P2, P1),
            "%s;a;b" % P3,
        ]
    )
    for path in ("/admin/identities/import/", "/admin/domains/import/"):
        upload = io.BytesIO(lines.encode())
        upload.name = "evil.csv"
        response = client.post(path, {"sourcefile": upload, "sepchar": ";"})
        assert response.status_code in (200, 400), path
        for payload in PAYLOADS:
            assert_escaped(response, payload, path)


# In Chromium

BROWSER_PAGES = (
    "/admin/identities/",
    "/admin/identities/?searchquery=%3Csvg%2Fonload%3Dalert(1)%3E",
    "/core/logs/",
    "/admin/domains/?searchquery=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(2)%3E",
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_payload_runs_in_the_browser(browser_page, superadmin, hostile, screenshot):
    from tests.fixtures.browser import login

    account, alias = hostile
    page = browser_page
    login(page, "admin", "password")
    pages = BROWSER_PAGES + (
        "/admin/accounts/%d/" % account.pk,
        "/admin/accounts/%d/edit/" % account.pk,
        "/admin/aliases/%d/" % alias.pk,
    )
    for path in pages:
        page.goto(page.base_url + path)
        page.wait_for_load_state("networkidle")
        assert page.dialogs == [], path
        assert page.evaluate("document.querySelectorAll('svg[onload], img[onerror]').length") == 0
    page.goto(page.base_url + "/admin/accounts/%d/" % account.pk)
    assert P1 in page.locator("main").inner_text()
    screenshot(page, "security-xss-account-detail")
    # A form error echoing a payload, typed in the page itself.
    page.goto(page.base_url + "/admin/aliases/new/")
    page.locator("#id_address").fill(P2)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    assert page.dialogs == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_payload_runs_on_the_login_page(browser_page, db):
    page = browser_page
    page.goto(page.base_url + "/accounts/login/?next=/%22%3E%3Csvg/onload=alert(1)%3E")
    page.get_by_label("Username").fill(P1)
    page.get_by_label("Password").fill("x")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")
    assert page.dialogs == []
    assert page.locator("#id_username").input_value() == P1
