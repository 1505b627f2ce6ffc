"""Numbers, like dates, are written one way per language: the same
separators whether a template shows the value as is or through a filter.
"""

import pytest
from django.template import Context, Template
from django.utils import translation

from modoboa.core import constants
from modoboa.core.auth import django_language

LANGUAGES = sorted({django_language(code) for code, _label in constants.LANGUAGES})
EXPECTED = {"en": "1.5", "fr": "1,5", "de": "1,5", "ja": "1.5", "ru": "1,5"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_decimal_is_written_one_way(language):
    template = Template(
        "{% load l10n %}{{ value }}|{{ value|floatformat:1 }}|{{ value|localize }}|{{ big }}"
    )
    with translation.override(language):
        plain, filtered, localized, big = template.render(
            Context({"value": 1.5, "big": 1234567})
        ).split("|")
    assert plain == filtered == localized
    if language in EXPECTED:
        assert plain == EXPECTED[language]
    # No thousands separator anywhere: an identifier-like count stays whole.
    assert big == "1234567"
