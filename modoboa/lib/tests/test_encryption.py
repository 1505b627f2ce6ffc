"""Authenticated encryption of data kept at rest."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from modoboa.lib import encryption


def test_round_trip_with_its_purpose():
    blob = encryption.encrypt(b"secret document", "pdfcredentials")
    assert b"secret document" not in blob
    assert encryption.decrypt(blob, "pdfcredentials") == b"secret document"
    # A fresh nonce each time.
    assert encryption.encrypt(b"secret document", "pdfcredentials") != blob


def test_another_purpose_a_changed_byte_or_another_key_is_refused(settings):
    blob = encryption.encrypt(b"data", "pdfcredentials")
    with pytest.raises(encryption.DecryptionError):
        encryption.decrypt(blob, "imap_migration")
    changed = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(encryption.DecryptionError):
        encryption.decrypt(changed, "pdfcredentials")
    with pytest.raises(encryption.DecryptionError):
        encryption.decrypt(b"plain text", "pdfcredentials")
    settings.MODOBOA_ENCRYPTION_KEY = encryption.generate_key()
    with pytest.raises(encryption.DecryptionError):
        encryption.decrypt(blob, "pdfcredentials")


@pytest.mark.parametrize("value", [None, "", "short", "!!!not base64!!!"])
def test_a_missing_or_bad_key_says_how_to_fix_it(settings, value):
    settings.MODOBOA_ENCRYPTION_KEY = value
    with pytest.raises(ImproperlyConfigured, match="MODOBOA_ENCRYPTION_KEY"):
        encryption.encrypt(b"data", "pdfcredentials")
    assert "MODOBOA_ENCRYPTION_KEY" in encryption.check_key()
