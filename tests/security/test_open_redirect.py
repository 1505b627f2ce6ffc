"""Open redirect after login: ``next`` only ever leads to this site.

Guards against the open redirect after login Modoboa fixed in 2017 (PR
#1173), in the password and the two-factor steps of the login.
"""

import html
import re
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

HOSTILE_NEXT = (
    "//evil.example",
    "https://evil.example/",
    "http://evil.example",
    "\\\\evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "%2F%2Fevil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "///evil.example",
    " //evil.example",
    "\t//evil.example",
    "http://testserver@evil.example/",
)


def landing(response):
    assert response.status_code == 302
    return response["Location"]


def assert_stays_here(location, next_url):
    """Where a browser goes from the login page is this site."""
    target = urljoin("http://testserver/accounts/login/", location.replace("\\", "/"))
    parts = urlsplit(target)
    assert (parts.scheme, parts.netloc) == ("http", "testserver"), (next_url, location)


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_login_never_redirects_to_another_site(client, simple_user, next_url):
    response = client.post(
        "/accounts/login/?next=%s" % next_url,
        {"username": "user@test.com", "password": PASSWORD},
    )
    assert_stays_here(landing(response), next_url)
    client.logout()
    response = client.post(
        "/accounts/login/",
        {"username": "user@test.com", "password": PASSWORD, "next": next_url},
    )
    assert_stays_here(landing(response), next_url)


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_login_page_never_carries_a_foreign_next(client, db, next_url):
    response = client.get("/accounts/login/", {"next": next_url})
    found = re.search(r'name="next" value="([^"]*)"', response.content.decode())
    if found:
        assert_stays_here(html.unescape(found.group(1)), next_url)


@pytest.mark.parametrize("next_url", HOSTILE_NEXT[:4])
def test_second_factor_step_never_redirects_to_another_site(client, simple_user, next_url):
    from modoboa.core.twofactor import services as twofactor

    device = twofactor.start_enrolment(simple_user)
    twofactor.confirm_enrolment(simple_user, twofactor.current_code(device.key))
    client.post(
        "/accounts/login/",
        {"username": "user@test.com", "password": PASSWORD, "next": next_url},
    )
    response = client.post(
        "/accounts/login/verify/", {"code": twofactor.current_code(device.key, 1)}
    )
    assert_stays_here(landing(response), next_url)


def test_a_local_next_is_followed(client, simple_user):
    response = client.post(
        "/accounts/login/?next=/user/forward/",
        {"username": "user@test.com", "password": PASSWORD},
    )
    assert landing(response) == "/user/forward/"
