"""1.10's pipe mode end to end: the session's Postfix gets the documented
``autoreply`` pipe(8) service and transport map (docs/autoreply.rst), and
mail sent to a user with an away message goes through Postfix's pipe to
``manage.py autoreply``, which answers on the SMTP sink of the session.
"""

import datetime
import os
import shlex
import shutil
import sys
import sysconfig
import time
from pathlib import Path

import pytest
from django.utils import timezone

import modoboa
from modoboa.autoreply import services
from modoboa.autoreply.models import ARhistoric
from modoboa.parameters import tools as param_tools
from tests.fixtures.mailserver import (
    MAILBOXES_OWNER,
    daemon_missing,
    manage_py_environment,
    run,
    run_as,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SETTINGS = """\
from modoboa.test_settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = {port}
"""

WRAPPER = """\
#!/bin/sh
# manage.py autoreply with this run's test database and the SMTP sink.
{exports}
exec {python} -m django autoreply "$@"
"""


def interpreter():
    """A Python the mailboxes owner may run, and the directories to add to
    its path: this run's interpreter, or else (a virtualenv made from an
    interpreter in root's home) the system's Python of the same version
    with the virtualenv's packages.
    """
    executable = os.path.realpath(sys.executable)
    code, _message = run_as(MAILBOXES_OWNER, lambda: os.stat(executable))
    if code == 0:
        return sys.executable, []
    version = "python%d.%d" % sys.version_info[:2]
    system = shutil.which(version, path="/usr/bin:/usr/local/bin")
    if system is None:
        daemon_missing("no %s that %s may run for Postfix's pipe" % (version, MAILBOXES_OWNER))
    return system, [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]


@pytest.fixture(scope="module")
def pipe_postfix(postfix_server, dovecot_server, postfix_maps, mail_tmp):
    """The session's Postfix with the ``autoreply`` transport of the docs;
    its main.cf and master.cf are put back afterwards.
    """
    directory = mail_tmp / "autoreply-pipe"
    directory.mkdir()
    os.chmod(directory, 0o755)
    (directory / "autoreply_pipe_settings.py").write_text(
        SETTINGS.format(port=dovecot_server.sink.port)
    )
    env = manage_py_environment()
    exports = {
        name: value
        for name, value in env.items()
        if name.startswith("MODOBOA_TEST_") or name == "DJANGO_SETTINGS_MODULE"
    }
    exports["DJANGO_SETTINGS_MODULE"] = "autoreply_pipe_settings"
    python, packages = interpreter()
    exports["PYTHONPATH"] = ":".join(
        [str(directory), str(Path(modoboa.__file__).parents[1]), *dict.fromkeys(packages)]
    )
    wrapper = directory / "autoreply"
    wrapper.write_text(
        WRAPPER.format(
            exports="\n".join(
                "export %s=%s" % (name, shlex.quote(value)) for name, value in exports.items()
            ),
            python=shlex.quote(python),
        )
    )
    os.chmod(wrapper, 0o755)
    config = postfix_server.config
    saved = {name: (config / name).read_text() for name in ("main.cf", "master.cf")}
    driver, maps = postfix_maps.driver, postfix_maps.directory
    run(
        [
            "postconf",
            "-c",
            str(config),
            "-e",
            "transport_maps = %s:%s/sql-transport.cf %s:%s/sql-autoreplies-transport.cf"
            % (driver, maps, driver, maps),
        ]
    )
    run(
        [
            "postconf",
            "-c",
            str(config),
            "-M",
            "autoreply/unix=autoreply unix - n n - - pipe flags= user=%s:%s argv=%s"
            " ${sender} ${mailbox}" % (MAILBOXES_OWNER, MAILBOXES_OWNER, wrapper),
        ]
    )
    postfix_server.postfix("reload")
    try:
        yield postfix_server
    finally:
        for name, text in saved.items():
            (config / name).write_text(text)
        postfix_server.postfix("reload", check=False)


@pytest.fixture
def away(pipe_postfix, postfix, make_domain, make_account):
    param_tools.set_global_parameter("mode", "pipe", app="modoboa_postfix_autoreply")
    param_tools.set_global_parameter(
        "autoreplies_timeout", "86400", app="modoboa_postfix_autoreply"
    )
    make_domain("pipe-away.test")
    account = make_account("ann@pipe-away.test", mailbox={"address": "ann@pipe-away.test"})
    services.set_message(
        account.mailbox,
        acting_user=account,
        subject="Away",
        content="Back on Monday.",
        enabled=True,
        fromdate=timezone.now() - datetime.timedelta(hours=1),
        untildate=timezone.now() + datetime.timedelta(days=2),
    )
    return account


def send(postfix, sender, subject, extra=""):
    with postfix.smtp() as client:
        refused = client.sendmail(
            sender,
            ["ann@pipe-away.test"],
            "From: %s\r\nTo: ann@pipe-away.test\r\nSubject: %s\r\nMessage-ID: <%s@tests>\r\n"
            "%s\r\nHello.\r\n" % (sender, subject, subject.replace(" ", "-"), extra),
        )
    assert refused == {}


def settle(postfix, dovecot, count):
    """Wait until ann has ``count`` messages and Postfix's queue is empty
    (every copy for the pipe has been delivered or bounced).
    """
    postfix.wait_for_mail(dovecot, "ann@pipe-away.test", count=count)
    wait_for(
        postfix.queue_empty,
        timeout=60,
        message="the queue keeps mail; maillog:\n%s" % postfix.log_text(),
    )
    # The sink records a reply when its DATA ends; the pipe returns after.
    time.sleep(0.2)


def replies(dovecot):
    return [m for m in dovecot.sink.messages if m.sender == "ann@pipe-away.test"]


def test_postfix_pipe_answers_once_per_sender_within_the_timeout(away, postfix, dovecot):
    send(postfix, "bob@outside.test", "first question")
    settle(postfix, dovecot, 1)
    answered = replies(dovecot)
    assert [r.recipients for r in answered] == [["bob@outside.test"]], postfix.log_text()
    reply = answered[0].message
    assert reply["Subject"] == "Auto: Away Re: first question"
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["In-Reply-To"] == "<first-question@tests>"
    assert "Back on Monday." in reply.get_content()
    assert "status=sent (delivered via autoreply service)" in postfix.log_text()

    send(postfix, "bob@outside.test", "second question")
    settle(postfix, dovecot, 2)
    assert len(replies(dovecot)) == 1

    send(postfix, "carol@outside.test", "another sender")
    settle(postfix, dovecot, 3)
    assert [r.recipients for r in replies(dovecot)] == [
        ["bob@outside.test"],
        ["carol@outside.test"],
    ]
    assert sorted(ARhistoric.objects.values_list("sender", flat=True)) == [
        "bob@outside.test",
        "carol@outside.test",
    ]


def test_postfix_pipe_does_not_answer_a_list_mail(away, postfix, dovecot):
    start = len(postfix.log_text())
    send(postfix, "list@outside.test", "news", extra="List-Id: <news.outside.test>\r\n")
    settle(postfix, dovecot, 1)
    assert replies(dovecot) == []
    assert "status=sent (delivered via autoreply service)" in postfix.log_text()[start:]
