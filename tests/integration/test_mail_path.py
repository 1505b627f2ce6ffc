"""The full path: a real Postfix smtpd with the generated maps, Dovecot SASL
and Dovecot LMTP, on the engine of the run.
"""

import smtplib

import pytest

from modoboa.admin import services
from modoboa.admin.models import MailboxOperation

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "Toto1234!"


def mail(sender, recipient, subject):
    return "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@tests>\r\n\r\nHello.\r\n" % (
        sender,
        recipient,
        subject,
        subject.replace(" ", "-"),
    )


@pytest.fixture
def hosted(superadmin, make_domain, make_account):
    make_domain("path.test")
    user = make_account("user@path.test")
    make_account("other@path.test")
    services.create_alias(
        acting_user=superadmin, address="team@path.test", recipients=["user@path.test"]
    )
    services.create_domain_alias(
        acting_user=superadmin, name="alias-path.test", target="path.test"
    )
    services.create_sender_address(
        acting_user=superadmin, address="me@outside.test", mailbox=user.mailbox
    )
    services.create_sender_address(
        acting_user=superadmin, address="@partner.test", mailbox=user.mailbox
    )
    return user


def refusal(error, recipient):
    code, text = error.recipients[recipient]
    return code, text.decode()


def test_mail_to_an_alias_reaches_the_mailbox(postfix, dovecot, hosted):
    with postfix.smtp() as client:
        refused = client.sendmail(
            "stranger@outside.test",
            ["team@path.test"],
            mail("stranger@outside.test", "team@path.test", "to the team"),
        )
    assert refused == {}
    messages = postfix.wait_for_mail(dovecot, "user@path.test")
    assert b"Subject: to the team" in messages[0]
    assert dovecot.messages("other@path.test") == []


def test_mail_to_a_domain_alias_reaches_the_mailbox_of_the_target(postfix, dovecot, hosted):
    with postfix.smtp() as client:
        client.sendmail(
            "stranger@outside.test",
            ["user@alias-path.test"],
            mail("stranger@outside.test", "user@alias-path.test", "through the alias"),
        )
    messages = postfix.wait_for_mail(dovecot, "user@path.test")
    assert b"Subject: through the alias" in messages[0]


def test_an_unknown_recipient_is_rejected(postfix, hosted):
    with postfix.smtp() as client, pytest.raises(smtplib.SMTPRecipientsRefused) as error:
        client.sendmail("stranger@outside.test", ["nobody@path.test"], mail("a", "b", "lost"))
    code, text = refusal(error.value, "nobody@path.test")
    assert code == 550 and "undeliverable address" in text and "User doesn't exist" in text


def test_an_address_of_a_domain_alias_that_leads_nowhere_is_rejected(postfix, hosted):
    with postfix.smtp() as client, pytest.raises(smtplib.SMTPRecipientsRefused) as error:
        client.sendmail(
            "stranger@outside.test", ["nobody@alias-path.test"], mail("a", "b", "lost")
        )
    code, text = refusal(error.value, "nobody@alias-path.test")
    assert code == 550 and "User doesn't exist: nobody@path.test" in text


def test_relaying_without_authentication_is_refused(postfix, hosted):
    with postfix.smtp() as client, pytest.raises(smtplib.SMTPRecipientsRefused) as error:
        client.sendmail("stranger@outside.test", ["far@else.test"], mail("a", "b", "relay"))
    code, text = refusal(error.value, "far@else.test")
    assert code == 554 and "Relay access denied" in text


def test_a_disabled_domain_receives_nothing(postfix, hosted, superadmin):
    domain = hosted.mailbox.domain
    services.update_domain(domain, acting_user=superadmin, enabled=False)
    with postfix.smtp() as client, pytest.raises(smtplib.SMTPRecipientsRefused) as error:
        client.sendmail("stranger@outside.test", ["user@path.test"], mail("a", "b", "off"))
    assert refusal(error.value, "user@path.test")[0] == 554


def test_a_mailbox_being_renamed_is_temporarily_unavailable(postfix, hosted):
    MailboxOperation.objects.create(mailbox=hosted.mailbox, type="rename", argument="/old")
    with postfix.smtp() as client, pytest.raises(smtplib.SMTPRecipientsRefused) as error:
        client.sendmail("stranger@outside.test", ["user@path.test"], mail("a", "b", "later"))
    code, text = refusal(error.value, "user@path.test")
    assert code == 450 and "mailbox unavailable" in text


def test_an_authenticated_submission_is_accepted(postfix, dovecot, hosted):
    with postfix.smtp() as client:
        client.login("user@path.test", PASSWORD)
        refused = client.sendmail(
            "user@path.test",
            ["far@else.test", "other@path.test"],
            mail("user@path.test", "far@else.test", "submitted"),
        )
        assert refused == {}
        # An extra sender address of the mailbox is accepted too.
        assert (
            client.sendmail(
                "me@outside.test", ["other@path.test"], mail("me@outside.test", "x", "as me")
            )
            == {}
        )
    postfix.wait_for_mail(dovecot, "other@path.test", count=2)
    print(postfix.log_text()[-3000:])


def test_a_wrong_password_is_refused(postfix, hosted):
    # From another address: Dovecot slows down the next logins of an
    # address that failed.
    with postfix.smtp(source="127.0.0.2") as client:
        with pytest.raises(smtplib.SMTPAuthenticationError) as error:
            client.login("user@path.test", "Wrong9876?")
    assert error.value.smtp_code == 535


def test_a_sender_login_mismatch_is_rejected(postfix, hosted):
    with postfix.smtp() as client:
        client.login("user@path.test", PASSWORD)
        with pytest.raises(smtplib.SMTPRecipientsRefused) as error:
            client.sendmail("other@path.test", ["far@else.test"], mail("a", "b", "spoof"))
    code, text = refusal(error.value, "far@else.test")
    assert code == 553 and "not owned by user user@path.test" in text


def test_a_domain_wide_sender_address_covers_any_address_of_its_domain(postfix, dovecot, hosted):
    with postfix.smtp() as client:
        client.login("user@path.test", PASSWORD)
        for sender in ("anyone@partner.test", "sales@partner.test"):
            refused = client.sendmail(
                sender, ["other@path.test"], mail(sender, "other@path.test", "as " + sender)
            )
            assert refused == {}
        # Another domain stays refused.
        with pytest.raises(smtplib.SMTPRecipientsRefused) as error:
            client.sendmail("anyone@partner2.test", ["other@path.test"], mail("a", "b", "x"))
        code, text = refusal(error.value, "other@path.test")
        assert code == 553 and "not owned by user user@path.test" in text
    messages = postfix.wait_for_mail(dovecot, "other@path.test", count=2)
    assert {b"Subject: as anyone@partner.test", b"Subject: as sales@partner.test"} <= {
        line for message in messages for line in message.splitlines()
    }


def test_a_domain_wide_sender_address_belongs_to_its_mailbox_only(postfix, hosted):
    with postfix.smtp() as client:
        client.login("other@path.test", PASSWORD)
        with pytest.raises(smtplib.SMTPRecipientsRefused) as error:
            client.sendmail("anyone@partner.test", ["user@path.test"], mail("a", "b", "spoof"))
    code, text = refusal(error.value, "user@path.test")
    assert code == 553 and "not owned by user other@path.test" in text


def test_nobody_may_use_a_hosted_address_without_logging_in(postfix, hosted):
    with postfix.smtp() as client, pytest.raises(smtplib.SMTPRecipientsRefused) as error:
        client.sendmail("user@path.test", ["other@path.test"], mail("a", "b", "forged"))
    assert refusal(error.value, "other@path.test")[0] == 553
