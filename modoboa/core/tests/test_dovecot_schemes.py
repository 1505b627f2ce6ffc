"""Schemes Dovecot writes and the panel only verifies, checked against
values ``doveadm pw -s`` produced for "Secret123!" (user alice@example.test).
"""

import pytest

from modoboa.core import password_hashers

PASSWORD = "Secret123!"
USER = "alice@example.test"

DOVEADM_HASHES = [
    "{CRAM-MD5}8069378f8ef430cc6fc8f9c12d1432b1f97ed0574a01c4c5425ea1d6d232c5d3",
    "{HMAC-MD5}8069378f8ef430cc6fc8f9c12d1432b1f97ed0574a01c4c5425ea1d6d232c5d3",
    "{DIGEST-MD5}8c04b2e221e631b56389522b03b52de4",
    "{OTP}sha1 1024 4f71efad26740367 de619d84d53d05d5",
    "{PLAIN-MD4}ac50a389ca5787e9f745ee6a6ecb75f4",
    "{PLAIN-TRUNC}6-Secret",
    "{SCRAM-SHA-1}4096,8yDDLCkMvJb/3zIUgAUsMw==,3gNd9ubXAVBG0Lp0nCmXg2EoFI0="
    ",3R94IUz0kML/yk8rv6VPYR6rL58=",
    "{SCRAM-SHA-256}4096,F1UifzUmSnlUtzQmvKpm+w==,NpBcuMhBj7RuOyy1yAFz7QFnlZ5mQ6P/Ccp3ut1MceQ="
    ",BncJDeulMKGdbgAZp9ahp0NLpt2AOfc8UMOsYnAkeMk=",
]


@pytest.mark.parametrize("stored", DOVEADM_HASHES, ids=lambda s: s.split("}")[0][1:])
def test_doveadm_hashes_verify_and_refuse_a_wrong_password(stored):
    assert password_hashers.verify_password(PASSWORD, stored, username=USER)
    assert not password_hashers.verify_password("Wrong9876?", stored, username=USER)


def test_digest_md5_depends_on_the_login_name():
    stored = "{DIGEST-MD5}8c04b2e221e631b56389522b03b52de4"
    assert not password_hashers.verify_password(PASSWORD, stored, username="bob@example.test")
    assert not password_hashers.verify_password(PASSWORD, stored)


def test_plain_trunc_without_its_length_prefix_never_verifies():
    # Dovecot refuses it too ("PLAIN-TRUNC missing length: prefix").
    assert not password_hashers.verify_password(PASSWORD, "{PLAIN-TRUNC}Secret123!")


@pytest.mark.parametrize(
    "stored",
    [
        "{OTP}sha1 99999999 4f71efad26740367 de619d84d53d05d5",
        "{OTP}rot13 1 seed 00",
        "{SCRAM-SHA-1}0,AAAA,AAAA,AAAA",
        "{SCRAM-SHA-1}not-base64",
        "{CRAM-MD5}zz",
    ],
)
def test_malformed_values_never_verify(stored):
    assert not password_hashers.verify_password(PASSWORD, stored, username=USER)


def test_an_account_logs_in_with_an_imported_digest_md5_hash(make_account, domain):
    account = make_account(
        "alice@test.com", password=None, password_hash="{DIGEST-MD5}" + "0" * 32
    )
    import hashlib

    account.password = (
        "{DIGEST-MD5}%s" % hashlib.md5(b"alice:test.com:" + PASSWORD.encode()).hexdigest()
    )
    account.save()
    assert account.check_password(PASSWORD)
