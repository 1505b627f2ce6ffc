"""SMTP authentication against a real Postfix whose AUTH goes to Dovecot
SASL, on free loopback ports: plain (no TLS), STARTTLS and SSL, with a
throwaway self-signed certificate.

The mail server knows the accounts from a Dovecot passwd-file, as a
provider's existing server would: they are not Modoboa accounts until they
log in. (The mail-server fixtures of tests/fixtures read the Modoboa
database instead, which is the opposite situation.)
"""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from modoboa.admin.models import Mailbox
from modoboa.core import constants
from modoboa.core.models import Log, User
from modoboa.lib.authbackends import backend_errors
from tests.fixtures.slapd import (
    daemon_missing,
    free_port,
    make_self_signed_certificate,
    spawn_tied,
    stop_tied,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

POSTFIX_MASTER = "/usr/lib/postfix/sbin/master"
SMTP_USER = "smtpuser@mail.test"
SMTP_PASSWORD = "Smtp1234!"

DOVECOT_CONF = """\
base_dir = {base}/dovecot/run
state_dir = {base}/dovecot/state
log_path = {base}/dovecot/dovecot.log
instance_name = modoboa-smtpauth-{pid}
protocols = none
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = {base}/dovecot/users
}}
userdb {{
  driver = static
  args = uid=dovenull gid=dovenull home=/nonexistent allow_all_users=yes
}}
service auth {{
  inet_listener {{
    address = 127.0.0.1
    port = {auth_port}
  }}
}}
"""

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {base}/postfix/queue
data_directory = {base}/postfix/data
mail_owner = postfix
setgid_group = postdrop
myhostname = smtp.mail.test
mydomain = mail.test
myorigin = $myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
alias_maps =
alias_database =
maillog_file = {base}/postfix/maillog
maillog_file_prefixes = {base}
smtp_dns_support_level = disabled
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:{auth_port}
smtpd_sasl_auth_enable = yes
smtpd_tls_cert_file = {cert}
smtpd_tls_key_file = {key}
smtpd_tls_security_level = may
smtpd_tls_auth_only = no
smtpd_relay_restrictions = permit_sasl_authenticated, reject
default_transport = error:outbound mail disabled in tests
relay_transport = error:outbound mail disabled in tests
max_use = 1
"""


def _master_cf(port, ssl_port):
    """Debian's master.cf without chroot, smtpd on our two ports."""
    lines = [
        "127.0.0.1:%d inet n - n - - smtpd" % port,
        "127.0.0.1:%d inet n - n - - smtpd -o smtpd_tls_wrappermode=yes" % ssl_port,
    ]
    with open("/etc/postfix/master.cf") as fp:
        for line in fp:
            fields = line.split()
            if not fields or line.startswith("#") or line[0].isspace():
                continue
            if fields[1] == "inet" or len(fields) < 8 or fields[7] == "pipe":
                continue
            fields[4] = "n"
            lines.append(" ".join(fields))
    if not any(line.startswith("postlog ") for line in lines):
        lines.append("postlog unix-dgram n - n - 1 postlogd")
    return "\n".join(lines) + "\n"


def _wait_port(port, timeout=15):
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def _run(command, log):
    """Run ``command`` with its output in ``log``: daemons keep the output
    they inherit open, so a pipe would never reach its end.
    """
    with open(log, "ab") as output:
        return subprocess.run(
            command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, timeout=60
        )


class MailServer:
    def __init__(self, base, port, ssl_port, ca_file):
        self.base = Path(base)
        self.port = port
        self.ssl_port = ssl_port
        self.ca_file = ca_file

    def logs(self):
        text = []
        for name in ("postfix/maillog", "dovecot/dovecot.log"):
            path = self.base / name
            if path.exists():
                text.append(path.read_text())
        return "\n".join(text)


@pytest.fixture(scope="module")
def smtp_server():
    if os.geteuid() != 0:
        daemon_missing("the SMTP AUTH test server (Postfix, Dovecot) must be started as root")
    for binary in ("/usr/sbin/postfix", POSTFIX_MASTER, "/usr/sbin/dovecot"):
        if not os.path.exists(binary):
            daemon_missing("%s is missing (apt-get install postfix dovecot-core)" % binary)
    base = Path(tempfile.mkdtemp(prefix="modoboa-smtpauth-"))
    os.chmod(base, 0o755)
    for directory in (
        "dovecot/run",
        "dovecot/state",
        "postfix/etc",
        "postfix/queue",
        "postfix/data",
    ):
        (base / directory).mkdir(parents=True)
    shutil.chown(base / "postfix" / "data", "postfix", "postfix")
    cert, key = make_self_signed_certificate(str(base))
    auth_port, port, ssl_port = free_port(), free_port(), free_port()
    values = {"base": base, "pid": os.getpid(), "auth_port": auth_port, "cert": cert, "key": key}
    (base / "dovecot" / "users").write_text("%s:{PLAIN}%s\n" % (SMTP_USER, SMTP_PASSWORD))
    dovecot_conf = base / "dovecot" / "dovecot.conf"
    dovecot_conf.write_text(DOVECOT_CONF.format(**values))
    etc = base / "postfix" / "etc"
    (etc / "main.cf").write_text(MAIN_CF.format(**values))
    (etc / "master.cf").write_text(_master_cf(port, ssl_port))
    server = MailServer(base, port, ssl_port, cert)
    started = []
    log = base / "start.log"
    try:
        # In the foreground and tied to this process, like slapd.
        dovecot = spawn_tied(["/usr/sbin/dovecot", "-F", "-c", str(dovecot_conf)], log)
        started.append("dovecot")
        # postfix prints its reasons only on a terminal: ``script`` gives it one.
        command = "/usr/sbin/postfix -c %s check" % etc
        if _run(["script", "-qec", command, "/dev/null"], log).returncode != 0:
            raise AssertionError("postfix check failed: %s" % log.read_text())
        # master in the foreground (-d), tied to this process too.
        master = spawn_tied([POSTFIX_MASTER, "-d", "-c", str(etc)], log)
        started.append("postfix")
        if not all(_wait_port(p) for p in (auth_port, port, ssl_port)):
            raise AssertionError("the mail server did not start:\n%s" % server.logs())
        yield server
    finally:
        if "postfix" in started:
            stop_tied(master)
        if "dovecot" in started:
            stop_tied(dovecot)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def smtp_auth(smtp_server, superadmin, settings):
    settings.AUTHENTICATION_BACKENDS = [
        "modoboa.lib.authbackends.SMTPBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    settings.AUTH_SMTP_SERVER_ADDRESS = "127.0.0.1"
    settings.AUTH_SMTP_SERVER_PORT = smtp_server.port
    settings.AUTH_SMTP_SECURED_MODE = None
    settings.AUTH_SMTP_CA_FILE = smtp_server.ca_file
    return smtp_server


def login(username, password):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="192.0.2.9")
    return authenticate(request, username=username, password=password), request


@pytest.mark.parametrize("mode", [None, "starttls", "ssl"])
def test_first_smtp_login_creates_the_account(smtp_auth, settings, mode):
    settings.AUTH_SMTP_SECURED_MODE = mode
    if mode == "ssl":
        settings.AUTH_SMTP_SERVER_PORT = smtp_auth.ssl_port
    user, request = login(SMTP_USER.upper(), SMTP_PASSWORD)
    assert user is not None, (backend_errors(request), smtp_auth.logs())
    assert user.username == SMTP_USER and user.email == SMTP_USER
    assert not user.is_local and not user.has_usable_password()
    assert user.role == constants.SIMPLEUSERS
    assert Mailbox.objects.get(user=user).full_address == SMTP_USER
    assert Log.objects.filter(
        message__startswith="Account %s created at its first login (SMTP" % SMTP_USER
    ).exists()
    again, _request = login(SMTP_USER, SMTP_PASSWORD)
    assert again.pk == user.pk


def test_wrong_password_is_refused_and_creates_nothing(smtp_auth):
    user, request = login(SMTP_USER, "Wrong1234!")
    assert user is None
    assert backend_errors(request) == []
    assert not User.objects.filter(username=SMTP_USER).exists()


def test_non_ascii_password_is_a_plain_failure(smtp_auth):
    user, request = login(SMTP_USER, "Pässwörd1!")
    assert user is None and backend_errors(request) == []


def test_mail_server_never_vouches_for_a_local_account(smtp_auth, make_domain, make_account):
    make_domain("mail.test")
    local = make_account(SMTP_USER, password="LocalPass1!")
    assert login(SMTP_USER, SMTP_PASSWORD)[0] is None
    assert login(SMTP_USER, "LocalPass1!")[0].pk == local.pk


def test_unreachable_server_is_reported(smtp_auth, settings):
    settings.AUTH_SMTP_SERVER_PORT = free_port()
    user, request = login(SMTP_USER, SMTP_PASSWORD)
    assert user is None
    assert backend_errors(request)
    assert Log.objects.filter(
        logger="modoboa.auth", level="ERROR", message__startswith="SMTP authentication server"
    ).exists()
    assert login("admin", "password")[0] is not None


def test_untrusted_certificate_is_refused(smtp_auth, settings):
    settings.AUTH_SMTP_SECURED_MODE = "starttls"
    settings.AUTH_SMTP_CA_FILE = None
    user, request = login(SMTP_USER, SMTP_PASSWORD)
    assert user is None
    assert "certificate" in backend_errors(request)[0].lower()
    assert not User.objects.filter(username=SMTP_USER).exists()


def test_login_page_creates_the_smtp_account(smtp_auth, client):
    response = client.post("/accounts/login/", {"username": SMTP_USER, "password": SMTP_PASSWORD})
    assert response.status_code == 302
    assert client.get("/user/profile/").status_code == 200
    # Its password lives on the mail server: the profile cannot change it.
    assert "password-change" not in client.get("/user/profile/").content.decode()
