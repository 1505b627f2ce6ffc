"""The helpers the management commands share."""

import pytest

from modoboa.lib.management import sentence


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("Cannot write /srv/keys", "Cannot write /srv/keys."),
        ("The lock is held.", "The lock is held."),
        ("Is the server up?", "Is the server up?"),
        (
            "connection refused\n\tIs the server\n running!",
            "connection refused Is the server running!",
        ),
        (OSError("disk full"), "disk full."),
    ],
)
def test_an_error_becomes_one_sentence(error, expected):
    assert sentence(error) == expected
