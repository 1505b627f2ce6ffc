"""Spam counted from a real Amavis: a GTUBE mail goes through the session's
amavisd-new (SpamAssassin, SQL quarantine); ``logparser`` reads what
Amavis wrote in its log and counts one spam for the recipient's domain.
Amavis has no SQLite driver: PostgreSQL and MariaDB only.
"""

import uuid

import pytest
from django.core.management import call_command

from modoboa.stats.models import GLOBAL, HOUR, Counter
from tests.fixtures.amavis import send_through_amavis
from tests.fixtures.mailserver import wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.engines("postgresql", "mysql"),
]

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"


@pytest.fixture(autouse=True)
def _empty_quarantine(db):
    """Amavis' tables are not Django's: a transactional test's flush
    leaves them, so the test leaves them empty.
    """
    yield
    from modoboa.amavis.models import Maddr, Msgrcpt, Msgs, Quarantine

    for model in (Quarantine, Msgrcpt, Msgs, Maddr):
        model.objects.all().delete()


def spam_count(scope):
    return sum(Counter.objects.filter(step=HOUR, domain=scope).values_list("spam", flat=True))


def test_a_gtube_caught_by_amavis_is_counted_as_spam(amavis_server, make_domain, tmp_path):
    domain = "spam-%s.test" % uuid.uuid4().hex[:8]
    make_domain(domain)
    recipient = "user@" + domain
    start = len(amavis_server.log.read_bytes()) if amavis_server.log.exists() else 0
    data = (
        "From: <spammer@outside.test>\r\nTo: <%s>\r\nSubject: Pills\r\n"
        "Message-ID: <pills-%s@client.test>\r\n\r\n%s\r\n" % (recipient, domain, GTUBE)
    ).encode()
    code, reply = send_through_amavis(amavis_server, "spammer@outside.test", [recipient], data)
    assert code == 250, reply

    def logged():
        text = amavis_server.log.read_bytes()[start:].decode(errors="replace")
        return "-> <%s>" % recipient in text and text

    text = wait_for(logged, timeout=60, message="Amavis logged nothing for %s" % recipient)
    # What Amavis wrote about this mail, as logparser finds it on a server.
    path = tmp_path / "mail.log"
    path.write_text(text)
    call_command("logparser", logfile=str(path))
    assert spam_count(domain) == 1, text
    assert spam_count(GLOBAL) == 1
    call_command("logparser", logfile=str(path))
    assert spam_count(domain) == 1
