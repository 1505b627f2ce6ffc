"""Fixtures of the takeover tests."""

import pytest

from .databases import Database


@pytest.fixture(scope="session")
def fresh_schema(tmp_path_factory):
    """The schema dump of a fresh install on the engine of the pass."""
    from django.db import connection

    database = Database(connection.vendor, tmp_path_factory.mktemp("fresh"))
    try:
        result = database.manage("migrate", "--no-input")
        assert result.returncode == 0, result.stderr
        yield database.schema()
    finally:
        database.drop()


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
