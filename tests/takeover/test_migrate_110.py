"""``manage.py migrate`` takes over a genuine Modoboa 1.10.7 database.

With no other step: the history is recognised, Django's and this project's
migrations follow on, and the schema is then the same as a fresh install's
(tables, columns, defaults, constraints, indexes, sequences, triggers,
views and functions) while every row of 1.10 is kept.
"""

import pytest

pytestmark = pytest.mark.engines("sqlite", "postgresql")

# Tables to which a fresh install's own rows are added (new content types
# and their permissions); the others must hold exactly 1.10's rows.
# (django_migrations is checked on its own.)
GROWING = {"django_content_type", "auth_permission"}
# Columns this project adds to 1.10's tables, with the value the kept rows
# must get.
ADDED_COLUMNS = {"admin_alias": {"disabled_with_account": False}}


def snapshot(database):
    return {
        table: database.rows(table) for table in database.tables() if table != "django_migrations"
    }


def assert_rows_kept(before, database):
    for table, rows in before.items():
        after = database.rows(table)
        added = ADDED_COLUMNS.get(table, {})
        if added:
            for row in after:
                values = dict(row)
                assert {name: bool(values[name]) for name in added} == added, table
            after = [tuple(pair for pair in row if pair[0] not in added) for row in after]
            after.sort(key=repr)
        if table in GROWING:
            missing = [row for row in rows if row not in after]
            assert not missing, "%s lost rows: %s" % (table, missing)
        else:
            assert after == rows, "%s changed" % table


def test_migrate_takes_over_a_110_database_with_the_schema_of_a_fresh_install(
    make_database,
    fresh_schema,
):
    database = make_database().load_110_fixture()
    before = snapshot(database)

    result = database.manage("migrate", "--no-input")

    assert result.returncode == 0, result.stderr
    assert "Taking over a Modoboa 1.10.7 database." in result.stdout
    assert "InconsistentMigrationHistory" not in result.stderr
    assert database.schema() == fresh_schema
    assert_rows_kept(before, database)
    # 1.10's history is kept as a record, under other application labels.
    kept = database.query(
        "SELECT name FROM django_migrations WHERE app = 'modoboa-1.10.core' ORDER BY name"
    )
    assert kept[-1] == ("0016_auto_20180713_1014",)


def test_migrate_again_changes_nothing(make_database):
    database = make_database().load_110_fixture()
    assert database.manage("migrate", "--no-input").returncode == 0
    schema, history = database.schema(), database.query("SELECT app, name FROM django_migrations")

    result = database.manage("migrate", "--no-input")

    assert result.returncode == 0, result.stderr
    assert "No migrations to apply." in result.stdout
    assert "Taking over" not in result.stdout
    assert database.schema() == schema
    assert database.query("SELECT app, name FROM django_migrations") == history


@pytest.mark.engines("sqlite")
def test_deploy_on_a_110_database_takes_it_over_and_keeps_the_passwords(
    make_database, fresh_schema, tmp_path
):
    import os
    import subprocess
    import sys

    from .databases import TOP

    database = make_database().load_110_fixture()
    passwords = database.query("SELECT username, password FROM core_user ORDER BY username")
    env = dict(os.environ, PYTHONPATH=TOP)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    result = subprocess.run(
        [sys.executable, os.path.join(TOP, "modoboa_admin.py"), "deploy", "instance",
         "--dburl", "default:sqlite:///%s" % database.path, "--domain", "mail.example.com"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "The existing Modoboa 1.10 database was taken over" in result.stdout
    assert "Every account of the database keeps its password." in result.stdout
    assert "Log in as admin with password" not in result.stdout
    assert (
        database.query("SELECT username, password FROM core_user ORDER BY username") == passwords
    )
    # deploy switches SQLite to WAL mode, which is not part of the schema.
    # The instance has no extension; the fresh install of the test settings
    # has them all.
    assert database.schema() == without_extension_tables(fresh_schema)


def without_extension_tables(schema):
    """``schema`` less the tables of the built-in extensions."""
    from django.apps import apps

    from modoboa.core import builtin_extensions

    modules = set(builtin_extensions.available().values())
    tables = {
        model._meta.db_table
        for config in apps.get_app_configs()
        if config.name in modules
        # (with the tables of many-to-many fields)
        for model in config.get_models(include_auto_created=True)
    }
    return [line for line in schema if line.split(" ON ", 1)[1].split(":", 1)[0] not in tables]
