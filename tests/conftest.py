"""Fixtures of the cross-application tests.

Each real daemon has its own fixture module in ``tests/fixtures``; list it in
``pytest_plugins`` below.
"""

pytest_plugins = [
    "tests.fixtures.browser",
    "tests.fixtures.slapd",
    "tests.fixtures.dns",
    "tests.fixtures.mailserver",
    "tests.fixtures.dovecot",
    "tests.fixtures.postfix",
    "tests.fixtures.opendkim",
]
