"""Keep a user's clear password in their session, encrypted.

Extensions that talk to the mail server on the user's behalf (a webmail,
for instance) need the password the user logged in with. It is stored in
the session encrypted with Fernet, under a key derived from the instance's
SECRET_KEY, so the session store never holds it in clear.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

SESSION_KEY = "password"


def _fernet():
    digest = hashlib.sha256(("modoboa-session-password:" + settings.SECRET_KEY).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(clear):
    """Return ``clear`` encrypted, as text."""
    return _fernet().encrypt(clear.encode("utf-8")).decode("ascii")


def decrypt(token):
    """Return the clear text of ``token`` (None when it cannot be read)."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError, AttributeError):
        return None


def store_password(request, clear):
    """Remember ``clear`` in ``request``'s session."""
    request.session[SESSION_KEY] = encrypt(clear)


def get_password(request):
    """Return the clear password kept in ``request``'s session, or None."""
    token = request.session.get(SESSION_KEY)
    return decrypt(token) if token else None
