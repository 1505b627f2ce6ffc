"""Password hashes travel both ways between the panel and Dovecot:
Dovecot verifies every scheme the panel writes, and the panel verifies the
schemes ``doveadm pw`` writes.
"""

import shutil

import pytest

from modoboa.core import password_hashers
from tests.fixtures.mailserver import daemon_missing, run

pytestmark = pytest.mark.integration

PASSWORD = "Toto1234!é"

# Schemes Dovecot writes that are no stored-password formats a web login can
# check: DIGEST-MD5 needs the user and realm, OTP changes at each use, the
# SCRAM and CRAM/HMAC-MD5 forms keep derived keys or HMAC states, PLAIN-MD4
# needs MD4 (gone from OpenSSL 3's default provider), PLAIN-TRUNC is a
# truncated clear text. The panel must never accept them.
NOT_VERIFIED_BY_THE_PANEL = {
    "CRAM-MD5",
    "DIGEST-MD5",
    "HMAC-MD5",
    "OTP",
    "PLAIN-MD4",
    "PLAIN-TRUNC",
    "SCRAM-SHA-1",
    "SCRAM-SHA-256",
}


@pytest.fixture(scope="module")
def doveadm():
    path = shutil.which("doveadm")
    if path is None:
        daemon_missing("doveadm is missing (apt-get install dovecot-core)")
    return path


def dovecot_verifies(doveadm, hashed, password):
    result = run([doveadm, "pw", "-t", hashed, "-p", password], check=False)
    return result.returncode == 0 and "(verified)" in (result.stdout + result.stderr)


@pytest.mark.parametrize(
    "scheme", password_hashers.WRITABLE_SCHEMES, ids=lambda scheme: scheme.name
)
def test_dovecot_verifies_every_scheme_the_panel_writes(doveadm, scheme):
    hashed = password_hashers.make_password(PASSWORD, scheme.name, rounds=1000)
    assert hashed.startswith("{%s}" % scheme.prefix)
    assert dovecot_verifies(doveadm, hashed, PASSWORD)
    assert not dovecot_verifies(doveadm, hashed, "Wrong9876?")


def test_the_panel_verifies_the_schemes_doveadm_writes(doveadm):
    schemes = run([doveadm, "pw", "-l"]).stdout.split()
    assert "SHA512-CRYPT" in schemes and "ARGON2ID" in schemes
    verified = []
    for scheme in schemes:
        hashed = run(
            [doveadm, "pw", "-s", scheme, "-p", PASSWORD, "-u", "user@test.com"]
        ).stdout.strip()
        assert hashed.startswith("{%s}" % scheme)
        assert not password_hashers.verify_password("Wrong9876?", hashed), scheme
        if scheme in NOT_VERIFIED_BY_THE_PANEL:
            continue
        assert password_hashers.verify_password(PASSWORD, hashed), scheme
        verified.append(scheme)
    assert len(verified) >= 20
