"""Password schemes: Dovecot's ``{SCHEME}hash`` format, rounds, rehash at
login and unknown prefixes."""

import base64
import hashlib
import re

import pytest

from modoboa.core import password_hashers as ph
from modoboa.core.models import User
from modoboa.parameters import tools as param_tools

SECRET = "Toto1234!"

# parameter value -> (Dovecot prefix, pattern of the hash after it)
WRITTEN = {
    "sha512crypt": ("SHA512-CRYPT", r"\$6\$(rounds=\d+\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{86}"),
    "sha256crypt": ("SHA256-CRYPT", r"\$5\$(rounds=\d+\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{43}"),
    "blfcrypt": ("BLF-CRYPT", r"\$2[aby]\$12\$[./0-9A-Za-z]{53}"),
    "argon2id": ("ARGON2ID", r"\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[^$]+\$[^$]+"),
    "ssha512": ("SSHA512", r"[A-Za-z0-9+/]{96}={0,2}"),
    "md5crypt": ("MD5-CRYPT", r"\$1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}"),
    "sha256": ("SHA256", r"[A-Za-z0-9+/]{43}="),
    "md5": ("MD5", r"[0-9a-f]{32}"),
    "crypt": ("CRYPT", r"[./0-9A-Za-z]{13}"),
    "plain": ("PLAIN", re.escape(SECRET)),
}


def test_every_upstream_scheme_plus_argon2id_and_ssha512_can_be_chosen():
    assert {name for name, _label in ph.SCHEME_CHOICES} == set(WRITTEN)


@pytest.mark.parametrize("scheme", sorted(WRITTEN))
def test_each_scheme_writes_dovecots_name_and_verifies(scheme):
    prefix, pattern = WRITTEN[scheme]
    stored = ph.make_password(SECRET, scheme, rounds=5000)
    match = re.fullmatch(r"\{(?P<prefix>[A-Z0-9-]+)\}(?P<hash>.+)", stored)
    assert match and match.group("prefix") == prefix
    assert re.fullmatch(pattern, match.group("hash")), stored
    assert ph.verify_password(SECRET, stored)
    # (DES crypt only reads 8 characters: change one of those.)
    assert not ph.verify_password("X" + SECRET[1:], stored)
    assert not ph.verify_password("", stored)


@pytest.mark.parametrize("scheme", ["sha512crypt", "sha256crypt"])
def test_rounds_number_is_applied_to_sha_crypt(scheme):
    stored = ph.make_password(SECRET, scheme, rounds=12345)
    assert "$rounds=12345$" in stored
    assert ph.verify_password(SECRET, stored)
    assert not ph.needs_rehash(stored, scheme, 12345)
    assert ph.needs_rehash(stored, scheme, 70000)


def test_salted_hashes_differ_each_time():
    for scheme in ("sha512crypt", "blfcrypt", "ssha512", "argon2id", "md5crypt"):
        assert ph.make_password(SECRET, scheme, 5000) != ph.make_password(SECRET, scheme, 5000)


def test_bcrypt_counts_the_first_72_bytes_like_libxcrypt():
    long_secret = "A1b" * 30
    stored = ph.make_password(long_secret, "blfcrypt")
    assert ph.verify_password(long_secret, stored)
    assert ph.verify_password(long_secret[:72] + "different tail", stored)
    assert not ph.verify_password(long_secret[:71], stored)


_SHA256 = hashlib.sha256(SECRET.encode()).digest()
_MD5 = hashlib.md5(SECRET.encode()).hexdigest()  # noqa: S324 - a scheme we must read


@pytest.mark.parametrize(
    "stored",
    [
        "{PLAIN}" + SECRET,
        "{CLEAR}" + SECRET,
        "{CLEARTEXT}" + SECRET,
        "{plain}" + SECRET,
        "{SHA256}" + base64.b64encode(_SHA256).decode(),
        "{SHA256.HEX}" + _SHA256.hex(),
        "{SHA256.b64}" + base64.b64encode(_SHA256).decode(),
        "{MD5}" + _MD5,
        "{PLAIN-MD5}" + _MD5,
        "{LDAP-MD5}" + base64.b64encode(bytes.fromhex(_MD5)).decode(),
    ],
)
def test_plain_and_digest_forms_dovecot_accepts_are_verified(stored):
    assert ph.verify_password(SECRET, stored)
    assert not ph.verify_password("wrong", stored)


def test_salted_schemes_dovecot_writes_are_verified():
    from passlib import hash as passlib_hash

    for stored in (
        "{SSHA256}" + passlib_hash.ldap_salted_sha256.hash(SECRET)[len("{SSHA256}") :],
        "{SSHA}" + passlib_hash.ldap_salted_sha1.hash(SECRET)[len("{SSHA}") :],
        "{SMD5}" + passlib_hash.ldap_salted_md5.hash(SECRET)[len("{SMD5}") :],
        "{CRYPT}" + passlib_hash.sha512_crypt.hash(SECRET),
        "{CRYPT}" + passlib_hash.md5_crypt.hash(SECRET),
        "{CRYPT}" + passlib_hash.bcrypt.using(ident="2y").hash(SECRET),
        "{DES-CRYPT}" + passlib_hash.des_crypt.hash(SECRET),
        "{BLF-CRYPT}" + passlib_hash.bcrypt.using(ident="2y", rounds=5).hash(SECRET),
        "{ARGON2I}" + passlib_hash.argon2.using(type="I").hash(SECRET),
        "{MD5}" + passlib_hash.md5_crypt.hash(SECRET),
    ):
        assert ph.verify_password(SECRET, stored), stored
        assert not ph.verify_password("wrong", stored), stored


def test_pbkdf2_as_dovecot_writes_it():
    key = hashlib.pbkdf2_hmac("sha1", SECRET.encode(), b"saltsaltsaltsalt", 5000, 20)
    stored = "{PBKDF2}$1$saltsaltsaltsalt$5000$%s" % key.hex()
    assert ph.verify_password(SECRET, stored)
    assert not ph.verify_password("wrong", stored)


def test_an_unknown_scheme_never_verifies():
    # Upstream compared the rest as clear text; Dovecot refuses it.
    assert not ph.verify_password("secret", "{FOO}secret")
    assert not ph.verify_password("{FOO}secret", "{FOO}secret")


def test_a_hash_without_prefix_is_a_crypt_hash_as_for_dovecot():
    from passlib import hash as passlib_hash

    assert ph.verify_password(SECRET, passlib_hash.md5_crypt.hash(SECRET))
    assert ph.verify_password(SECRET, passlib_hash.sha512_crypt.hash(SECRET))
    # Clear text without {PLAIN} is not a password Dovecot would accept.
    assert not ph.verify_password(SECRET, SECRET)


def test_garbage_hashes_do_not_verify_nor_crash():
    for stored in (
        "{SHA512-CRYPT}garbage",
        "{BLF-CRYPT}$2b$",
        "{SSHA512}@@@",
        "{MD5}zz",
        "",
        None,
    ):
        assert not ph.verify_password(SECRET, stored)


def test_unknown_configured_scheme_is_an_error():
    with pytest.raises(ValueError):
        ph.make_password(SECRET, "rot13")


def test_ldap_forms_of_the_hashes():
    assert ph.to_ldap_hash(ph.make_password(SECRET, "sha512crypt", 5000)).startswith("{CRYPT}$6$")
    assert ph.to_ldap_hash(ph.make_password(SECRET, "md5", 5000)).startswith("{MD5}")
    assert ph.to_ldap_hash("{PLAIN}x") == "x"


@pytest.fixture
def real_rounds(settings):
    """Use the rounds_number parameter, as an instance does."""
    settings.MODOBOA_TEST_PASSWORD_ROUNDS = None


def test_new_passwords_use_the_configured_scheme_and_rounds(db, real_rounds):
    param_tools.set_global_parameter("password_scheme", "sha256crypt", app="core")
    param_tools.set_global_parameter("rounds_number", 4321, app="core")
    user = User(username="someone")
    user.set_password(SECRET)
    assert user.password.startswith("{SHA256-CRYPT}$5$rounds=4321$")


def test_default_scheme_is_sha512_crypt_with_70000_rounds(db, real_rounds):
    user = User(username="someone")
    user.set_password(SECRET)
    assert user.password.startswith("{SHA512-CRYPT}$6$rounds=70000$")


def test_login_upgrades_the_hash_when_the_scheme_changed(db):
    user = User(username="someone", password=ph.make_password(SECRET, "md5crypt"))
    user.save()
    assert user.check_password(SECRET)
    user.refresh_from_db()
    assert user.password.startswith("{SHA512-CRYPT}$6$")
    assert user.check_password(SECRET)


def test_login_upgrades_the_hash_when_the_rounds_changed(db, real_rounds):
    param_tools.set_global_parameter("rounds_number", 5000, app="core")
    user = User(username="someone")
    user.set_password(SECRET)
    user.save()
    param_tools.set_global_parameter("rounds_number", 6000, app="core")
    assert user.check_password(SECRET)
    user.refresh_from_db()
    assert "$rounds=6000$" in user.password


def test_a_failed_login_changes_nothing(db):
    stored = ph.make_password(SECRET, "md5crypt")
    user = User.objects.create(username="someone", password=stored)
    assert not user.check_password("wrong")
    user.refresh_from_db()
    assert user.password == stored


def test_no_upgrade_when_update_scheme_is_off(db):
    param_tools.set_global_parameter("update_scheme", False, app="core")
    stored = ph.make_password(SECRET, "md5crypt")
    user = User.objects.create(username="someone", password=stored)
    assert user.check_password(SECRET)
    user.refresh_from_db()
    assert user.password == stored


def test_an_unusable_password_never_verifies(db):
    user = User(username="someone")
    user.set_unusable_password()
    assert not user.has_usable_password()
    assert not user.check_password("")
    assert not user.check_password(user.password)
