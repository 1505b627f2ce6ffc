"""A 1.10 database whose imap_migration extension left its tables: the
takeover keeps their rows, and the migration jobs of this release follow
on (their 1.10 passwords are read back in modoboa/imap_migration/tests/test_passwords_110.py)."""

import pytest

pytestmark = pytest.mark.engines("sqlite", "postgresql")

# 1.10's tables of the extension (reference/extensions.md, section 11).
TABLES = [
    "CREATE TABLE modoboa_imap_migration_emailprovider (id integer NOT NULL PRIMARY KEY, "
    "name varchar(50) NOT NULL UNIQUE, address varchar(50) NOT NULL, "
    "port integer NOT NULL, secured boolean NOT NULL)",
    "CREATE TABLE modoboa_imap_migration_emailproviderdomain (id integer NOT NULL PRIMARY KEY, "
    "name varchar(50) NOT NULL UNIQUE, new_domain_id integer NULL REFERENCES admin_domain (id), "
    "provider_id integer NOT NULL REFERENCES modoboa_imap_migration_emailprovider (id))",
    "CREATE TABLE modoboa_imap_migration_migration (id integer NOT NULL PRIMARY KEY, "
    "username varchar(254) NOT NULL UNIQUE, _password varchar(255) NOT NULL, "
    "mailbox_id integer NOT NULL REFERENCES admin_mailbox (id), "
    "provider_id integer NOT NULL REFERENCES modoboa_imap_migration_emailprovider (id))",
]


def test_takeover_keeps_the_providers_and_migrations(make_database):
    database = make_database().load_110_fixture()
    true = "true" if database.vendor == "postgresql" else "1"
    with database.cursor() as cursor:
        for statement in TABLES:
            cursor.execute(statement)
        cursor.execute(
            "INSERT INTO modoboa_imap_migration_emailprovider VALUES "
            "(1, 'Old ISP', 'imap.old.example', 993, %s)" % true
        )
        cursor.execute(
            "INSERT INTO modoboa_imap_migration_emailproviderdomain VALUES "
            "(1, 'old.example', NULL, 1)"
        )
        cursor.execute("SELECT min(id) FROM admin_mailbox")
        mailbox = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO modoboa_imap_migration_migration VALUES "
            "(1, 'user@old.example', 'gAAAAAfernet', %d, 1)" % mailbox
        )

    result = database.manage("modo", "takeover")

    assert result.returncode == 0, result.stderr
    providers = database.rows("modoboa_imap_migration_emailprovider")
    assert [(row["name"], row["port"], row["security"]) for row in map(dict, providers)] == [
        ("Old ISP", 993, "tls")
    ]
    (migration,) = map(dict, database.rows("modoboa_imap_migration_migration"))
    assert (migration["username"], migration["status"]) == ("user@old.example", "pending")
    assert database.rows("modoboa_imap_migration_migrationfolder") == []
