"""Account security in headless Chromium: TOTP enrolment and login, login
throttling, the password policy on the profile page, enforcement by role.
"""

import base64
import re

import pytest

from modoboa.core.twofactor import services as twofactor
from modoboa.core.twofactor.models import TOTPDevice
from modoboa.parameters import tools as param_tools
from tests.fixtures.browser import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Toto1234!"


def phone_code(secret_base32, offset=0):
    """What an authenticator application shows for the secret it scanned."""
    padded = secret_base32 + "=" * (-len(secret_base32) % 8)
    return twofactor.current_code(base64.b32decode(padded).hex(), offset)


def test_user_enrols_then_logs_in_with_a_code(browser_page, simple_user, screenshot):
    page = browser_page
    login(page, "user@test.com", PASSWORD)
    page.get_by_role("link", name="Two-factor authentication").click()
    page.get_by_role("button", name="Set up two-factor authentication").click()
    assert page.locator(".twofactor-qrcode svg").is_visible()
    secret = page.locator("#twofactor-secret").inner_text()
    screenshot(page, "twofactor-enable")
    page.locator("#id_code").fill("000000")
    page.get_by_role("button", name="Enable").click()
    assert "Invalid code" in page.content()
    page.locator("#id_code").fill(phone_code(secret))
    page.get_by_role("button", name="Enable").click()
    page.wait_for_url("**/user/twofactor/codes/")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    screenshot(page, "twofactor-recovery-codes")
    logout(page)

    login(page, "user@test.com", PASSWORD)
    page.wait_for_url("**/accounts/login/verify/")
    screenshot(page, "twofactor-verify")
    page.locator("#id_code").fill("999999")
    page.get_by_role("button", name="Verify").click()
    assert "Invalid code" in page.content()
    page.locator("#id_code").fill(phone_code(secret, 1))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(re.compile(r"/user/"))
    assert "enabled for your account" in page.goto(page.base_url + "/user/twofactor/").text()
    logout(page)

    # A recovery code works once.
    login(page, "user@test.com", PASSWORD)
    page.locator("#id_code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(re.compile(r"/user/"))


def test_password_guessing_is_slowed_down(browser_page, simple_user, screenshot):
    page = browser_page
    for _ in range(3):
        login(page, "user@test.com", "wrong-guess")
        assert "didn't match" in page.locator("#login-error").inner_text()
    login(page, "user@test.com", PASSWORD)
    assert "Too many failed attempts" in page.locator("#login-error").inner_text()
    assert page.url.endswith("/accounts/login/")
    screenshot(page, "login-throttled")


def test_profile_refuses_a_weak_password(browser_page, simple_user, screenshot):
    page = browser_page
    login(page, "user@test.com", PASSWORD)
    page.goto(page.base_url + "/user/profile/")
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password").fill("password")
    page.get_by_label("Confirmation").fill("password")
    page.get_by_role("button", name="Update").click()
    content = page.locator("#profile-form").inner_text()
    assert "too common" in content
    assert "uppercase" in content
    screenshot(page, "profile-weak-password")
    simple_user.refresh_from_db()
    assert simple_user.check_password(PASSWORD)


def test_administrators_must_enrol_when_required(browser_page, superadmin, screenshot):
    param_tools.get_localconfig().parameters.set_value("twofactor_required", "admins", app="core")
    page = browser_page
    login(page, "admin", "password")
    page.wait_for_url("**/user/twofactor/")
    assert page.locator("#twofactor-required").is_visible()
    page.goto(page.base_url + "/admin/domains/")
    assert page.url.endswith("/user/twofactor/")
    screenshot(page, "twofactor-required")
    page.get_by_role("button", name="Set up two-factor authentication").click()
    secret = page.locator("#twofactor-secret").inner_text()
    page.locator("#id_code").fill(phone_code(secret))
    page.get_by_role("button", name="Enable").click()
    page.wait_for_url("**/user/twofactor/codes/")
    page.goto(page.base_url + "/admin/domains/")
    assert page.url.endswith("/admin/domains/")
    assert TOTPDevice.objects.filter(user=superadmin, confirmed=True).exists()
