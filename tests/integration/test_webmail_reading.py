"""Reading mail in the webmail, against the real Dovecot: text escaped, HTML
sanitised and framed under its own policy, remote images on demand, inline
images, attachments (nested too) with safe names and types, headers and
source as text.
"""

import email.message
import re

import pytest
from django.urls import reverse

from tests.fixtures.webmail import make_message

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def user_client(client, webmail_user):
    client.force_login(webmail_user)
    return client


def last_uid(mailbox, folder="INBOX"):
    return max(mailbox.flags(folder))


def url(name, uid, *args, **params):
    params.setdefault("folder", "INBOX")
    from urllib.parse import urlencode

    return reverse("webmail:%s" % name, args=[uid, *args]) + "?" + urlencode(params)


def test_plain_text_is_shown_escaped_and_marks_the_message_read(user_client, mailbox):
    mailbox.deliver(make_message("Text <b>bold</b>", body="<script>window.x=1</script> & co\n"))
    uid = last_uid(mailbox)
    response = user_client.get(url("message", uid))
    html = response.content.decode()
    assert response.status_code == 200
    assert "&lt;script&gt;window.x=1&lt;/script&gt; &amp; co" in html
    assert "Text &lt;b&gt;bold&lt;/b&gt;" in html
    assert "<script>window" not in html
    assert b"\\Seen" in mailbox.flags()[uid]


def test_html_is_sanitised_in_a_sandboxed_frame_with_its_own_policy(
    user_client, webmail_user, mailbox
):
    webmail_user.parameters.set_value("displaymode", "html", app="modoboa_webmail")
    html_body = (
        '<p onclick="alert(1)">Hi <b>there</b></p><script>alert(2)</script>'
        '<img src="https://tracker.example/pixel.gif"><a href="javascript:alert(3)">js</a>'
        '<a href="https://example.org/">site</a><img src="cid:logo@x">'
    )
    message = email.message.EmailMessage()
    message["From"] = "bob@outside.test"
    message["To"] = "alice@webmail.test"
    message["Subject"] = "Newsletter"
    message.set_content("text version")
    message.add_alternative(html_body, subtype="html")
    message.get_payload()[1].add_related(PNG, "image", "png", cid="<logo@x>")
    mailbox.deliver(message.as_bytes())
    uid = last_uid(mailbox)
    page = user_client.get(url("message", uid)).content.decode()
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in page
    assert "1 remote image was blocked" in page
    assert "Hi <b>there</b>" not in page  # only in the frame's document
    body = user_client.get(url("message_body", uid))
    assert body.status_code == 200
    policy = body["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "img-src 'self' data:;" in policy
    assert body["X-Frame-Options"] == "SAMEORIGIN"
    content = body.content.decode()
    assert "<b>there</b>" in content
    assert "onclick" not in content and "<script" not in content and "alert(" not in content
    assert "tracker.example" not in content
    assert 'href="https://example.org/"' in content
    cid = re.search(r'<img src="([^"]*cid[^"]*)"', content).group(1).replace("&amp;", "&")
    image = user_client.get(cid)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image.content == PNG
    # Remote images once the user asks.
    remote = user_client.get(url("message_body", uid, remote="1"))
    assert "https://tracker.example/pixel.gif" in remote.content.decode()
    assert "img-src 'self' data: https: http:" in remote["Content-Security-Policy"]


def test_attachments_nested_ones_too_download_with_safe_names_and_types(user_client, mailbox):
    inner = make_message(
        "Inner", attachments=[("inner report.pdf", "application/pdf", b"%PDF-1.4 inner")]
    )
    raw = make_message(
        "With files",
        attachments=[
            ("../../etc/passwd", "text/plain", b"root:x:0:0"),
            ("page.html", "text/html", b"<script>alert(1)</script>"),
            ("Réunion été.txt", "text/plain", "accentué".encode()),
        ],
    )
    outer = email.message_from_bytes(raw)
    attached = email.message.Message()
    attached["Content-Type"] = "message/rfc822"
    attached["Content-Disposition"] = 'attachment; filename="fwd.eml"'
    attached.set_payload([email.message_from_bytes(inner)])
    outer.attach(attached)
    mailbox.deliver(outer.as_bytes())
    uid = last_uid(mailbox)
    page = user_client.get(url("message", uid)).content.decode()
    links = dict(
        (name, href.replace("&amp;", "&"))
        for href, name in re.findall(r'<a href="([^"]*/parts/[^"]*)" download>([^<]*)</a>', page)
    )
    assert set(links) == {"passwd", "page.html", "Réunion été.txt", "fwd.eml", "inner report.pdf"}
    assert "in the attached message “Inner”" in page
    passwd = user_client.get(links["passwd"])
    assert passwd["Content-Disposition"] == 'attachment; filename="passwd"'
    assert passwd.content == b"root:x:0:0"
    html_part = user_client.get(links["page.html"])
    assert html_part["Content-Type"] == "application/octet-stream"
    assert html_part["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in html_part["Content-Security-Policy"]
    accented = user_client.get(links["Réunion été.txt"])
    assert "filename*=utf-8''R%C3%A9union%20%C3%A9t%C3%A9.txt" in accented["Content-Disposition"]
    assert accented.content == "accentué".encode()
    nested = user_client.get(links["inner report.pdf"])
    assert nested["Content-Type"] == "application/pdf"
    assert nested.content == b"%PDF-1.4 inner"
    eml = user_client.get(links["fwd.eml"])
    assert eml["Content-Type"] == "message/rfc822"
    assert b"Subject: Inner" in eml.content
    missing = user_client.get(url("message_part", uid, "9.9"))
    assert missing.status_code == 404
    assert user_client.get(url("message_part", uid, "sample")).status_code == 404


def test_headers_and_source_are_plain_text(user_client, mailbox):
    mailbox.deliver(make_message("Source <b>", html="<script>alert(1)</script>"))
    uid = last_uid(mailbox)
    for name in ("message_headers", "message_source"):
        response = user_client.get(url(name, uid))
        assert response.status_code == 200
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert "Subject: Source <b>" in response.content.decode()
    headers = user_client.get(url("message_headers", uid)).content.decode()
    assert "alert(1)" not in headers
    assert "alert(1)" in user_client.get(url("message_source", uid)).content.decode()


def test_a_missing_message_or_folder_is_a_clear_page(user_client):
    assert user_client.get(url("message", 999)).status_code == 404
    response = user_client.get(url("message", 1, folder="Nowhere"))
    assert response.status_code == 404
    assert "does not exist" in response.content.decode()
