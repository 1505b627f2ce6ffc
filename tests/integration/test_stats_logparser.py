"""Statistics from a real Postfix: the session's Postfix (smtpd, Dovecot
LMTP, and a relay domain whose next hop is an SMTP sink refusing one user)
writes its own log with ``maillog_file``; ``logparser`` reads that log.
"""

import smtplib

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


@pytest.fixture
def traffic(postfix, dovecot, make_domain, make_account):
    """Received, rejected, sent and bounced mail; return the log lines
    Postfix wrote meanwhile.
    """
    start = len(postfix.log_text())
    make_domain("traffic.test")
    make_account("user@traffic.test")
    with SMTPSink(refuse={"ghost@relay-traffic.test"}) as sink:
        make_domain(
            "relay-traffic.test",
            type="relaydomain",
            transport={
                "service": "relay",
                "settings": {"target_host": "127.0.0.1", "target_port": sink.port},
            },
        )
        with postfix.smtp() as client:
            client.sendmail(
                "stranger@outside.test",
                ["user@traffic.test"],
                mail("stranger@outside.test", "user@traffic.test", "received"),
            )
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.sendmail(
                    "stranger@outside.test",
                    ["nobody-stats@traffic.test"],
                    mail("stranger@outside.test", "nobody-stats@traffic.test", "refused"),
                )
        with postfix.smtp() as client:
            client.login("user@traffic.test", PASSWORD)
            client.sendmail(
                "user@traffic.test",
                ["friend@relay-traffic.test", "ghost@relay-traffic.test"],
                mail("user@traffic.test", "friend@relay-traffic.test", "sent"),
            )
        # The message received and the bounce notice of ghost.
        postfix.wait_for_mail(dovecot, "user@traffic.test", count=2)
        wait_for(lambda: sink.messages, message="nothing reached the sink")
    wait_for(
        lambda: postfix.log_text()[start:].count(": removed") >= 3 and postfix.queue_empty(),
        timeout=30,
        message="the queue did not empty:\n%s" % postfix.log_text()[start:],
    )
    return postfix.log_text()[start:]


EXPECTED = {
    # The message from outside and the bounce notice of ghost; one refusal;
    # one message delivered to the relay domain's host.
    "traffic.test": {"recv": 2, "reject": 1, "sent": 1},
    "relay-traffic.test": {"recv": 1, "bounced": 1},
}


def test_the_real_log_gives_the_counts_and_a_second_run_adds_nothing(postfix, traffic):
    path = str(postfix.base / "maillog")
    call_command("logparser", logfile=path)
    for scope, expected in EXPECTED.items():
        assert totals(scope) == expected, scope
    rows = Maillog.objects.filter(to_domain__in=EXPECTED)
    assert sorted(rows.values_list("rcpt", "status")) == [
        ("friend@relay-traffic.test", "sent"),
        ("ghost@relay-traffic.test", "bounced"),
        ("nobody-stats@traffic.test", "rejected"),
        ("user@traffic.test", "sent"),
        ("user@traffic.test", "sent"),
    ]
    bounce = rows.get(status="bounced")
    assert bounce.sender == "user@traffic.test" and bounce.size > 0
    assert "User unknown" in bounce.answer
    assert bounce.relay.startswith("127.0.0.1[127.0.0.1]:")
    count = Maillog.objects.count()
    call_command("logparser", logfile=path)
    for scope, expected in EXPECTED.items():
        assert totals(scope) == expected, scope
    assert Maillog.objects.count() == count


def test_a_rotation_mid_way_loses_nothing(traffic, tmp_path):
    # The same genuine lines, written in two parts with a rotation between.
    path = tmp_path / "mail.log"
    lines = traffic.splitlines(keepends=True)
    half = len(lines) // 2
    path.write_text("".join(lines[: half // 2]))
    call_command("logparser", logfile=str(path))
    with open(path, "a") as handle:
        handle.write("".join(lines[half // 2 : half]))
    path.rename(tmp_path / "mail.log.1")
    path.write_text("".join(lines[half:]))
    call_command("logparser", logfile=str(path))
    call_command("logparser", logfile=str(path))
    for scope, expected in EXPECTED.items():
        assert totals(scope) == expected, scope
    assert totals(GLOBAL) == {"recv": 3, "sent": 1, "bounced": 1, "reject": 1}
    assert Maillog.objects.count() == 5
