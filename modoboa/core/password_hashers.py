"""Password schemes stored in Dovecot's ``{SCHEME}hash`` format.

Dovecot reads ``core_user.password`` directly, so every hash is written with
the scheme name Dovecot uses, and every scheme Dovecot can write is accepted
when a password is checked (see ``docs/passwords.rst``).

The configured scheme is the ``password_scheme`` core parameter; the
``rounds_number`` parameter applies to the SHA-crypt schemes (upstream 1.10
read it but never applied it).
"""

import base64
import hashlib
import hmac
import re
import secrets
import string

from passlib import hash as passlib_hash

from . import libcrypt
from .dovecot_schemes import VERIFY_ONLY_SCHEMES

DEFAULT_SCHEME = "sha512crypt"
DEFAULT_ROUNDS = 70000

_PREFIX_RE = re.compile(r"^\{(?P<scheme>[A-Za-z0-9._-]+)\}(?P<hash>.*)$", re.DOTALL)


class PasswordScheme:
    """A way of hashing a password that Dovecot understands."""

    #: Value of the ``password_scheme`` parameter.
    name = ""
    #: Scheme name written between braces (Dovecot's name).
    prefix = ""
    #: Human readable label.
    label = ""
    #: Whether ``rounds_number`` applies.
    uses_rounds = False

    def encrypt(self, raw, rounds=None):
        """Return the hash of ``raw`` without the ``{SCHEME}`` prefix."""
        raise NotImplementedError

    def verify(self, raw, hashed):
        """Tell whether ``raw`` matches ``hashed`` (prefix removed)."""
        raise NotImplementedError

    def rounds_of(self, hashed):
        """Return the number of rounds used by ``hashed`` (or None)."""
        return None

    def to_ldap(self, hashed):
        """Return the hash in the form an LDAP directory expects."""
        return "{%s}%s" % (self.prefix, hashed)


class PasslibScheme(PasswordScheme):
    """A scheme backed by a passlib handler."""

    handler = None
    ldap_prefix = "CRYPT"

    def _handler(self, rounds):
        if self.uses_rounds and rounds:
            return self.handler.using(rounds=rounds)
        return self.handler

    def encrypt(self, raw, rounds=None):
        return self._handler(rounds).hash(raw)

    def verify(self, raw, hashed):
        try:
            return self.handler.verify(raw, hashed)
        except (ValueError, TypeError):
            return False

    def rounds_of(self, hashed):
        if not self.uses_rounds:
            return None
        try:
            return self.handler.from_string(hashed).rounds
        except (ValueError, TypeError):
            return None

    def to_ldap(self, hashed):
        return "{%s}%s" % (self.ldap_prefix, hashed)


class SHACryptScheme(PasslibScheme):
    """SHA-crypt, computed by libxcrypt when it is there (twice as fast as
    passlib's Python backend), by passlib otherwise; same hashes either way.
    """

    uses_rounds = True
    ident = ""
    _salt_chars = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

    def encrypt(self, raw, rounds=None):
        rounds = rounds or self.handler.default_rounds
        if self.handler.min_rounds <= rounds <= self.handler.max_rounds:
            salt = "".join(secrets.choice(self._salt_chars) for _ in range(16))
            # Like passlib, the default 5000 rounds are implicit.
            setting = (
                "%s%s$" % (self.ident, salt)
                if rounds == 5000
                else "%srounds=%d$%s$" % (self.ident, rounds, salt)
            )
            hashed = libcrypt.crypt(raw, setting)
            if hashed is not None:
                return hashed
        return super().encrypt(raw, rounds)

    def verify(self, raw, hashed):
        if hashed.startswith(self.ident):
            computed = libcrypt.crypt(raw, hashed)
            if computed is not None:
                return hmac.compare_digest(computed, hashed)
        return super().verify(raw, hashed)


class SHA512CryptScheme(SHACryptScheme):
    name = "sha512crypt"
    prefix = "SHA512-CRYPT"
    label = "SHA512-CRYPT"
    ident = "$6$"
    handler = passlib_hash.sha512_crypt


class SHA256CryptScheme(SHACryptScheme):
    name = "sha256crypt"
    prefix = "SHA256-CRYPT"
    label = "SHA256-CRYPT"
    ident = "$5$"
    handler = passlib_hash.sha256_crypt


class BlowfishCryptScheme(PasslibScheme):
    """bcrypt; like libxcrypt (which Dovecot calls), only the first 72
    bytes of a password count.
    """

    name = "blfcrypt"
    prefix = "BLF-CRYPT"
    label = "BLF-CRYPT"
    handler = passlib_hash.bcrypt.using(rounds=12)

    def encrypt(self, raw, rounds=None):
        return self.handler.hash(_bcrypt_secret(raw))

    def verify(self, raw, hashed):
        try:
            return passlib_hash.bcrypt.verify(_bcrypt_secret(raw), hashed)
        except (ValueError, TypeError):
            return False


def _bcrypt_secret(raw):
    return raw.encode("utf-8")[:72]


class MD5CryptScheme(PasslibScheme):
    name = "md5crypt"
    prefix = "MD5-CRYPT"
    label = "MD5-CRYPT"
    handler = passlib_hash.md5_crypt


class DESCryptScheme(PasslibScheme):
    """Traditional DES crypt; ``{CRYPT}`` also accepts any libc ``$id$``."""

    name = "crypt"
    prefix = "CRYPT"
    label = "CRYPT"
    handler = passlib_hash.des_crypt

    _by_ident = {
        "$6$": passlib_hash.sha512_crypt,
        "$5$": passlib_hash.sha256_crypt,
        "$1$": passlib_hash.md5_crypt,
        "$2a$": passlib_hash.bcrypt,
        "$2b$": passlib_hash.bcrypt,
        "$2y$": passlib_hash.bcrypt,
        "$argon2id$": passlib_hash.argon2,
        "$argon2i$": passlib_hash.argon2,
    }

    def verify(self, raw, hashed):
        handler = self.handler
        secret = raw
        for ident, candidate in self._by_ident.items():
            if hashed.startswith(ident):
                handler = candidate
                if candidate is passlib_hash.bcrypt:
                    secret = _bcrypt_secret(raw)
                break
        try:
            return handler.verify(secret, hashed)
        except (ValueError, TypeError):
            return False


class Argon2IDScheme(PasslibScheme):
    name = "argon2id"
    prefix = "ARGON2ID"
    label = "ARGON2ID"
    handler = passlib_hash.argon2.using(type="ID")


class DigestScheme(PasswordScheme):
    """Unsalted digests, encoded in base64 or hex."""

    algorithm = "sha256"
    encoding = "base64"

    def _digest(self, raw):
        return hashlib.new(self.algorithm, raw.encode("utf-8")).digest()

    def encrypt(self, raw, rounds=None):
        digest = self._digest(raw)
        if self.encoding == "hex":
            return digest.hex()
        return base64.b64encode(digest).decode()

    def verify(self, raw, hashed):
        expected = self._digest(raw)
        candidate = _decode_digest(hashed, len(expected))
        return candidate is not None and hmac.compare_digest(candidate, expected)

    def to_ldap(self, hashed):
        # LDAP servers only know base64 encoded digests.
        digest = _decode_digest(hashed, hashlib.new(self.algorithm).digest_size)
        if digest is None:
            return "{%s}%s" % (self.ldap_prefix, hashed)
        return "{%s}%s" % (self.ldap_prefix, base64.b64encode(digest).decode())

    @property
    def ldap_prefix(self):
        return {"md5": "MD5", "sha1": "SHA", "sha256": "SHA256", "sha512": "SHA512"}[
            self.algorithm
        ]


class SHA256Scheme(DigestScheme):
    name = "sha256"
    prefix = "SHA256"
    label = "SHA256"
    algorithm = "sha256"


class MD5Scheme(DigestScheme):
    """``{MD5}`` holding a hex digest.

    Dovecot treats ``{MD5}`` as MD5-CRYPT when the hash starts with ``$1$``
    and as PLAIN-MD5 otherwise, so both forms are verified.
    """

    name = "md5"
    prefix = "MD5"
    label = "MD5"
    algorithm = "md5"
    encoding = "hex"

    def verify(self, raw, hashed):
        if hashed.startswith("$1$"):
            return MD5CryptScheme().verify(raw, hashed)
        return super().verify(raw, hashed)


class SaltedDigestScheme(PasswordScheme):
    """``base64(digest(password + salt) + salt)``, as in LDAP's SSHA family."""

    algorithm = "sha512"
    salt_size = 8

    def encrypt(self, raw, rounds=None):
        salt = secrets.token_bytes(self.salt_size)
        digest = hashlib.new(self.algorithm, raw.encode("utf-8") + salt).digest()
        return base64.b64encode(digest + salt).decode()

    def verify(self, raw, hashed):
        size = hashlib.new(self.algorithm).digest_size
        try:
            decoded = base64.b64decode(hashed, validate=True)
        except (ValueError, TypeError):
            return False
        if len(decoded) <= size:
            return False
        digest, salt = decoded[:size], decoded[size:]
        expected = hashlib.new(self.algorithm, raw.encode("utf-8") + salt).digest()
        return hmac.compare_digest(digest, expected)


class SSHA512Scheme(SaltedDigestScheme):
    name = "ssha512"
    prefix = "SSHA512"
    label = "SSHA512"
    algorithm = "sha512"


class SSHA256Scheme(SaltedDigestScheme):
    name = "ssha256"
    prefix = "SSHA256"
    label = "SSHA256"
    algorithm = "sha256"


class SSHAScheme(SaltedDigestScheme):
    name = "ssha"
    prefix = "SSHA"
    label = "SSHA"
    algorithm = "sha1"


class SMD5Scheme(SaltedDigestScheme):
    name = "smd5"
    prefix = "SMD5"
    label = "SMD5"
    algorithm = "md5"


class SHA512Scheme(DigestScheme):
    name = "sha512"
    prefix = "SHA512"
    label = "SHA512"
    algorithm = "sha512"


class SHA1Scheme(DigestScheme):
    name = "sha1"
    prefix = "SHA"
    label = "SHA1"
    algorithm = "sha1"


class PlainMD5Scheme(DigestScheme):
    name = "plain-md5"
    prefix = "PLAIN-MD5"
    label = "PLAIN-MD5"
    algorithm = "md5"
    encoding = "hex"


class LDAPMD5Scheme(DigestScheme):
    name = "ldap-md5"
    prefix = "LDAP-MD5"
    label = "LDAP-MD5"
    algorithm = "md5"


class PBKDF2Scheme(PasswordScheme):
    """Dovecot's PBKDF2: ``$1$<salt>$<rounds>$<hex sha1 key>``."""

    name = "pbkdf2"
    prefix = "PBKDF2"
    label = "PBKDF2"

    def encrypt(self, raw, rounds=None):
        rounds = 5000
        salt = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(16))
        key = hashlib.pbkdf2_hmac("sha1", raw.encode("utf-8"), salt.encode(), rounds, 20)
        return "$1$%s$%d$%s" % (salt, rounds, key.hex())

    def verify(self, raw, hashed):
        parts = hashed.split("$")
        if len(parts) != 5 or parts[1] != "1":
            return False
        _, _, salt, rounds, key = parts
        try:
            rounds = int(rounds)
            expected = bytes.fromhex(key)
        except ValueError:
            return False
        computed = hashlib.pbkdf2_hmac(
            "sha1", raw.encode("utf-8"), salt.encode(), rounds, len(expected)
        )
        return hmac.compare_digest(computed, expected)


class PlainScheme(PasswordScheme):
    name = "plain"
    prefix = "PLAIN"
    label = "PLAIN"

    def encrypt(self, raw, rounds=None):
        return raw

    def verify(self, raw, hashed):
        return hmac.compare_digest(raw.encode("utf-8"), hashed.encode("utf-8"))

    def to_ldap(self, hashed):
        return hashed


def _decode_digest(value, size):
    """Decode a digest given in hex or base64 (Dovecot accepts both)."""
    if len(value) == size * 2:
        try:
            return bytes.fromhex(value)
        except ValueError:
            pass
    try:
        decoded = base64.b64decode(value, validate=True)
    except (ValueError, TypeError):
        return None
    return decoded if len(decoded) == size else None


#: Schemes an administrator may pick for new passwords, in display order.
WRITABLE_SCHEMES = [
    SHA512CryptScheme(),
    SHA256CryptScheme(),
    BlowfishCryptScheme(),
    Argon2IDScheme(),
    SSHA512Scheme(),
    MD5CryptScheme(),
    SHA256Scheme(),
    MD5Scheme(),
    DESCryptScheme(),
    PlainScheme(),
]

_BY_NAME = {scheme.name: scheme for scheme in WRITABLE_SCHEMES}

_BY_PREFIX = {scheme.prefix: scheme for scheme in WRITABLE_SCHEMES}
for _scheme in (
    SSHA256Scheme(),
    SSHAScheme(),
    SMD5Scheme(),
    SHA512Scheme(),
    SHA1Scheme(),
    PlainMD5Scheme(),
    LDAPMD5Scheme(),
    PBKDF2Scheme(),
):
    _BY_PREFIX[_scheme.prefix] = _scheme
for _scheme in VERIFY_ONLY_SCHEMES:
    _BY_PREFIX[_scheme.prefix] = _scheme
# Dovecot aliases.
_BY_PREFIX["SHA1"] = _BY_PREFIX["SHA"]
_BY_PREFIX["DES-CRYPT"] = _BY_PREFIX["CRYPT"]
_BY_PREFIX["CLEAR"] = _BY_PREFIX["PLAIN"]
_BY_PREFIX["CLEARTEXT"] = _BY_PREFIX["PLAIN"]
_BY_PREFIX["ARGON2I"] = _BY_PREFIX["ARGON2ID"]

SCHEME_CHOICES = [(scheme.name, scheme.label) for scheme in WRITABLE_SCHEMES]


def verifiable_prefixes():
    """Return the ``{SCHEME}`` prefixes (without braces) Modoboa verifies."""
    return set(_BY_PREFIX)


def get_scheme(name):
    """Return the scheme object for a ``password_scheme`` parameter value."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError("Unknown password scheme: %s" % name) from None


class UnknownScheme(PasswordScheme):
    """A ``{SCHEME}`` neither we nor Dovecot know: nothing verifies."""

    name = "unknown"

    def verify(self, raw, hashed):
        return False


def split_hash(stored):
    """Split ``{SCHEME}hash`` into its scheme object and hash.

    As Dovecot does with the documented ``default_pass_scheme = CRYPT``, a
    value without a ``{SCHEME}`` prefix is a libc crypt() hash (``$1$``,
    ``$6$``... or DES). An unknown scheme never verifies: upstream 1.10
    compared it as PLAIN, which Dovecot refuses (docs/decisions.rst).
    """
    stored = stored or ""
    match = _PREFIX_RE.match(stored)
    if match is None:
        return _BY_PREFIX["CRYPT"], stored
    # Dovecot's optional encoding suffix: {SSHA256.b64} / {SHA256.HEX}
    scheme = _BY_PREFIX.get(match.group("scheme").upper().split(".")[0])
    if scheme is None:
        return UnknownScheme(), match.group("hash")
    return scheme, match.group("hash")


def make_password(raw, scheme=DEFAULT_SCHEME, rounds=None):
    """Hash ``raw`` with ``scheme`` and return ``{SCHEME}hash``."""
    handler = get_scheme(scheme)
    return "{%s}%s" % (handler.prefix, handler.encrypt(raw, rounds=rounds))


def verify_password(raw, stored, username=None):
    """Tell whether the clear password ``raw`` matches ``stored``.

    ``username`` is the login name, which DIGEST-MD5 hashes include.
    """
    if raw is None or not stored:
        return False
    scheme, hashed = split_hash(stored)
    if getattr(scheme, "needs_username", False):
        return scheme.verify(raw, hashed, username=username)
    return scheme.verify(raw, hashed)


def needs_rehash(stored, scheme=DEFAULT_SCHEME, rounds=None):
    """Tell whether ``stored`` should be rewritten with the current settings."""
    current, hashed = split_hash(stored)
    wanted = get_scheme(scheme)
    if current.prefix != wanted.prefix:
        return True
    if wanted.uses_rounds and rounds:
        return current.rounds_of(hashed) != int(rounds)
    return False


def to_ldap_hash(stored):
    """Convert a stored ``{SCHEME}hash`` to the form LDAP servers verify."""
    scheme, hashed = split_hash(stored)
    return scheme.to_ldap(hashed)
