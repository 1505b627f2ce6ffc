"""The names of the built-in extensions, as 1.10 postmasters type them."""

import pytest

from modoboa.core import builtin_extensions


@pytest.mark.parametrize(
    "typed, short",
    [
        ("amavis", "amavis"),
        ("modoboa_amavis", "amavis"),
        ("modoboa-amavis", "amavis"),
        ("postfix_autoreply", "postfix_autoreply"),
        ("modoboa-postfix-autoreply", "postfix_autoreply"),
        ("autoreply", "postfix_autoreply"),
        ("modoboa_stats", "stats"),
        ("Modoboa-Webmail", "webmail"),
        ("modoboa_imap_migration", "imap_migration"),
    ],
)
def test_every_spelling_of_1_10_names_one_extension(typed, short):
    assert builtin_extensions.canonical_name(typed) == short


@pytest.mark.parametrize("typed", ["modoboa", "modoboa_core", "myext", "admin", ""])
def test_other_names_are_not_built_in(typed):
    assert builtin_extensions.canonical_name(typed) is None


def test_available_lists_only_applications_present_in_the_package():
    available = builtin_extensions.available()
    for name, module in available.items():
        assert builtin_extensions.MODULES[name] == module
        assert builtin_extensions.is_present(module)
    for name in builtin_extensions.MODULES:
        if name not in available:
            assert builtin_extensions.module_for(name) is None
