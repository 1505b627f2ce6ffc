"""Hostile mail content reaching the pages of the extensions: the
quarantine (headers, attachment names, HTML), DMARC reports (the
reporter's organisation, a report sent by anybody) and the message log
(addresses and server answers read from Postfix's log). Everything is
shown as text; nothing runs.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from modoboa.amavis.factories import quarantine_message
from modoboa.dmarc.services.imports import import_mail
from modoboa.dmarc.tests import corpus
from modoboa.stats.models import Maillog

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


def console(user):
    client = Client()
    client.force_login(user)
    return client


def test_quarantined_headers_and_attachment_names_stay_text(domain_admin):
    source = (
        'From: "%(x)s" <s@evil.test>\r\n'
        "To: admin@test.com\r\n"
        "Subject: =?utf-8?q?=3Cscript=3Ealert=28=22x=22=29=3C=2Fscript=3E?=\r\n"
        "X-Evil: %(x)s\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/html\r\n\r\n"
        '<p onclick="steal()">Hi</p>%(x)s<a href="javascript:steal()">link</a>\r\n'
        "--b\r\nContent-Type: application/octet-stream\r\n"
        'Content-Disposition: attachment; filename="%(name)s"\r\n\r\nAAAA\r\n'
        "--b--\r\n"
    ) % {"x": XSS, "name": "<img src=x onerror=alert(1)>.pdf"}
    mail_id = quarantine_message(
        "s@evil.test", ["admin@test.com"], subject=XSS, source=source.encode()
    )
    page = console(domain_admin).get(reverse("amavis:detail", args=[mail_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<script>" not in html and "<img src=x" not in html
    assert ESCAPED in html  # subject, From and X-Evil shown as text
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in html
    # The message's HTML: sanitised, then escaped into a sandboxed iframe.
    frame = html.split('id="message-html"', 1)[1].split("</iframe>", 1)[0]
    assert 'sandbox=""' in frame
    assert "onclick" not in frame and "javascript:" not in frame and "script" not in frame
    index = console(domain_admin).get(reverse("amavis:index")).content.decode()
    assert "<script>alert" not in index and ESCAPED in index


def test_a_hostile_dmarc_report_is_shown_as_text(superadmin, make_domain, api):
    """Anybody may send a report: the reporter's organisation name is data.
    The page groups sources by their reverse DNS names and does not show
    it; the API gives it back as a JSON string.
    """
    domain = make_domain(corpus.DOMAIN)
    xml = corpus.xml("google.xml").decode()
    start = xml.index("<org_name>") + len("<org_name>")
    end = xml.index("</org_name>")
    hostile = xml[:start] + '&lt;script&gt;alert("x")&lt;/script&gt;' + xml[end:]
    raw = corpus.mail([("report.xml", "text/xml", hostile.encode())], sender="x@evil.test")
    assert import_mail(raw).imported
    url = reverse("dmarc:domain_report", args=[domain.pk]) + "?start=2026-11-01&end=2026-12-31"
    page = console(superadmin).get(url)
    html = page.content.decode()
    assert page.status_code == 200 and 'id="total-messages">20<' in html
    assert "<script>alert" not in html
    response = api(superadmin).get("/api/v1/dmarc/reports/")
    assert response["Content-Type"] == "application/json"
    rows = response.body["results"] if isinstance(response.body, dict) else response.body
    assert [row["org_name"] for row in rows] == [XSS]


def test_message_log_addresses_and_answers_stay_text(superadmin):
    Maillog.objects.create(
        queue_id="HOSTILE1",
        date=timezone.now() - datetime.timedelta(minutes=1),
        sender='"%s"@evil.test' % XSS,
        rcpt="user@test.com",
        status="bounced",
        answer="550 %s" % XSS,
        from_domain="evil.test",
        to_domain="test.com",
    )
    html = console(superadmin).get("/stats/maillog/").content.decode()
    assert "HOSTILE1" in html
    assert "<script>alert" not in html
    assert html.count(ESCAPED) >= 2
