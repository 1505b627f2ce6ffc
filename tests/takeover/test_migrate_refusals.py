"""What ``manage.py migrate`` refuses to take over, changing nothing: a
database of a later Modoboa (1.11, 2.x), of an earlier one, Modoboa's tables
without their history, a PostfixAdmin database; and a 1.10 database asked
for a plan only."""

import pytest

pytestmark = pytest.mark.engines("sqlite", "postgresql")


def state(database):
    return database.schema(), database.query("SELECT app, name FROM django_migrations")


def assert_refused(database, message, *args):
    before = database.schema()
    result = database.manage("migrate", "--no-input", *args)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert database.schema() == before


def test_a_modoboa_2_database_is_refused(make_database):
    database = make_database().load_110_fixture()
    with database.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('core', '0023_alter_user_language', '2024-01-01 00:00:00')"
        )
    history = database.query("SELECT app, name FROM django_migrations")

    assert_refused(database, "This is a database of Modoboa 1.11 or later (2.x)")

    assert database.query("SELECT app, name FROM django_migrations") == history


@pytest.mark.engines("sqlite")
def test_a_database_older_than_110_is_refused(make_database):
    database = make_database().load_110_fixture()
    with database.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'admin' AND name LIKE '0013%'")

    assert_refused(database, "older than 1.10: admin (at 0012, 1.10 has 0013)")


@pytest.mark.engines("sqlite")
def test_modoboa_tables_without_their_history_are_refused(make_database):
    database = make_database().load_110_fixture()
    with database.cursor() as cursor:
        cursor.execute("DROP TABLE django_migrations")

    assert_refused(database, "no Modoboa migration history")


@pytest.mark.engines("sqlite")
def test_a_postfixadmin_database_is_refused(make_database):
    database = make_database()
    with database.cursor() as cursor:
        for table in ("domain", "mailbox", "alias", "admin", "domain_admins"):
            cursor.execute("CREATE TABLE %s (id integer)" % table)

    assert_refused(database, "This is a PostfixAdmin database")
    assert "migrate_from_postfixadmin" in database.manage("migrate").stderr


@pytest.mark.engines("sqlite")
def test_a_plan_of_a_110_database_changes_nothing(make_database):
    database = make_database().load_110_fixture()

    assert_refused(database, "run 'manage.py migrate' without --plan", "--plan")
