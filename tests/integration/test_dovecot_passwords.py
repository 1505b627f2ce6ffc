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
    """For every scheme ``doveadm pw -s`` writes, the panel answers as
    ``doveadm pw -t`` does, for the right and for a wrong password."""
    schemes = run([doveadm, "pw", "-l"]).stdout.split()
    assert "SHA512-CRYPT" in schemes and "ARGON2ID" in schemes
    user = "user@test.com"
    checked = []
    for scheme in schemes:
        hashed = run([doveadm, "pw", "-s", scheme, "-p", PASSWORD, "-u", user]).stdout.strip()
        assert hashed.startswith("{%s}" % scheme)
        for candidate in (PASSWORD, "Wrong9876?"):
            verdict = run([doveadm, "pw", "-t", hashed, "-p", candidate, "-u", user], check=False)
            dovecot = verdict.returncode == 0
            panel = password_hashers.verify_password(candidate, hashed, username=user)
            assert panel == dovecot, (scheme, candidate, hashed)
        checked.append(scheme)
    assert len(checked) == len(schemes) >= 30
