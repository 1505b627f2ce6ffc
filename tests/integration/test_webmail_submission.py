"""The webmail's SMTP submission against the real Postfix and Dovecot: the
panel logs in as the user with Dovecot's master user, Postfix's sender-login
map applies to the user, mail arrives over LMTP.
"""

import email
import email.policy
import smtplib

import pytest

from modoboa.admin import services
from modoboa.core import mail_access
from modoboa.webmail.compose import message as compose_message
from modoboa.webmail.compose import senders, smtp

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def writer(postfix, dovecot, settings, superadmin, make_domain, make_account):
    settings.MODOBOA_MAIL_MASTER_SECRET_FILE = str(dovecot.master_secret_file)
    make_domain("send.test")
    user = make_account("writer@send.test")
    make_account("reader@send.test")
    services.create_alias(
        acting_user=superadmin, address="team@send.test", recipients=["writer@send.test"]
    )
    services.create_sender_address(
        acting_user=superadmin, address="me@outside.test", mailbox=user.mailbox
    )
    return user


def server(postfix):
    return smtp.SubmissionServer(host="127.0.0.1", port=postfix.smtp_port)


def draft(sender, subject, to="reader@send.test", **kwargs):
    return compose_message.Draft(
        sender=compose_message.parse_addresses("sender", sender)[0],
        to=compose_message.parse_addresses("to", to),
        subject=subject,
        **kwargs,
    )


def test_master_login_sends_as_the_user_and_mail_arrives(postfix, dovecot, writer):
    attachment = bytes(range(256)) * 40
    message = compose_message.build_message(
        draft(
            "Writer <writer@send.test>",
            "With a file",
            text="Hello reader.\n",
            attachments=[
                compose_message.Attachment("report.bin", "application/x-test", attachment)
            ],
        )
    )
    refused = smtp.submit(
        server(postfix),
        message,
        "writer@send.test",
        ["reader@send.test"],
        mail_access.credentials_for(writer),
    )
    assert refused == {}
    [raw] = postfix.wait_for_mail(dovecot, "reader@send.test")
    received = email.message_from_bytes(raw, policy=email.policy.default)
    assert received["Subject"] == "With a file"
    assert received.get_body(("plain",)).get_content() == "Hello reader.\n"
    [part] = list(received.iter_attachments())
    assert part.get_filename() == "report.bin"
    assert part.get_content() == attachment
    # Postfix saw the user, not the master login.
    assert "sasl_username=writer@send.test" in postfix.log_text()


@pytest.mark.parametrize("sender", ["team@send.test", "me@outside.test"])
def test_aliases_and_sender_addresses_are_allowed(postfix, dovecot, writer, sender):
    assert sender in senders.allowed_senders(writer)
    message = compose_message.build_message(draft(sender, "As %s" % sender, text="Hi.\n"))
    smtp.submit(
        server(postfix), message, sender, ["reader@send.test"], mail_access.credentials_for(writer)
    )
    [raw] = postfix.wait_for_mail(dovecot, "reader@send.test")
    assert ("From: %s" % sender).encode() in raw


def test_postfix_refuses_a_forged_sender_even_without_the_form(postfix, dovecot, writer):
    assert "reader@send.test" not in senders.allowed_senders(writer)
    message = compose_message.build_message(draft("reader@send.test", "Forged", text="Hi.\n"))
    with pytest.raises(smtp.SubmissionError) as error:
        smtp.submit(
            server(postfix),
            message,
            "reader@send.test",
            ["reader@send.test"],
            mail_access.credentials_for(writer),
        )
    assert error.value.field == "sender"
    assert "not owned by user writer@send.test" in error.value.message
    assert dovecot.messages("reader@send.test") == []


def test_master_login_over_smtp_needs_the_secret_and_loopback(postfix, dovecot, writer):
    credentials = mail_access.credentials_for(writer)
    with postfix.smtp() as client, pytest.raises(smtplib.SMTPAuthenticationError):
        client.login(credentials.login, "not-the-secret")
    with (
        postfix.smtp(source="127.0.0.2") as client,
        pytest.raises(smtplib.SMTPAuthenticationError),
    ):
        client.login(credentials.login, credentials.secret)
    wrong = smtp.SubmissionServer(host="127.0.0.1", port=postfix.smtp_port)
    with pytest.raises(smtp.SubmissionError, match="refused the login of writer@send.test"):
        smtp.submit(
            wrong,
            compose_message.build_message(draft("writer@send.test", "x", text="x")),
            "writer@send.test",
            ["reader@send.test"],
            mail_access.MailCredentials(
                address="writer@send.test", login=credentials.login, secret="bad"
            ),
        )


def test_a_server_that_does_not_answer_is_named(writer):
    closed = smtp.SubmissionServer(host="127.0.0.1", port=1, timeout=2)
    with pytest.raises(smtp.SubmissionError, match="127.0.0.1:1 does not answer"):
        smtp.submit(
            closed,
            compose_message.build_message(draft("writer@send.test", "x", text="x")),
            "writer@send.test",
            ["reader@send.test"],
            None,
        )
