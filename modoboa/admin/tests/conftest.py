"""A real Dovecot for the service tests that need mail homes.

With ``handle_mailboxes`` on, renames and deletions ask Dovecot (``doveadm
user -f home``) where a mailbox lives before they change it. This Dovecot
answers from a static userdb (``<tmp>/mail/<domain>/<local part>``), so it
needs no database; the integration tests run one on the real SQL userdb.
"""

import os
import shutil
import subprocess
import tempfile
import time

import pytest

CONFIG = """\
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
instance_name = modoboa-test-homes-{pid}
protocols =
listen = 127.0.0.1
ssl = no
mail_location = maildir:~/Maildir
passdb {{
  driver = static
  args = nopassword=y
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/mail/%d/%n allow_all_users=yes
}}
service auth {{
  unix_listener auth-userdb {{
    mode = 0666
  }}
}}
"""


def _missing(reason):
    if os.environ.get("MODOBOA_REQUIRE_DAEMONS") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def dovecot_homes():
    """Start Dovecot once; return the directory mail homes live under."""
    dovecot = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.path.exists(dovecot) or not shutil.which("doveadm"):
        _missing("Dovecot is not installed (apt-get install dovecot-core)")
    if os.getuid() != 0:
        _missing("Dovecot's test instance needs root")
    base = tempfile.mkdtemp(prefix="modoboa-dovecot-homes-")
    os.chmod(base, 0o755)
    config = os.path.join(base, "dovecot.conf")
    with open(config, "w") as handle:
        handle.write(CONFIG.format(base=base, pid=os.getpid(), uid=65534, gid=65534))
    subprocess.run([dovecot, "-c", config], check=True, timeout=30)  # noqa: S603
    socket = os.path.join(base, "run", "auth-userdb")
    deadline = time.monotonic() + 10
    while not os.path.exists(socket) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield {"config": config, "homes": os.path.join(base, "mail")}
    finally:
        pidfile = os.path.join(base, "run", "master.pid")
        if os.path.exists(pidfile):
            with open(pidfile) as handle:
                pid = int(handle.read().strip())
            os.kill(pid, 15)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def handle_mailboxes(dovecot_homes, settings, db):
    """Turn ``handle_mailboxes`` on, with Dovecot answering home lookups."""
    from modoboa.parameters import tools as param_tools

    settings.DOVECOT_CONFIG = dovecot_homes["config"]
    param_tools.set_global_parameter("handle_mailboxes", True, app="admin")
    return dovecot_homes["homes"]
