"""``manage.py modo takeover``: ``--check`` says what it found and what
changes, changing nothing; the move keeps 1.10's extension tables
untouched, and completes after an interruption at any step with the same
data as an uninterrupted run."""

import pytest

from .test_migrate_interrupted import kill_at

pytestmark = pytest.mark.engines("sqlite", "postgresql")

# 1.10's table of the postfix_autoreply extension (reference/extensions.md).
AUTOREPLY_TABLE = (
    "CREATE TABLE postfix_autoreply_armessage (id integer NOT NULL PRIMARY KEY, "
    "subject varchar(255) NOT NULL, content text NOT NULL, enabled boolean NOT NULL, "
    "fromdate timestamp NOT NULL, untildate timestamp NULL, mbox_id integer NOT NULL "
    "REFERENCES admin_mailbox (id))"
)

# Columns that hold the time of the run, or an id given during it.
VOLATILE = {"applied", "date_created", "last_modification", "created", "serialized_data", "id"}


def add_autoreply_table(database):
    with database.cursor() as cursor:
        cursor.execute(AUTOREPLY_TABLE)
        cursor.execute(
            "INSERT INTO postfix_autoreply_armessage VALUES "
            "(1, 'Away', 'Back on Monday', %s, '2026-12-01 00:00:00', NULL, 2)"
            % ("true" if database.vendor == "postgresql" else "1")
        )


def data(database):
    """Every row of every table, without the values that depend on when
    the run happened."""
    found = {}
    for table in database.tables():
        found[table] = sorted(
            (
                tuple((name, value) for name, value in row if name not in VOLATILE)
                for row in database.rows(table)
            ),
            key=repr,
        )
    return found


def test_check_reports_what_was_found_and_changes_nothing(make_database):
    database = make_database().load_110_fixture()
    add_autoreply_table(database)
    schema = database.schema()

    result = database.manage("modo", "takeover", "--check")

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Modoboa 1.10.7: 'manage.py migrate' (or 'modo takeover') takes it over" in out
    assert "mailboxes: 9" in out
    assert "domain aliases: 1" in out
    assert "API tokens: 3" in out
    assert (
        "postfix_autoreply_armessage (1 rows): kept untouched; extension 'postfix_autoreply'"
        in out
    )
    assert (
        "{MD5-CRYPT}: 1, verified as they are; rewritten as {SHA512-CRYPT} at the next "
        "successful login" in out
    )
    assert "Forwards without local copies: 1 (user2@example.com)" in out
    assert "--forwards as-configured" in out
    assert database.schema() == schema


def test_check_reads_the_old_settings_file(make_database, tmp_path):
    database = make_database().load_110_fixture()
    settings = tmp_path / "settings.py"
    settings.write_text("MODOBOA_APPS = ('modoboa_amavis',)\nMIDDLEWARE_CLASSES = ()\nFOO = 1\n")

    result = database.manage("modo", "takeover", "--check", "--settings-file", str(settings))

    assert result.returncode == 0, result.stderr
    assert "MIDDLEWARE_CLASSES -> MIDDLEWARE (Django 5.2)" in result.stdout
    assert "MODOBOA_APPS -> MODOBOA_APPS lists this package's applications" in result.stdout


def test_a_settings_file_that_is_not_python_is_refused(make_database, tmp_path):
    database = make_database().load_110_fixture()
    settings = tmp_path / "settings.py"
    settings.write_text("MODOBOA_APPS = (\n")

    result = database.manage("modo", "takeover", "--check", "--settings-file", str(settings))

    assert result.returncode != 0
    assert "--settings-file: line" in result.stderr
    assert "Traceback" not in result.stderr


def test_takeover_keeps_extension_tables_untouched(make_database):
    database = make_database().load_110_fixture()
    add_autoreply_table(database)
    before = [line for line in database.schema() if "postfix_autoreply_armessage" in line]
    rows = database.rows("postfix_autoreply_armessage")

    result = database.manage("modo", "takeover")

    assert result.returncode == 0, result.stderr
    assert "Takeover complete." in result.stdout
    # 1.10's table is kept as it was, rows and shape; the away messages'
    # application adds the tables 1.10 did not have.
    after = [line for line in database.schema() if "postfix_autoreply_armessage" in line]
    kept = "table postfix_autoreply_armessage "
    assert [line for line in after if line.startswith(kept)] == [
        line for line in before if line.startswith(kept)
    ]
    assert database.rows("postfix_autoreply_armessage") == rows


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    from django.db import connection

    from .databases import Database

    database = Database(connection.vendor, tmp_path_factory.mktemp("uninterrupted"))
    try:
        database.load_110_fixture()
        result = database.manage("modo", "takeover")
        assert result.returncode == 0, result.stderr
        yield data(database)
    finally:
        database.drop()


@pytest.mark.parametrize(
    "step", ["Step schema", "Aligning the schema", "Step forwards", "Step repair"]
)
def test_an_interrupted_takeover_gives_the_same_data_when_run_again(
    make_database, uninterrupted, step
):
    database = make_database().load_110_fixture()

    kill_at(database, step, "modo", "takeover")
    result = database.manage("modo", "takeover")

    assert result.returncode == 0, result.stderr
    assert "Takeover complete." in result.stdout
    assert data(database) == uninterrupted
