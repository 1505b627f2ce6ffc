"""Fixtures of the takeover tests."""

import pytest

from .databases import Database


@pytest.fixture
def make_database(tmp_path):
    """Return a factory of throwaway databases on the engine of the pass."""
    from django.db import connection

    made = []

    def _make():
        database = Database(connection.vendor, tmp_path)
        made.append(database)
        return database

    yield _make
    for database in made:
        database.drop()
