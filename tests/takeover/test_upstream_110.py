"""Databases made by upstream Modoboa 1.10.0 and 1.10.7 themselves (from
PyPI, see ``upstream110``), on every engine: ``migrate`` takes them over
with the schema of a fresh install and every row kept, and after ``modo
takeover`` every Postfix map answers what 1.10's answered, except for the
keys of a disabled domain, which ``--check`` announced."""

import pytest

from . import upstream110
from .databases import Database
from .test_key_by_key import map_differences, probe
from .test_migrate_110 import assert_rows_kept, snapshot


@pytest.fixture(scope="module", params=["1.10.0", "1.10.7"])
def upstream_database(request, tmp_path_factory):
    """A database deployed and filled by upstream ``version``, untouched."""
    from django.db import connection

    directory = tmp_path_factory.mktemp("upstream")
    database = Database(connection.vendor, directory)
    try:
        if database.vendor == "sqlite":
            dburl = "sqlite:///%s" % database.path
        else:
            dburl = database.url
        upstream110.build(request.param, dburl, directory)
        yield request.param, database, directory
    finally:
        database.drop()


def test_upstream_110_databases_are_taken_over(upstream_database, make_database, fresh_schema):
    version, old, directory = upstream_database
    new = old.copy_to(make_database())
    before = snapshot(new)

    check = new.manage("modo", "takeover", "--check")
    result = new.manage("migrate", "--no-input")

    assert check.returncode == 0, check.stderr
    expected = "1.10.7" if version == "1.10.7" else "1.10.0 to 1.10.6"
    assert "Modoboa %s: 'manage.py migrate'" % expected in check.stdout
    assert "Aliases of disabled domains: 2." in check.stdout
    assert "Forwards without local copies: 1 (user2@example.com)" in check.stdout
    assert result.returncode == 0, result.stderr
    assert "Taking over a Modoboa %s database." % expected in result.stdout
    assert new.schema() == fresh_schema
    assert_rows_kept(before, new)

    result = new.manage("modo", "takeover")

    assert result.returncode == 0, result.stderr
    differences = map_differences(old, new, directory, keys=upstream110.KEYS)
    # Announced by --check: the aliases of the disabled domain are no longer
    # answered (a mailbox's self-alias is one).
    assert {(name, key) for name, key, _old, _new in differences} == {
        ("sql-aliases.cf", "lost@disabled.test"),
        ("sql-aliases.cf", "sales@disabled.test"),
    }
    logins = [
        [name, upstream110.PASSWORDS.get(name, "Toto12345")]
        for (name,) in old.query("SELECT username FROM core_user WHERE is_active = %s", [True])
    ]
    column = "`key`" if old.vendor == "mysql" else "key"
    tokens = [key for (key,) in old.query("SELECT %s FROM authtoken_token" % column)]
    answer = probe(new, logins, tokens)
    for name, _password in logins:
        outcome = answer["logins"][name]
        if name.endswith("@disabled.test"):
            # A disabled domain ends its users' logins (docs/security.rst),
            # which 1.10 did not do: --check announces the domain.
            assert not outcome["logged_in"], (name, outcome)
            continue
        assert outcome["status"] == 302 and outcome["logged_in"], (name, outcome)
    assert answer["tokens"] == dict.fromkeys(tokens, 200)
