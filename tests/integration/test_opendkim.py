"""OpenDKIM signs with the keys ``manage_dkim_keys`` makes, found through
the SQL key and signing tables (the ``dkim`` view), on the engine of the
run; dkimpy verifies the signature against the public key the panel stores.
"""

import email
import os
import pwd

import dkim
import pytest
from django.core.management import call_command

from modoboa.admin.models import Domain
from modoboa.parameters import tools as param_tools

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "Toto1234!"


def submit(postfix, sender, recipient, subject):
    with postfix.smtp() as client:
        client.login(sender, PASSWORD)
        client.sendmail(
            sender,
            [recipient],
            "From: %s\r\nTo: %s\r\nSubject: %s\r\n\r\nSigned or not.\r\n"
            % (sender, recipient, subject),
        )


def make_keys(opendkim_server):
    """Run manage_dkim_keys as the cron job would, as the opendkim user.

    This test process is root and its interpreter lives under /root, which
    other accounts cannot read: it makes the keys as root, then hands them
    to opendkim, the owner the documented cron job gives them.
    """
    call_command("modo", "manage_dkim_keys", "-v", "0")
    account = pwd.getpwnam("opendkim")
    for path in opendkim_server.storage.iterdir():
        os.chown(path, account.pw_uid, account.pw_gid)


@pytest.fixture
def signed_domain(opendkim_server, make_domain, make_account):
    param_tools.set_global_parameter(
        "dkim_keys_storage_dir", str(opendkim_server.storage), app="admin"
    )
    make_domain("dkim.test", enable_dkim=True, dkim_key_selector="mail2026", dkim_key_length=1024)
    make_domain("plain.test")
    make_account("user@dkim.test")
    make_account("user@plain.test")
    make_account("reader@plain.test")
    return Domain.objects.get(name="dkim.test")


def dns_answer(domain):
    def lookup(name, timeout=5):
        assert name == ("%s._domainkey.%s." % (domain.dkim_key_selector, domain.name)).encode()
        return ("v=DKIM1; k=rsa; p=%s" % domain.dkim_public_key).encode()

    return lookup


def test_mail_of_a_domain_with_a_key_is_signed_and_verifies(
    postfix, dovecot, opendkim_server, signed_domain
):
    make_keys(opendkim_server)
    signed_domain.refresh_from_db()
    assert signed_domain.dkim_public_key
    submit(postfix, "user@dkim.test", "reader@plain.test", "signed")
    raw = postfix.wait_for_mail(dovecot, "reader@plain.test")[0]
    message = email.message_from_bytes(raw)
    signature = message["DKIM-Signature"]
    assert signature is not None, raw.decode(errors="replace")
    tags = dict(
        part.strip().split("=", 1)
        for part in " ".join(signature.split()).split(";")
        if "=" in part
    )
    assert (tags["d"], tags["s"], tags["a"]) == ("dkim.test", "mail2026", "rsa-sha256")
    assert dkim.verify(raw, dnsfunc=dns_answer(signed_domain))
    # A changed body no longer verifies: the signature is real.
    assert not dkim.verify(
        raw.replace(b"Signed or not.", b"Tampered."), dnsfunc=dns_answer(signed_domain)
    )


def test_mail_of_a_domain_without_dkim_or_without_a_key_yet_is_not_signed(
    postfix, dovecot, opendkim_server, signed_domain
):
    # No key yet: the dkim view does not list the domain.
    submit(postfix, "user@dkim.test", "reader@plain.test", "not yet")
    submit(postfix, "user@plain.test", "reader@plain.test", "plain")
    messages = postfix.wait_for_mail(dovecot, "reader@plain.test", count=2)
    assert all(b"DKIM-Signature" not in raw for raw in messages)
