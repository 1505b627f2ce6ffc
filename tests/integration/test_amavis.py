"""The quarantine against a real amavisd-new with SpamAssassin (GTUBE).

Amavis writes the rows; Modoboa lists, releases (AM.PDP), learns
(sa-learn) and cleans them. Amavis has no SQLite driver: PostgreSQL and
MariaDB only.
"""

import subprocess

import pytest

from modoboa.amavis import constants
from modoboa.amavis.models import Maddr, Msgrcpt, Msgs
from modoboa.amavis.services import learning, quarantine, wblist
from modoboa.core import constants as core_constants
from modoboa.parameters import tools as param_tools
from tests.fixtures.amavis import send_through_amavis
from tests.fixtures.mailserver import wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.engines("postgresql", "mysql"),
]

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
APP = "modoboa_amavis"


def message(sender, recipient, subject, body):
    return (
        "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s@client.test>\r\n"
        "Date: Thu, 01 Jan 2026 10:00:00 +0000\r\n\r\n%s\r\n"
        % (sender, recipient, subject, subject.replace(" ", "."), body)
    ).encode()


@pytest.fixture
def tenants(make_domain, make_account):
    make_domain("amav1.test")
    make_domain("amav2.test")
    return {
        "admin1": make_account(
            "admin@amav1.test",
            role=core_constants.DOMAINADMINS,
            domains=["amav1.test"],
            mailbox={"address": "admin@amav1.test"},
        ),
        "admin2": make_account(
            "admin@amav2.test",
            role=core_constants.DOMAINADMINS,
            domains=["amav2.test"],
            mailbox={"address": "admin@amav2.test"},
        ),
        "user1": make_account("user@amav1.test"),
    }


@pytest.fixture(autouse=True)
def _empty_quarantine(db):
    """Amavis' tables are not Django's: a transactional test's flush
    leaves them, so each test leaves them empty.
    """
    yield
    from modoboa.amavis.models import Mailaddr, Policy, Quarantine, Users, Wblist

    for model in (Quarantine, Msgrcpt, Msgs, Maddr, Wblist, Mailaddr, Users, Policy):
        model.objects.all().delete()


def caught(amavis, sender, recipient, subject, body=GTUBE):
    code, reply = send_through_amavis(
        amavis, sender, [recipient], message(sender, recipient, subject, body)
    )
    assert code == 250, reply
    try:
        return wait_for(
            lambda: Msgs.objects.filter(subject=subject, quar_type="Q").first(),
            timeout=60,
        )
    except AssertionError:
        log = amavis.log.read_text(errors="replace")[-4000:]
        raise AssertionError("%r not quarantined; Amavis' log:\n%s" % (subject, log)) from None


def test_gtube_is_quarantined_and_listed_for_its_domain_admin_only(amavis_server, tenants):
    mail = caught(amavis_server, "spammer@evil.test", "user@amav1.test", "Cheap pills")
    assert mail.content == "S"
    assert mail.spam_level >= 999
    assert Msgrcpt.objects.get(mail_id=mail.mail_id).rid.email == "user@amav1.test"
    listed = [row.mail_id for row in quarantine.list_rows(tenants["admin1"])]
    assert listed == [mail.mail_id]
    assert list(quarantine.list_rows(tenants["admin2"])) == []
    assert [row.mail_id for row in quarantine.list_rows(tenants["user1"])] == [mail.mail_id]
    # The searches on what Amavis wrote (the recipient through maddr).
    for search, criterion in (("PILLS", "subject"), ("user@amav1", "to"), ("evil.test", "all")):
        rows = quarantine.list_rows(tenants["admin1"], search=search, search_in=criterion)
        assert [row.mail_id for row in rows] == [mail.mail_id], criterion
        rows = quarantine.list_rows(tenants["admin2"], search=search, search_in=criterion)
        assert list(rows) == []
    source = quarantine.message_source(mail.mail_id)
    assert GTUBE.encode() in source


@pytest.mark.parametrize("mode", ["inet", "unix"])
def test_release_over_am_pdp_reaches_the_recipient(amavis_server, tenants, mode):
    param_tools.set_global_parameter("am_pdp_mode", mode, app=APP)
    param_tools.set_global_parameter("am_pdp_host", "127.0.0.1", app=APP)
    param_tools.set_global_parameter("am_pdp_port", amavis_server.pdp_port, app=APP)
    param_tools.set_global_parameter("am_pdp_socket", str(amavis_server.socket), app=APP)
    subject = "Release me %s" % mode
    mail = caught(amavis_server, "friend@evil.test", "user@amav1.test", subject)
    before = len(amavis_server.sink.messages)
    assert quarantine.release(tenants["admin1"], mail.mail_id) == "released"
    wait_for(lambda: len(amavis_server.sink.messages) > before, timeout=60)
    delivered = [m for m in amavis_server.sink.messages if m.message["Subject"] == subject]
    assert delivered and delivered[0].recipients == ["user@amav1.test"]
    assert Msgrcpt.objects.get(mail_id=mail.mail_id).rs == constants.RS_RELEASED
    with pytest.raises(Exception, match="already been released"):
        quarantine.release(tenants["admin1"], mail.mail_id)


def test_release_of_an_unknown_message_is_refused_by_amavis(amavis_server, tenants):
    from modoboa.amavis.pdp import PDPClient, ReleaseRefused

    client = PDPClient(mode="inet", host="127.0.0.1", port=amavis_server.pdp_port)
    with pytest.raises(ReleaseRefused):
        client.release("AAAAAAAAAAAA", "BBBBBBBBBBBB", ["user@amav1.test"])


def test_mark_as_spam_trains_the_bayes_database(amavis_server, tenants, settings):
    settings.AMAVIS_SA_LEARN = amavis_server.sa_learn()
    mail = caught(amavis_server, "bulk@evil.test", "user@amav1.test", "Learn from me")

    def magic():
        result = subprocess.run(  # noqa: S603
            amavis_server.sa_learn() + ["--dump", "magic"],
            capture_output=True,
            text=True,
            check=False,
        )
        for line in result.stdout.splitlines():
            if line.rstrip().endswith("nspam"):
                return int(line.split()[2])
        return 0

    before = magic()
    learning.mark(tenants["admin1"], mail.mail_id, spam=True, level="global")
    assert magic() == before + 1
    assert Msgrcpt.objects.get(mail_id=mail.mail_id).rs == constants.RS_SPAM


def test_blocked_sender_is_quarantined_and_allowed_one_is_not(amavis_server, tenants):
    wblist.set_entry(tenants["admin1"], "@amav1.test", "blocked@bad.test", "block")
    wblist.set_entry(tenants["admin1"], "@amav1.test", "friend@good.test", "allow")
    blocked = caught(
        amavis_server, "blocked@bad.test", "user@amav1.test", "Blocked hello", body="Hi there"
    )
    assert blocked.content == "S"
    before = len(amavis_server.sink.messages)
    code, reply = send_through_amavis(
        amavis_server,
        "friend@good.test",
        ["user@amav1.test"],
        message("friend@good.test", "user@amav1.test", "Allowed gtube", GTUBE),
    )
    assert code == 250, reply
    wait_for(lambda: len(amavis_server.sink.messages) > before, timeout=60)
    assert any(m.message["Subject"] == "Allowed gtube" for m in amavis_server.sink.messages)
    assert not Msgs.objects.filter(subject="Allowed gtube", quar_type="Q").exists()


def test_qcleanup_removes_deleted_amavis_messages_only(amavis_server, tenants):
    from django.core.management import call_command

    deleted = caught(amavis_server, "x@evil.test", "user@amav1.test", "Delete me")
    kept = caught(amavis_server, "y@evil.test", "user@amav1.test", "Keep me")
    quarantine.delete(tenants["admin1"], deleted.mail_id)
    call_command("qcleanup")
    assert list(Msgs.objects.values_list("mail_id", flat=True)) == [kept.mail_id]
    assert quarantine.message_source(kept.mail_id)
    assert not quarantine.message_source(deleted.mail_id)
    assert not Maddr.objects.filter(email="x@evil.test").exists()
