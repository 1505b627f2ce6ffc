"""The languages the console can really be shown in.

Accounts keep 1.10's language codes (``pt_BR``, ``el_GR``...), and the API
accepts all of them so that 1.10 clients keep working; the console offers only
the languages Modoboa has a catalogue for, since choosing another one would
silently show English.
"""

import functools
from pathlib import Path

from django.utils import translation

from modoboa.core import constants
from modoboa.core.auth import django_language

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


@functools.cache
def has_catalogue(code):
    """Tell whether Modoboa's own strings are translated into ``code``
    (an account language code).
    """
    django_code = django_language(code)
    if django_code is None:
        return False
    if django_code.split("-")[0] == "en":
        return True
    locale = translation.to_locale(django_code)
    return (LOCALE_DIR / locale / "LC_MESSAGES" / "django.mo").is_file()


def offered_languages(current=None):
    """Return the ``(code, label)`` choices of a language field: the
    languages with a catalogue, and ``current`` so that a form never changes
    a stored value by itself.
    """
    return [
        (code, label)
        for code, label in constants.LANGUAGES
        if has_catalogue(code) or code == current
    ]
