"""The hostile corpus delivered to the real Dovecot and opened through every
reading view: answers are 200 or clean errors, never 500, and what reaches
the browser carries no script, no event handler, no remote request.
"""

import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from tests.integration.webmail_corpus import corpus

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

DANGEROUS = [
    re.compile(pattern, re.I)
    for pattern in (
        r"<script",
        r"<svg",
        r"<iframe",
        r"<object",
        r"<embed",
        r"<form",
        r"<meta",
        r"<base",
        r"<link",
        r"<style[^>]*>[^<]*url",
        r"\son\w+\s*=",
        r"javascript:",
        r"vbscript:",
        r"data:text/html",
        r"data:image/svg",
        r"expression\(",
        r"url\(",
        r"evil\.invalid",
        r"srcdoc",
        r"xlink:href",
        r"background=",
        r"poster=",
    )
]


def assert_clean(html, where):
    # An ordinary link stays (it opens in a new window when clicked; nothing
    # is fetched before).
    html = html.replace('<a href="http://evil.invalid/ok" target="_blank"', "<a")
    for pattern in DANGEROUS:
        assert not pattern.search(html), "%s: %s matches %r" % (where, pattern.pattern, html)


@pytest.fixture
def hostile(client, webmail_user, mailbox):
    for _name, raw in corpus():
        mailbox.deliver(raw, sender="mallory@outside.test")
    client.force_login(webmail_user)
    return sorted(mailbox.flags())


def test_every_view_answers_cleanly_and_the_html_is_inert(client, hostile, webmail_user):
    listing = client.get(reverse("webmail:index"), {"sort": "date"})
    assert listing.status_code == 200
    page_html = listing.content.decode()
    assert "<script>window.__pwned" not in page_html and "<img src=x" not in page_html
    # The encoded CR/LF of the subject became spaces: one line, no header.
    assert "Hello  Bcc: victim@outside.test" in page_html
    assert not re.search(r"Hello\s*\n\s*Bcc", page_html)
    for display in ("html", "plain"):
        webmail_user.parameters.set_value("displaymode", display, app="modoboa_webmail")
        for uid in hostile:
            query = "?" + urlencode({"folder": "INBOX"})
            message = client.get(reverse("webmail:message", args=[uid]) + query)
            assert message.status_code == 200, uid
            content = message.content.decode()
            assert (
                "window.__pwned=1</script>"
                not in content.replace("&lt;", "<").replace("&gt;", ">")
                or "&lt;script&gt;" in content
            ), uid
            assert not re.search(r"<script>window", content), uid
            body = client.get(reverse("webmail:message_body", args=[uid]) + query)
            assert body.status_code == 200, uid
            assert "script-src" not in body["Content-Security-Policy"]
            assert "default-src 'none'" in body["Content-Security-Policy"]
            inner = body.content.decode().split("<body>", 1)[1]
            assert_clean(inner, "message %d" % uid)
            for name in ("message_headers", "message_source"):
                response = client.get(reverse("webmail:" + name, args=[uid]) + query)
                assert response.status_code == 200, (name, uid)
                assert response["Content-Type"] == "text/plain; charset=utf-8"
            for href in re.findall(r'href="([^"]*/parts/[^"]*)"', content):
                download = client.get(href.replace("&amp;", "&"))
                assert download.status_code == 200, href
                assert download["Content-Disposition"].startswith("attachment;")
                assert "html" not in download["Content-Type"]
                assert "svg" not in download["Content-Type"]
                name = re.search(r'filename="([^"]*)"', download["Content-Disposition"])
                if name:
                    assert "/" not in name.group(1) and "\\" not in name.group(1), href
                    assert not name.group(1).startswith("."), href
            for cid in ("evil@svg", "nothing"):
                response = client.get(
                    reverse("webmail:message_cid", args=[uid])
                    + "?"
                    + urlencode({"folder": "INBOX", "cid": cid})
                )
                assert response.status_code == 404, (uid, cid)


def test_what_the_corpus_shows(client, hostile):
    def page_of(subject_fragment):
        listing = client.get(reverse("webmail:index"), {"q": subject_fragment, "in": "subject"})
        uid = re.search(r"/webmail/messages/(\d+)/", listing.content.decode()).group(1)
        response = client.get(reverse("webmail:message", args=[uid]), {"folder": "INBOX"})
        return response.content.decode()

    traversal = page_of("Traversal")
    for safe in ("passwd", "evil.bat", "path.txt", "htaccess"):
        assert ">%s</a>" % safe in traversal
    assert ">..%2F" not in traversal and "../" not in traversal
    nested = page_of("Deeply")
    assert "too many parts" not in nested  # depth is bounded, not the count
    bomb = page_of("Zip bomb")
    assert ">bomb.zip</a>" in bomb
    huge = page_of("Huge")
    assert "too long to be shown entirely" in huge
