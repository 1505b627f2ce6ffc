"""Fixtures of the statistics tests."""

import datetime
import shutil
from pathlib import Path

import pytest

LOGS = Path(__file__).parent / "logs"
# The fixture logs are from 10 March 2026 (UTC); "now" is the next day.
NOW = datetime.datetime(2026, 3, 11, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def hosted(make_domain, superadmin):
    """stats.test with its domain alias alias-stats.test."""
    from modoboa.admin import services

    domain = make_domain("stats.test")
    services.create_domain_alias(
        acting_user=superadmin, name="alias-stats.test", target="stats.test"
    )
    return domain


@pytest.fixture
def log_copy(tmp_path):
    """``log_copy(name)``: a copy of fixture log ``name`` in a temporary
    directory (the parser remembers files by path).
    """

    def _copy(name, target="mail.log"):
        path = tmp_path / target
        shutil.copyfile(LOGS / name, path)
        return path

    return _copy
