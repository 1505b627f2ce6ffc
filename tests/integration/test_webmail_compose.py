"""Writing mail in the webmail, with the real Postfix (submission as the user
through Dovecot SASL) and Dovecot (LMTP delivery, IMAP Sent and Drafts).
"""

import email
import email.policy
import time
from email.header import decode_header, make_header

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from modoboa.admin import services as admin_services
from modoboa.parameters import tools as param_tools
from tests.fixtures.webmail import ADDRESS, APP, make_message

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

READER = "reader@webmail.test"
NEW = "/webmail/compose/"


@pytest.fixture
def writer(webmail_user, postfix, superadmin, make_account):
    param_tools.set_global_parameter("smtp_server", "127.0.0.1", app=APP)
    param_tools.set_global_parameter("smtp_port", postfix.smtp_port, app=APP)
    param_tools.set_global_parameter("smtp_authentication", True, app=APP)
    make_account(READER)
    admin_services.create_alias(
        acting_user=superadmin, address="team@webmail.test", recipients=[ADDRESS]
    )
    return webmail_user


@pytest.fixture
def browser(writer):
    client = Client()
    client.force_login(writer)
    return client


def parsed(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def received(postfix, dovecot, address=READER, count=1):
    return [parsed(raw) for raw in postfix.wait_for_mail(dovecot, address, count)]


def nothing_sent(postfix, dovecot, mailbox):
    time.sleep(1)
    assert dovecot.messages(READER) == []
    assert postfix.queue_empty()
    assert "Sent" not in mailbox.folders() or mailbox.subjects("Sent") == []


def decoded(subjects):
    return [str(make_header(decode_header(subject))) for subject in subjects]


def form(**values):
    data = {"sender": ADDRESS, "mode": "plain", "action": "send", "to": READER}
    data.update(values)
    return data


def test_a_sent_mail_arrives_with_its_attachment_and_a_copy_in_sent(
    browser, postfix, dovecot, mailbox
):
    page = browser.get(NEW)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="team@webmail.test"' in html and 'id="compose-form"' in html
    data = bytes(range(256)) * 300
    response = browser.post(
        NEW,
        form(
            to="Reader <%s>" % READER,
            bcc="team@webmail.test",
            subject="Rapport été",
            body="Bonjour,\nle rapport.\n",
            attachments=[
                SimpleUploadedFile("../rapport.bin", data, "application/octet-stream"),
                SimpleUploadedFile("notes.txt", "écrit".encode(), "text/plain"),
            ],
        ),
    )
    assert response.status_code == 302 and response["Location"] == reverse("webmail:index")
    [message] = received(postfix, dovecot)
    assert message["Subject"] == "Rapport été"
    assert message["From"] == ADDRESS and "Bcc" not in message
    assert "le rapport." in message.get_body(("plain",)).get_content()
    parts = list(message.iter_attachments())
    assert [p.get_filename() for p in parts] == ["rapport.bin", "notes.txt"]
    assert parts[0].get_content() == data
    assert parts[1].get_payload(decode=True) == "écrit".encode()
    # Bcc: the alias delivers to the writer's own INBOX.
    wait = time.monotonic() + 15
    while "Rapport été" not in decoded(mailbox.subjects()) and time.monotonic() < wait:
        time.sleep(0.2)
    assert "Rapport été" in decoded(mailbox.subjects())
    assert decoded(mailbox.subjects("Sent")) == ["Rapport été"]
    [flags] = mailbox.flags("Sent").values()
    assert rb"\Seen" in flags


def test_html_body_is_sent_sanitised_with_a_text_alternative(browser, postfix, dovecot):
    response = browser.post(
        NEW,
        form(
            sender="team@webmail.test",
            mode="html",
            subject="html",
            body='<p>Hi <b>there</b><script>alert(1)</script><img src=x onerror="x()"></p>',
        ),
    )
    assert response.status_code == 302
    [message] = received(postfix, dovecot)
    assert message["From"] == "team@webmail.test"
    html = message.get_body(("html",)).get_content()
    assert "<b>there</b>" in html and "script" not in html and "onerror" not in html
    assert "Hi there" in message.get_body(("plain",)).get_content()


def test_a_forged_from_is_refused_by_the_form_and_nothing_is_sent(
    browser, postfix, dovecot, mailbox
):
    response = browser.post(NEW, form(sender=READER, subject="forged", body="x"))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    nothing_sent(postfix, dovecot, mailbox)


def test_an_oversized_attachment_is_refused_with_a_field_error(browser, postfix, dovecot, mailbox):
    param_tools.set_global_parameter("max_attachment_size", "1", app=APP)
    response = browser.post(
        NEW,
        form(subject="big", attachments=[SimpleUploadedFile("big.bin", b"x" * 2048)]),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The attachments weigh 2 KB; the limit is 1 KB." in html
    assert 'id="id_attachments_error"' in html
    nothing_sent(postfix, dovecot, mailbox)


@pytest.mark.parametrize(
    "field,value",
    [
        ("subject", "Hello\r\nBcc: victim@webmail.test"),
        ("to", "%s\r\nBcc: victim@webmail.test" % READER),
        ("cc", "x@webmail.test\nX-Injected: yes"),
    ],
)
def test_header_injection_is_refused_naming_the_field(
    browser, postfix, dovecot, mailbox, field, value
):
    response = browser.post(NEW, form(**{field: value, "body": "x"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_%s_error"' % field in html
    assert "Line breaks and control characters are not allowed." in html
    nothing_sent(postfix, dovecot, mailbox)


def test_a_bad_recipient_and_no_recipient_are_field_errors(browser, postfix, dovecot, mailbox):
    response = browser.post(NEW, form(to="reader@, someone", body="x"))
    assert response.status_code == 400
    assert "is not a valid list of addresses" in response.content.decode()
    response = browser.post(NEW, form(to="", body="x"))
    assert response.status_code == 400
    assert "Give at least one recipient." in response.content.decode()
    nothing_sent(postfix, dovecot, mailbox)


def test_a_draft_round_trips_is_replaced_and_removed_on_send(browser, postfix, dovecot, mailbox):
    response = browser.post(
        NEW,
        form(
            action="save",
            to="",
            cc="Reader <%s>" % READER,
            subject="Brouillon",
            body="first version",
            attachments=[SimpleUploadedFile("plan.txt", b"the plan")],
        ),
    )
    assert response.status_code == 302
    assert mailbox.subjects("Drafts") == ["Brouillon"]
    [(uid, flags)] = mailbox.flags("Drafts").items()
    assert rb"\Draft" in flags
    assert response["Location"] == reverse("webmail:compose:draft", args=[uid])
    page = browser.get(response["Location"])
    html = page.content.decode()
    assert "first version" in html and "Brouillon" in html and READER in html
    assert "plan.txt" in html
    # Saved again: the draft is replaced, its attachment kept.
    response = browser.post(
        response["Location"],
        form(
            action="save",
            to="",
            cc=READER,
            subject="Brouillon",
            body="second version",
            draft_uid=uid,
            keep=["0"],
        ),
    )
    assert response.status_code == 302
    [(new_uid, _flags)] = mailbox.flags("Drafts").items()
    assert new_uid != uid
    # Sent from the draft: it leaves Drafts.
    response = browser.post(
        response["Location"],
        form(to=READER, subject="Brouillon", body="final", draft_uid=new_uid, keep=["0"]),
    )
    assert response.status_code == 302
    [message] = received(postfix, dovecot)
    assert message.get_body(("plain",)).get_content().strip() == "final"
    [part] = list(message.iter_attachments())
    assert part.get_filename() == "plan.txt"
    assert part.get_payload(decode=True) == b"the plan"
    assert mailbox.subjects("Drafts") == []
    assert mailbox.subjects("Sent") == ["Brouillon"]


def test_reply_all_threads_and_flags_the_original(browser, postfix, dovecot, mailbox):
    mailbox.deliver(
        make_message(
            "Question",
            sender="Reader <%s>" % READER,
            to="%s, other@outside.test" % ADDRESS,
            body="Are you there?\n",
        )
    )
    uid = max(mailbox.flags())
    url = reverse("webmail:compose:replyall", args=[uid]) + "?folder=INBOX"
    page = browser.get(url)
    html = page.content.decode()
    assert "Re: Question" in html and "&gt; Are you there?" in html
    assert "other@outside.test" in html
    response = browser.post(
        url, form(to="Reader <%s>" % READER, subject="Re: Question", body="Yes.\n")
    )
    assert response.status_code == 302
    [message] = received(postfix, dovecot)
    assert message["In-Reply-To"].endswith("@outside.test>")
    assert message["References"] == message["In-Reply-To"]
    assert rb"\Answered" in mailbox.flags()[uid]


def test_forward_as_attachment_keeps_the_original_and_flags_it(browser, postfix, dovecot, mailbox):
    mailbox.deliver(
        make_message("Facture", attachments=[("facture.pdf", "application/pdf", b"%PDF-1")])
    )
    uid = max(mailbox.flags())
    url = reverse("webmail:compose:forward_attachment", args=[uid]) + "?folder=INBOX"
    assert "Fwd: Facture" in browser.get(url).content.decode()
    response = browser.post(url, form(subject="Fwd: Facture", body="FYI\n", keep=["0"]))
    assert response.status_code == 302
    [message] = received(postfix, dovecot)
    [part] = list(message.iter_attachments())
    assert part.get_content_type() == "message/rfc822"
    inner = part.get_content()
    assert inner["Subject"] == "Facture"
    [pdf] = list(inner.iter_attachments())
    assert pdf.get_filename() == "facture.pdf" and pdf.get_content() == b"%PDF-1"
    assert b"$Forwarded" in mailbox.flags()[uid]


def test_forward_inline_carries_the_text_and_attachments(browser, postfix, dovecot, mailbox):
    mailbox.deliver(
        make_message(
            "Plan", body="The plan.\n", attachments=[("plan.txt", "text/plain", b"steps")]
        )
    )
    uid = max(mailbox.flags())
    url = reverse("webmail:compose:forward", args=[uid]) + "?folder=INBOX"
    page = browser.get(url).content.decode()
    assert "Forwarded message" in page and "plan.txt" in page
    response = browser.post(
        url, form(subject="Fwd: Plan", body="See below\n\nThe plan.\n", keep=["0"])
    )
    assert response.status_code == 302
    [message] = received(postfix, dovecot)
    [part] = list(message.iter_attachments())
    assert part.get_filename() == "plan.txt" and part.get_content() == "steps"


def test_a_missing_original_is_a_clear_page(browser):
    url = reverse("webmail:compose:reply", args=[999]) + "?folder=INBOX"
    response = browser.get(url)
    assert response.status_code == 404
    assert "does not exist" in response.content.decode()
    bad = reverse("webmail:compose:reply", args=[1]) + "?folder=IN%0aBOX"
    assert browser.get(bad).status_code == 400


def test_api_sends_saves_drafts_and_refuses_a_forged_sender(writer, postfix, dovecot, mailbox):
    client = APIClient()
    client.force_authenticate(writer)
    senders = client.get("/api/v1/webmail/senders/").json()["senders"]
    assert senders == [ADDRESS, "team@webmail.test"]
    response = client.post(
        "/api/v1/webmail/send/",
        {"sender": READER, "to": READER, "subject": "forged", "body": "x"},
        format="json",
    )
    assert response.status_code == 400 and "sender" in response.json()
    response = client.post(
        "/api/v1/webmail/send/",
        {"sender": ADDRESS, "to": READER, "subject": "x\r\nBcc: a@b.test", "body": "x"},
        format="json",
    )
    assert response.status_code == 400 and "subject" in response.json()
    nothing_sent(postfix, dovecot, mailbox)
    response = client.post(
        "/api/v1/webmail/drafts/",
        {"sender": ADDRESS, "subject": "api draft", "body": "later"},
        format="json",
    )
    assert response.status_code == 201, response.content
    uid = response.json()["uid"]
    assert mailbox.subjects("Drafts") == ["api draft"]
    response = client.post(
        "/api/v1/webmail/send/",
        {
            "sender": ADDRESS,
            "to": READER,
            "subject": "api",
            "body": "from the API",
            "draft_uid": uid,
            "attachments": [SimpleUploadedFile("a.txt", b"A")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json() == {"refused": {}, "warnings": []}
    [message] = received(postfix, dovecot)
    assert message["Subject"] == "api"
    assert mailbox.subjects("Drafts") == []


def test_the_html_editor_preference_opens_the_rich_text_mode_with_no_inline_code(browser, writer):
    from tests.security.test_headers import inline_code

    writer.parameters.set_value("editor", "html", app=APP)
    writer.save()
    response = browser.get(NEW)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="compose-editor"' in html and 'contenteditable="true"' in html
    assert "webmail/editor.js" in html
    assert response.context["form"]["mode"].value() == "html"
    assert inline_code(html) == []
    assert "unsafe-inline" not in response["Content-Security-Policy"]
