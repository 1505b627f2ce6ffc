"""Dovecot password schemes the panel only verifies.

``doveadm pw -s`` can write these; an imported account may carry one. They
are checked exactly as Dovecot checks them (same answers as ``doveadm pw
-t``), but the panel never writes them: they are weaker than the schemes
an administrator can choose.
"""

import base64
import binascii
import hashlib
import hmac
import math
import struct

from passlib.crypto.digest import lookup_hash

_md4 = lookup_hash("md4").const

# MD5's block function (RFC 1321), needed because CRAM-MD5 stores the
# internal MD5 states of HMAC's inner and outer keys, which hashlib does not
# expose.
_MD5_SHIFTS = [7, 12, 17, 22] * 4 + [5, 9, 14, 20] * 4 + [4, 11, 16, 23] * 4 + [6, 10, 15, 21] * 4
_MD5_CONSTANTS = [int(abs(math.sin(i + 1)) * 2**32) & 0xFFFFFFFF for i in range(64)]
_MD5_INITIAL = (0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476)


def _rotate_left(value, count):
    value &= 0xFFFFFFFF
    return ((value << count) | (value >> (32 - count))) & 0xFFFFFFFF


def md5_block(state, block):
    """Return MD5's state after processing one 64-byte ``block``."""
    words = struct.unpack("<16I", block)
    a, b, c, d = state
    for i in range(64):
        if i < 16:
            f = (b & c) | (~b & d)
            g = i
        elif i < 32:
            f = (d & b) | (~d & c)
            g = (5 * i + 1) % 16
        elif i < 48:
            f = b ^ c ^ d
            g = (3 * i + 5) % 16
        else:
            f = c ^ (b | ~d)
            g = (7 * i) % 16
        f = (f + a + _MD5_CONSTANTS[i] + words[g]) & 0xFFFFFFFF
        a, d, c = d, c, b
        b = (b + _rotate_left(f, _MD5_SHIFTS[i])) & 0xFFFFFFFF
    return tuple((x + y) & 0xFFFFFFFF for x, y in zip(state, (a, b, c, d), strict=True))


def cram_md5_context(password):
    """The 32-byte CRAM-MD5 context Dovecot stores for ``password``:
    HMAC-MD5's outer then inner MD5 state, little-endian words.
    """
    key = password.encode("utf-8")
    if len(key) > 64:
        key = hashlib.md5(key).digest()  # noqa: S324 - the scheme's definition
    key = key.ljust(64, b"\0")
    inner = md5_block(_MD5_INITIAL, bytes(b ^ 0x36 for b in key))
    outer = md5_block(_MD5_INITIAL, bytes(b ^ 0x5C for b in key))
    return struct.pack("<8I", *outer, *inner)


def _hex_or_base64(value, size):
    value = value.strip()
    if len(value) == size * 2:
        try:
            return bytes.fromhex(value)
        except ValueError:
            return None
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return decoded if len(decoded) == size else None


class VerifyOnlyScheme:
    """A scheme Dovecot may write and the panel only verifies."""

    name = ""
    prefix = ""
    label = ""
    uses_rounds = False
    needs_username = False

    def encrypt(self, raw, rounds=None):
        raise ValueError("%s hashes are verified, never written" % self.prefix)

    def rounds_of(self, hashed):
        return None

    def to_ldap(self, hashed):
        return "{%s}%s" % (self.prefix, hashed)


class CramMD5Scheme(VerifyOnlyScheme):
    name = "cram-md5"
    prefix = "CRAM-MD5"
    label = "CRAM-MD5"

    def verify(self, raw, hashed):
        stored = _hex_or_base64(hashed, 32)
        return stored is not None and hmac.compare_digest(stored, cram_md5_context(raw))


class HMACMD5Scheme(CramMD5Scheme):
    name = "hmac-md5"
    prefix = "HMAC-MD5"
    label = "HMAC-MD5"


class DigestMD5Scheme(VerifyOnlyScheme):
    """MD5 of ``user:realm:password``; the realm is what follows ``@`` in
    the login name, as Dovecot splits it.
    """

    name = "digest-md5"
    prefix = "DIGEST-MD5"
    label = "DIGEST-MD5"
    needs_username = True

    def verify(self, raw, hashed, username=None):
        stored = _hex_or_base64(hashed, 16)
        if stored is None or not username:
            return False
        user, _sep, realm = username.partition("@")
        value = ("%s:%s:%s" % (user, realm, raw)).encode("utf-8")
        return hmac.compare_digest(stored, hashlib.md5(value).digest())  # noqa: S324


class PlainMD4Scheme(VerifyOnlyScheme):
    name = "plain-md4"
    prefix = "PLAIN-MD4"
    label = "PLAIN-MD4"

    def verify(self, raw, hashed):
        stored = _hex_or_base64(hashed, 16)
        return stored is not None and hmac.compare_digest(
            stored, _md4(raw.encode("utf-8")).digest()
        )


class PlainTruncScheme(VerifyOnlyScheme):
    """``<length>-<clear text>``: a clear text cut at ``length`` matches any
    password that starts with it.
    """

    name = "plain-trunc"
    prefix = "PLAIN-TRUNC"
    label = "PLAIN-TRUNC"

    def verify(self, raw, hashed):
        length, sep, stored = hashed.partition("-")
        if not sep or not length.isdigit():
            return False
        length = int(length)
        candidate = raw.encode("utf-8")
        stored = stored.encode("utf-8")
        if len(stored) == length and len(candidate) >= length:
            return hmac.compare_digest(stored, candidate[:length])
        return hmac.compare_digest(stored, candidate)


class SCRAMScheme(VerifyOnlyScheme):
    """``iterations,salt,StoredKey,ServerKey`` (base64), RFC 5802."""

    algorithm = "sha1"

    def verify(self, raw, hashed):
        parts = hashed.split(",")
        if len(parts) != 4 or not parts[0].isdigit():
            return False
        try:
            salt = base64.b64decode(parts[1], validate=True)
            stored_key = base64.b64decode(parts[2], validate=True)
        except (binascii.Error, ValueError):
            return False
        iterations = int(parts[0])
        if not 1 <= iterations <= 10_000_000:
            return False
        salted = hashlib.pbkdf2_hmac(self.algorithm, raw.encode("utf-8"), salt, iterations)
        client_key = hmac.new(salted, b"Client Key", self.algorithm).digest()
        return hmac.compare_digest(hashlib.new(self.algorithm, client_key).digest(), stored_key)


class SCRAMSHA1Scheme(SCRAMScheme):
    name = "scram-sha-1"
    prefix = "SCRAM-SHA-1"
    label = "SCRAM-SHA-1"
    algorithm = "sha1"


class SCRAMSHA256Scheme(SCRAMScheme):
    name = "scram-sha-256"
    prefix = "SCRAM-SHA-256"
    label = "SCRAM-SHA-256"
    algorithm = "sha256"


def _otp_fold(algorithm, data):
    """One step of RFC 2289: hash, then fold the digest to 64 bits."""
    if algorithm == "md4":
        digest = _md4(data).digest()
    else:
        digest = hashlib.new(algorithm, data).digest()
    if algorithm == "sha1":
        # The words of SHA-1's digest are folded as little-endian integers
        # (RFC 2289, appendix A).
        words = list(struct.unpack(">5I", digest))
        words[0] ^= words[2]
        words[1] ^= words[3]
        words[0] ^= words[4]
        return struct.pack("<2I", words[0], words[1])
    return bytes(x ^ y for x, y in zip(digest[:8], digest[8:16], strict=True))


class OTPScheme(VerifyOnlyScheme):
    """``<algorithm> <sequence> <seed> <state>``: the S/Key state after
    ``sequence`` iterations of the passphrase (RFC 2289).
    """

    name = "otp"
    prefix = "OTP"
    label = "OTP"

    def verify(self, raw, hashed):
        parts = hashed.split()
        if len(parts) != 4 or parts[0] not in ("md4", "md5", "sha1") or not parts[1].isdigit():
            return False
        algorithm, sequence, seed, state = parts[0], int(parts[1]), parts[2], parts[3]
        if sequence > 100_000:
            return False
        try:
            expected = bytes.fromhex(state)
        except ValueError:
            return False
        value = _otp_fold(algorithm, (seed.lower() + raw).encode("utf-8"))
        for _step in range(sequence):
            value = _otp_fold(algorithm, value)
        return hmac.compare_digest(value, expected)


VERIFY_ONLY_SCHEMES = [
    CramMD5Scheme(),
    HMACMD5Scheme(),
    DigestMD5Scheme(),
    PlainMD4Scheme(),
    PlainTruncScheme(),
    SCRAMSHA1Scheme(),
    SCRAMSHA256Scheme(),
    OTPScheme(),
]
