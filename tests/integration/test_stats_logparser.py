"""Statistics from a real Postfix: the session's Postfix (smtpd, Dovecot
LMTP, and a relay domain whose next hop is an SMTP sink refusing one user)
writes its own log with ``maillog_file``; ``logparser`` reads that log.
"""

import smtplib
import uuid
from dataclasses import dataclass

import pytest
from django.core.management import call_command

from modoboa.stats.models import GLOBAL, HOUR, Counter, Maillog
from tests.fixtures.mailserver import wait_for
from tests.integration.smtp_sink import SMTPSink

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "Toto1234!"
FIELDS = ("sent", "recv", "bounced", "reject", "size_sent", "size_recv")


def mail(sender, recipient, subject):
    return "From: %s\r\nTo: %s\r\nSubject: %s\r\n\r\nHello.\r\n" % (sender, recipient, subject)


def totals(scope):
    result = dict.fromkeys(FIELDS, 0)
    for row in Counter.objects.filter(step=HOUR, domain=scope).values(*FIELDS):
        for name in FIELDS:
            result[name] += row[name]
    return {name: value for name, value in result.items() if value and not name.startswith("size")}


@dataclass
class Traffic:
    domain: str  # hosted domain
    relay: str  # relay domain whose next hop is the sink
    lines: str  # what Postfix logged meanwhile

    def expected(self, received=2):
        # The message from outside and the bounce notice of ghost; one
        # refusal; one message delivered to the relay domain's host.
        return {
            self.domain: {"recv": received, "reject": 1, "sent": 1},
            self.relay: {"recv": 1, "bounced": 1},
        }


@pytest.fixture
def traffic(postfix, dovecot, make_domain, make_account):
    """Received, rejected, sent and bounced mail, for domains of their own
    (the session's log keeps the lines of the tests before).
    """
    start = len(postfix.log_text())
    tag = uuid.uuid4().hex[:8]
    domain, relay = "traffic-%s.test" % tag, "relay-%s.test" % tag
    make_domain(domain)
    make_account("user@%s" % domain)
    with SMTPSink(refuse={"ghost@%s" % relay}) as sink:
        make_domain(
            relay,
            type="relaydomain",
            transport={
                "service": "relay",
                "settings": {"target_host": "127.0.0.1", "target_port": sink.port},
            },
        )
        user, friend, ghost = "user@" + domain, "friend@" + relay, "ghost@" + relay
        with postfix.smtp() as client:
            client.sendmail("stranger@outside.test", [user], mail("s@o.test", user, "received"))
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                nobody = "nobody-stats@" + domain
                client.sendmail("stranger@outside.test", [nobody], mail("s", nobody, "refused"))
        with postfix.smtp() as client:
            client.login(user, PASSWORD)
            client.sendmail(user, [friend, ghost], mail(user, friend, "sent"))
        # The message received and the bounce notice of ghost.
        postfix.wait_for_mail(dovecot, user, count=2)
        wait_for(lambda: sink.messages, message="nothing reached the sink")
    wait_for(
        lambda: postfix.log_text()[start:].count(": removed") >= 3 and postfix.queue_empty(),
        timeout=30,
        message="the queue did not empty:\n%s" % postfix.log_text()[start:],
    )
    return Traffic(domain=domain, relay=relay, lines=postfix.log_text()[start:])


def assert_counts(expected):
    for scope, counts in expected.items():
        assert totals(scope) == counts, scope


def test_the_real_log_gives_the_counts_and_a_second_run_adds_nothing(postfix, traffic):
    path = str(postfix.base / "maillog")
    call_command("logparser", logfile=path)
    assert_counts(traffic.expected())
    rows = Maillog.objects.filter(to_domain__in=[traffic.domain, traffic.relay])
    assert sorted(rows.values_list("rcpt", "status")) == [
        ("friend@" + traffic.relay, "sent"),
        ("ghost@" + traffic.relay, "bounced"),
        ("nobody-stats@" + traffic.domain, "rejected"),
        ("user@" + traffic.domain, "sent"),
        ("user@" + traffic.domain, "sent"),
    ]
    bounce = rows.get(status="bounced")
    assert bounce.sender == "user@" + traffic.domain and bounce.size > 0
    assert "User unknown" in bounce.answer
    assert bounce.relay.startswith("127.0.0.1[127.0.0.1]:")
    count = Maillog.objects.count()
    call_command("logparser", logfile=path)
    assert_counts(traffic.expected())
    assert Maillog.objects.count() == count


def test_a_rotation_mid_way_loses_nothing(traffic, tmp_path):
    # The same genuine lines, written in two parts with a rotation between.
    path = tmp_path / "mail.log"
    lines = traffic.lines.splitlines(keepends=True)
    half = len(lines) // 2
    path.write_text("".join(lines[: half // 2]))
    call_command("logparser", logfile=str(path))
    with open(path, "a") as handle:
        handle.write("".join(lines[half // 2 : half]))
    path.rename(tmp_path / "mail.log.1")
    path.write_text("".join(lines[half:]))
    call_command("logparser", logfile=str(path))
    call_command("logparser", logfile=str(path))
    assert_counts(traffic.expected())
    assert totals(GLOBAL) == {"recv": 3, "sent": 1, "bounced": 1, "reject": 1}
    assert Maillog.objects.count() == 5


def test_postfix_logrotate_between_two_runs_loses_nothing(postfix, dovecot, traffic):
    path = postfix.base / "maillog"
    user = "user@" + traffic.domain
    call_command("logparser", logfile=str(path))
    # More mail, then Postfix's own rotation (rename, reopen, compress),
    # then more mail: the second run reads the rest of the compressed file.
    with postfix.smtp() as client:
        client.sendmail("stranger@outside.test", [user], mail("s", user, "before rotation"))
    postfix.wait_for_mail(dovecot, user, count=3)
    wait_for(postfix.queue_empty, timeout=30, message="the queue did not empty")
    rotated = postfix.postfix("logrotate", check=False)
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    wait_for(
        lambda: list(postfix.base.glob("maillog.*.gz")),
        timeout=30,
        message="postfix logrotate compressed nothing: %s" % list(postfix.base.iterdir()),
    )
    with postfix.smtp() as client:
        client.sendmail("stranger@outside.test", [user], mail("s", user, "after rotation"))
    postfix.wait_for_mail(dovecot, user, count=4)
    wait_for(
        lambda: postfix.queue_empty() and ": removed" in postfix.log_text(),
        timeout=30,
        message="nothing logged after the rotation",
    )
    call_command("logparser", logfile=str(path))
    call_command("logparser", logfile=str(path))
    assert_counts(traffic.expected(received=4))
