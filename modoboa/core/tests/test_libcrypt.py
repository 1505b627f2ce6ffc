"""SHA-crypt through libxcrypt gives the hashes passlib (and Dovecot) read."""

import pytest
from passlib.hash import sha256_crypt, sha512_crypt

from modoboa.core import libcrypt, password_hashers

needs_libcrypt = pytest.mark.skipif(not libcrypt.available(), reason="no libxcrypt crypt_rn")


@needs_libcrypt
@pytest.mark.parametrize(
    "scheme,handler", [("sha512crypt", sha512_crypt), ("sha256crypt", sha256_crypt)]
)
@pytest.mark.parametrize("rounds", [5000, 1000, 70000])
def test_libcrypt_hash_is_the_one_passlib_computes(scheme, handler, rounds):
    stored = password_hashers.make_password("Pässword-1", scheme, rounds)
    body = password_hashers.split_hash(stored)[1]
    parsed = handler.from_string(body)
    assert parsed.rounds == rounds
    assert handler.using(salt=parsed.salt, rounds=rounds).hash("Pässword-1") == body
    assert password_hashers.verify_password("Pässword-1", stored)
    assert not password_hashers.verify_password("Pässword-2", stored)


@needs_libcrypt
def test_passlib_hashes_still_verify_through_libcrypt():
    body = sha512_crypt.using(rounds=6000).hash("secret")
    assert password_hashers.verify_password("secret", "{SHA512-CRYPT}" + body)
    assert not password_hashers.verify_password("Secret", "{SHA512-CRYPT}" + body)


def test_nul_characters_are_left_to_passlib():
    # A C string would stop at the NUL and hash a shorter password.
    assert libcrypt.crypt("a\x00b", "$6$rounds=5000$saltsalt$") is None
