"""Authenticated encryption of what Modoboa keeps at rest on behalf of its
users (credentials documents, old-server passwords of IMAP migrations).

AES-256-GCM under a key of its own, ``settings.MODOBOA_ENCRYPTION_KEY`` (32
random bytes, URL-safe base64, written by ``modoboa-admin.py deploy``), never
derived from ``SECRET_KEY``: rotating the one must not make the other's data
unreadable, and a leaked session secret must not open stored documents. Each
blob names its purpose as associated data, so a blob made for one use cannot
be passed off as another; a changed byte or a wrong key is an error, never
garbage.

Blob layout: ``b"MBE1"`` + 12-byte random nonce + ciphertext and tag.
"""

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MAGIC = b"MBE1"
NONCE_SIZE = 12
KEY_SIZE = 32


class DecryptionError(Exception):
    """A blob that this key did not make, or that was changed."""


def generate_key():
    """Return a new key, as the setting holds it."""
    return base64.urlsafe_b64encode(os.urandom(KEY_SIZE)).decode("ascii")


def _key():
    value = getattr(settings, "MODOBOA_ENCRYPTION_KEY", None)
    if not value:
        raise ImproperlyConfigured(
            "MODOBOA_ENCRYPTION_KEY is not set: add "
            "MODOBOA_ENCRYPTION_KEY = %r to settings.py (a new random key)" % generate_key()
        )
    try:
        key = base64.urlsafe_b64decode(value)
    except (binascii.Error, ValueError, TypeError):
        key = b""
    if len(key) != KEY_SIZE:
        raise ImproperlyConfigured(
            "MODOBOA_ENCRYPTION_KEY must be %d bytes in URL-safe base64" % KEY_SIZE
        )
    return key


def check_key():
    """Return None when the key is usable, else the reason it is not."""
    try:
        _key()
    except ImproperlyConfigured as exc:
        return str(exc)
    return None


def encrypt(data, purpose):
    """Return ``data`` (bytes) encrypted for ``purpose`` (a short string)."""
    nonce = os.urandom(NONCE_SIZE)
    return MAGIC + nonce + AESGCM(_key()).encrypt(nonce, data, purpose.encode("utf-8"))


def decrypt(blob, purpose):
    """Return the bytes ``blob`` holds; raise DecryptionError when it was not
    made by this key for ``purpose``, or was changed since.
    """
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + NONCE_SIZE + 16:
        raise DecryptionError("not an encrypted Modoboa blob")
    nonce = blob[len(MAGIC) : len(MAGIC) + NONCE_SIZE]
    try:
        return AESGCM(_key()).decrypt(nonce, blob[len(MAGIC) + NONCE_SIZE :], purpose.encode())
    except InvalidTag:
        raise DecryptionError("wrong key, wrong purpose or altered data") from None
