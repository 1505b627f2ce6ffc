"""1.10's pipe mode: the recipient added to the mailbox's alias, the
transport row, and ``manage.py autoreply`` fed as Postfix's pipe feeds it.
"""

import datetime
import io
import sys

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from modoboa.admin.models import AliasRecipient
from modoboa.autoreply import pipe, services
from modoboa.autoreply.models import ARhistoric, ARmessage, Transport
from modoboa.parameters import tools as param_tools

APP = "modoboa_postfix_autoreply"


@pytest.fixture
def pipe_mode(db):
    param_tools.set_global_parameter("mode", "pipe", app=APP)


@pytest.fixture
def away(pipe_mode, simple_user):
    simple_user.first_name = "Ann"
    simple_user.save()
    services.set_message(
        simple_user.mailbox,
        acting_user=simple_user,
        subject="Off",
        content="%(name)s is away until %(untildate)s.",
        enabled=True,
        fromdate=timezone.now() - datetime.timedelta(hours=1),
        untildate=timezone.now() + datetime.timedelta(days=2),
    )
    return ARmessage.objects.get(mbox=simple_user.mailbox)


def raw(subject="Hello", extra=""):
    return (
        "From: Bob <bob@outside.test>\r\nTo: user@test.com\r\nSubject: %s\r\n"
        "Message-ID: <1@outside.test>\r\n%s\r\nHi\r\n" % (subject, extra)
    ).encode()


def test_enabling_adds_the_autoreply_recipient_and_the_transport(away, simple_user):
    recipients = AliasRecipient.objects.filter(
        alias__address="user@test.com", alias__internal=True
    )
    assert "user@test.com@autoreply.test.com" in {r.address for r in recipients}
    assert Transport.objects.get(domain="autoreply.test.com").method == "autoreply:"
    services.set_message(
        simple_user.mailbox,
        acting_user=simple_user,
        subject="Off",
        content="x",
        enabled=False,
        fromdate=timezone.now(),
    )
    assert not recipients.filter(address="user@test.com@autoreply.test.com").exists()
    assert recipients.filter(address="user@test.com").exists()


def test_first_mail_is_answered_once_within_the_timeout(away):
    outcomes = pipe.answer("bob@outside.test", ["user@test.com"], raw("Question"))
    assert [o.sent for o in outcomes] == [True]
    assert len(mail.outbox) == 1
    reply = mail.outbox[0]
    assert reply.to == ["bob@outside.test"]
    assert reply.from_email == "user@test.com"
    assert reply.subject == "Auto: Off Re: Question"
    assert reply.body.startswith("Ann is away until ")
    assert reply.extra_headers["Auto-Submitted"] == "auto-replied"
    assert reply.extra_headers["In-Reply-To"] == "<1@outside.test>"
    pipe.answer("bob@outside.test", ["user@test.com@autoreply.test.com"], raw())
    assert len(mail.outbox) == 1
    ARhistoric.objects.update(last_sent=timezone.now() - datetime.timedelta(days=2))
    pipe.answer("bob@outside.test", ["user@test.com"], raw())
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    "sender,extra",
    [
        ("MAILER-DAEMON@outside.test", ""),
        ("owner-list@outside.test", ""),
        ("news-request@outside.test", ""),
        ("", ""),
        ("bob@outside.test", "List-Id: <news.outside.test>\r\n"),
        ("bob@outside.test", "Precedence: bulk\r\n"),
        ("bob@outside.test", "Auto-Submitted: auto-replied\r\n"),
    ],
)
def test_lists_bulk_and_automatic_mail_are_not_answered(away, sender, extra):
    pipe.answer(sender, ["user@test.com"], raw(extra=extra))
    assert mail.outbox == []


def test_not_before_the_from_date_and_turned_off_after_the_until_date(away):
    now = timezone.now()
    ARmessage.objects.filter(pk=away.pk).update(fromdate=now + datetime.timedelta(days=1))
    assert pipe.answer("bob@outside.test", ["user@test.com"], raw())[0].reason == "not started"
    ARmessage.objects.filter(pk=away.pk).update(
        fromdate=now - datetime.timedelta(days=3), untildate=now - datetime.timedelta(days=1)
    )
    assert pipe.answer("bob@outside.test", ["user@test.com"], raw())[0].sent is False
    assert mail.outbox == []
    assert ARmessage.objects.get(pk=away.pk).enabled is False
    assert not AliasRecipient.objects.filter(address="user@test.com@autoreply.test.com").exists()


def run_command(monkeypatch, data, *args):
    stdin = io.TextIOWrapper(io.BytesIO(data))
    monkeypatch.setattr(sys, "stdin", stdin)
    out = io.StringIO()
    call_command("autoreply", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_command_reads_the_message_on_stdin(away, monkeypatch):
    output = run_command(monkeypatch, raw(), "--debug", "bob@outside.test", "user@test.com")
    assert "user@test.com: sent" in output
    assert len(mail.outbox) == 1


def test_an_smtp_failure_defers_the_message(away, monkeypatch, settings):
    from tests.fixtures.mailserver import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    with pytest.raises(SystemExit) as exit_:
        run_command(monkeypatch, raw(), "bob@outside.test", "user@test.com")
    assert exit_.value.code == pipe.EX_TEMPFAIL
    assert not ARhistoric.objects.exists()


def test_bad_input_is_refused_and_nothing_changes(pipe_mode, simple_user):
    for changes, field in (
        ({"subject": "a\nb"}, "subject"),
        ({"content": "%(nope)s"}, "content"),
        ({"untildate": timezone.now() - datetime.timedelta(days=1)}, "untildate"),
    ):
        values = {
            "subject": "Off",
            "content": "x",
            "enabled": True,
            "fromdate": timezone.now() - datetime.timedelta(days=2),
        }
        values.update(changes)
        with pytest.raises(services.AutoreplyError) as error:
            services.set_message(simple_user.mailbox, acting_user=simple_user, **values)
        assert field in error.value.errors
    assert not ARmessage.objects.exists()


def test_repair_removes_autoreply_recipients_without_an_enabled_message(away, simple_user):
    from modoboa.autoreply.known_problems import StaleAutoreplyRecipients

    problem = StaleAutoreplyRecipients()
    assert problem.find() == []
    ARmessage.objects.filter(pk=away.pk).update(enabled=False)
    found = problem.find()
    assert [row.address for row in found] == ["user@test.com@autoreply.test.com"]
    problem.fix(found)
    assert problem.find() == []
    assert AliasRecipient.objects.filter(address="user@test.com").exists()


@pytest.mark.django_db(transaction=True)
def test_the_command_run_as_postfix_runs_it(make_domain, make_account):
    """A new process, the message on its standard input, as pipe(8) runs
    it: the reply is recorded; a list message is not answered; exit 0.
    """
    import subprocess

    from tests.fixtures.mailserver import manage_py_environment

    param_tools.set_global_parameter("mode", "pipe", app=APP)
    make_domain("proc.test")
    account = make_account("ann@proc.test", mailbox={"address": "ann@proc.test"})
    services.set_message(
        account.mailbox,
        acting_user=account,
        subject="Off",
        content="Away",
        enabled=True,
        fromdate=timezone.now() - datetime.timedelta(hours=1),
    )
    command = [sys.executable, "-m", "django", "autoreply"]
    for sender, extra in (("bob@outside.test", ""), ("news@outside.test", "List-Id: <l>\r\n")):
        result = subprocess.run(  # noqa: S603 - fixed argv
            [*command, sender, "ann@proc.test@autoreply.proc.test"],
            input=raw(extra=extra),
            env=manage_py_environment(),
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
    assert list(ARhistoric.objects.values_list("sender", flat=True)) == ["bob@outside.test"]
