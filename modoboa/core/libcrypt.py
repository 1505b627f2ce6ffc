"""SHA-crypt through the system's libxcrypt, the library Dovecot itself
calls to check ``{SHA512-CRYPT}`` and ``{SHA256-CRYPT}`` hashes.

The installed passlib only has its pure-Python SHA-crypt backend, which
takes about twice as long as the C one for the same rounds: that cost is
paid on every account creation, password change, login and imported
clear password. :func:`crypt` returns None when the library (or its
thread-safe ``crypt_rn``) is missing or refuses the input, and callers then
fall back to passlib, so results never depend on the library being there.
"""

import ctypes
import ctypes.util

# sizeof(struct crypt_data) in libxcrypt.
_DATA_SIZE = 32768
_UNSET = object()
_function = _UNSET


def _load():
    global _function
    if _function is _UNSET:
        _function = None
        name = ctypes.util.find_library("crypt")
        if name:
            try:
                library = ctypes.CDLL(name)
                function = library.crypt_rn
            except (OSError, AttributeError):
                function = None
            if function is not None:
                function.restype = ctypes.c_char_p
                function.argtypes = [
                    ctypes.c_char_p,
                    ctypes.c_char_p,
                    ctypes.c_void_p,
                    ctypes.c_int,
                ]
                _function = function
    return _function


def available():
    return _load() is not None


def crypt(phrase, setting):
    """``crypt(3)`` of ``phrase`` with ``setting`` (``$6$rounds=N$salt`` or
    a full hash), or None when it cannot be computed here.
    """
    function = _load()
    if function is None or "\x00" in phrase:
        return None
    data = ctypes.create_string_buffer(_DATA_SIZE)
    try:
        result = function(phrase.encode("utf-8"), setting.encode("ascii"), data, _DATA_SIZE)
    except (UnicodeEncodeError, ctypes.ArgumentError):
        return None
    if not result or result.startswith(b"*"):
        return None
    return result.decode("ascii")
