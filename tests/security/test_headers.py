"""Clickjacking, cookies and the Content-Security-Policy.

Guards against the classes PostfixAdmin fixed without a CVE (clickjacking
in 3.3.10, #523; CSP, SameSite and HttpOnly cookies in 4.0, #903/#905) and
limits the harm of any XSS left (Modoboa CVE-2023-0470, -0519, -0949,
-5688, -5689): every page carries a policy that runs no inline script and
cannot be framed, and the production settings ``deploy`` writes send
cookies over HTTPS only, out of reach of scripts and of cross-site posts.
"""

import os
from html.parser import HTMLParser

import pytest
from django.test import override_settings

from .conftest import PASSWORD, every_path

pytestmark = pytest.mark.django_db


def directives(header):
    result = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            result[words[0]] = words[1:]
    return result


def assert_strict_policy(response, where):
    header = response.get("Content-Security-Policy")
    assert header, "%s: no Content-Security-Policy" % where
    policy = directives(header)
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts, "%s: no script-src nor default-src" % where
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, where
    assert "*" not in scripts and "data:" not in scripts, where
    assert policy.get("object-src") == ["'none'"], where
    assert policy.get("frame-ancestors") == ["'none'"], where
    assert response.get("X-Frame-Options") == "DENY", where


class InlineCode(HTMLParser):
    """Collect what a strict policy would block: inline scripts, inline
    styles, event handler attributes and ``javascript:`` URLs.
    """

    def __init__(self):
        super().__init__()
        self.found = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            if "src" not in attrs and attrs.get("type") != "application/json":
                self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append("%s handler on <%s>" % (name, tag))
            if name == "style":
                self.found.append("style attribute on <%s>" % tag)
            if name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append("javascript: URL on <%s>" % tag)


def inline_code(html):
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def objects_of(world):
    from modoboa.admin.models import SenderAddress

    box = world.own_account.mailbox
    sender = SenderAddress.objects.create(address="other@elsewhere.org", mailbox=box)
    return {
        "domain": world.own_domain,
        "domainalias": None,
        "account": world.own_account,
        "alias": world.own_alias,
        "senderaddress": sender,
    }


def page_responses(client, world):
    """GET every route of the URLconf as a super administrator."""
    for name, path, _callback in every_path(objects_of(world)):
        response = client.get(path)
        yield name, path, response


def test_every_response_has_a_policy_without_inline_scripts_and_refuses_framing(client, world):
    client.force_login(world.superadmin)
    seen_html = 0
    for name, path, response in page_responses(client, world):
        assert_strict_policy(response, "%s (%s)" % (path, name))
        if "text/html" in response.get("Content-Type", "") and not response.streaming:
            seen_html += 1
    assert seen_html > 30


def test_anonymous_and_error_pages_have_the_policy_too(client, db):
    for path in ("/accounts/login/", "/accounts/password_reset/", "/no-such-page/", "/admin/"):
        assert_strict_policy(client.get(path), path)


def test_console_pages_hold_no_inline_code_so_the_policy_breaks_nothing(client, world):
    client.force_login(world.superadmin)
    checked = []
    for name, path, response in page_responses(client, world):
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        if response.streaming or path in ("/docs/api/", "/ckeditor/browse/"):
            # Third-party pages with their own policy (tests below).
            continue
        assert inline_code(response.content.decode()) == [], "%s (%s)" % (path, name)
        checked.append(path)
    assert "/admin/domains/" in checked and "/core/parameters/" in checked


def test_swagger_ui_runs_its_scripts_from_files_under_its_own_policy(client, db):
    response = client.get("/docs/api/")
    assert response.status_code == 200
    assert_strict_policy(response, "/docs/api/")
    found = inline_code(response.content.decode())
    # Its own style sheet is inline (style-src allows it on this page only).
    assert [item for item in found if "style" not in item] == []
    script = client.get("/docs/api/", {"script": ""})
    assert script.status_code == 200
    assert "javascript" in script["Content-Type"]
    assert b"SwaggerUIBundle" in script.content


def production_settings(tmp_path):
    """The settings module ``deploy`` writes for a production instance."""
    from modoboa.core.commands.deploy import DeployCommand

    command = DeployCommand()
    command.allowed_hosts = ["mail.example.com"]
    databases = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db"}}
    options = {"devel": False, "lang": "en", "timezone": "UTC"}
    text = command.render_settings("instance", databases, options, [], "k" * 50)
    namespace = {"__file__": os.path.join(str(tmp_path), "instance", "settings.py")}
    exec(compile(text, "settings.py", "exec"), namespace)  # noqa: S102 - our template
    return namespace


def test_deployed_production_settings_secure_cookies_and_framing(tmp_path):
    values = production_settings(tmp_path)
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values.get("SESSION_COOKIE_SAMESITE", "Lax") in ("Lax", "Strict")
    assert values.get("CSRF_COOKIE_SAMESITE", "Lax") in ("Lax", "Strict")
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_SSL_REDIRECT"] is True
    middleware = values["MIDDLEWARE"]
    for needed in (
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "modoboa.core.security_middleware.ContentSecurityPolicyMiddleware",
        "modoboa.core.security_middleware.TrustedProxyMiddleware",
    ):
        assert needed in middleware, needed
    assert "x_forwarded_for.middleware.XForwardedForMiddleware" not in middleware


def test_cookies_set_at_login_are_secure_httponly_and_same_site(client, simple_user, tmp_path):
    values = production_settings(tmp_path)
    names = [
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SAMESITE",
        "LANGUAGE_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SAMESITE",
    ]
    cookie_settings = {name: values[name] for name in names if name in values}
    with override_settings(**cookie_settings):
        client.get("/accounts/login/", secure=True)
        response = client.post(
            "/accounts/login/",
            {"username": "user@test.com", "password": PASSWORD},
            secure=True,
        )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] in ("Lax", "Strict")
    csrf = response.cookies.get("csrftoken") or client.cookies["csrftoken"]
    assert csrf["secure"]
    assert csrf["samesite"] in ("Lax", "Strict")
    # The language chosen at login too (issue 14).
    language = response.cookies["django_language"]
    assert language["secure"]
    assert language["samesite"] in ("Lax", "Strict")


def test_forwarded_proto_is_believed_from_trusted_proxies_only(client, db, tmp_path):
    """With SECURE_PROXY_SSL_HEADER (production settings), a client that
    says ``X-Forwarded-Proto: https`` itself must not pass for HTTPS
    (issue 14).
    """
    values = production_settings(tmp_path)
    with override_settings(
        SECURE_PROXY_SSL_HEADER=values["SECURE_PROXY_SSL_HEADER"], SECURE_SSL_REDIRECT=True
    ):
        forged = client.get(
            "/accounts/login/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https"
        )
        proxied = client.get(
            "/accounts/login/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_PROTO="https"
        )
    assert forged.status_code == 301
    assert forged["Location"].startswith("https://")
    assert proxied.status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_another_site_cannot_frame_the_console(browser_page, superadmin):
    """Chromium refuses to show the console in a frame of another origin."""
    page = browser_page
    blocked = []
    page.on("console", lambda message: blocked.append(message.text))
    target = page.base_url + "/accounts/login/"
    page.goto("about:blank")
    page.set_content('<iframe id="victim" src="%s" width="600" height="400"></iframe>' % target)
    page.wait_for_timeout(1500)
    frame = next(f for f in page.frames if f != page.main_frame)
    assert frame.url in (target, "about:blank", "chrome-error://chromewebdata/")
    # The login form never loads inside the frame.
    assert frame.query_selector("#id_username") is None


def test_rich_text_image_browser_runs_only_its_own_inline_scripts(client, simple_user):
    """django-ckeditor's browser page has inline scripts: its policy allows
    exactly those (by hash), not any script injected into the page.
    """
    import base64
    import hashlib
    import re

    client.force_login(simple_user)
    response = client.get("/ckeditor/browse/")
    assert response.status_code == 200
    assert_strict_policy(response, "/ckeditor/browse/")
    allowed = directives(response["Content-Security-Policy"])["script-src"]
    bodies = re.findall(rb"<script[^>]*>(.*?)</script>", response.content, re.DOTALL)
    inline = [body for body in bodies if body.strip()]
    assert inline
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        assert "'sha256-%s'" % digest in allowed
    injected = b"alert(document.domain)"
    digest = base64.b64encode(hashlib.sha256(injected).digest()).decode()
    assert "'sha256-%s'" % digest not in allowed
