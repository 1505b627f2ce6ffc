"""The panel's master login to Dovecot: credentials, the secret file and
the passwd-file line (Dovecot itself checks them in
tests/integration/test_sieve.py).
"""

import io
import os
import stat

import pytest
from django.core.management import CommandError, call_command

from modoboa.core import mail_access
from modoboa.core.password_hashers import verify_password


def test_credentials_use_the_separator_and_the_secret_of_the_file(tmp_path, settings):
    path = tmp_path / "secret"
    mail_access.write_secret_file(path, "s3cret")
    settings.MODOBOA_MAIL_MASTER_SECRET_FILE = str(path)
    credentials = mail_access.credentials_for("alice@example.test")
    assert credentials.login == "alice@example.test*modoboa"
    assert credentials.secret == "s3cret"
    assert "s3cret" not in repr(credentials)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    settings.MODOBOA_MAIL_MASTER_USER, settings.MODOBOA_MAIL_MASTER_SEPARATOR = "panel", "%"
    assert mail_access.credentials_for("alice@example.test").login == "alice@example.test%panel"


@pytest.mark.parametrize("address", ["", "nodomain", "a*b@example.test", "a b@x.test", "a\n@x"])
def test_hostile_addresses_are_refused(address, tmp_path, settings):
    settings.MODOBOA_MAIL_MASTER_SECRET_FILE = str(tmp_path / "none")
    with pytest.raises(mail_access.NoMailbox):
        mail_access.credentials_for(address)


def test_missing_or_empty_secret_gives_typed_errors(tmp_path, settings):
    settings.MODOBOA_MAIL_MASTER_SECRET_FILE = None
    with pytest.raises(mail_access.MailAccessNotConfigured):
        mail_access.credentials_for("a@example.test")
    settings.MODOBOA_MAIL_MASTER_SECRET_FILE = str(tmp_path / "missing")
    with pytest.raises(mail_access.MasterSecretUnreadable, match="cannot be read"):
        mail_access.credentials_for("a@example.test")
    (tmp_path / "empty").write_text("\n")
    settings.MODOBOA_MAIL_MASTER_SECRET_FILE = str(tmp_path / "empty")
    with pytest.raises(mail_access.MasterSecretUnreadable, match="is empty"):
        mail_access.credentials_for("a@example.test")


def test_the_command_writes_the_secret_and_prints_dovecots_line(tmp_path):
    path = tmp_path / "secret"
    out = io.StringIO()
    call_command("mail_master_secret", "--secret-file", str(path), stdout=out)
    secret = path.read_text().strip()
    line = out.getvalue().strip()
    assert line.startswith("modoboa:{SHA512-CRYPT}$6$")
    assert line.endswith("::::::allow_nets=127.0.0.1/32,::1/128")
    assert verify_password(secret, line.split(":", 2)[1].split(":")[0])
    with pytest.raises(CommandError, match="exists"):
        call_command("mail_master_secret", "--secret-file", str(path), stdout=io.StringIO())
