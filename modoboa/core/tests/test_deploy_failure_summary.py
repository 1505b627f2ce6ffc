"""``deploy`` tells why a step failed in one line, even when the database
driver spreads its message over several lines."""

from modoboa.core.commands.deploy import _failure_summary

PSYCOPG_TRACEBACK = """\
Traceback (most recent call last):
  File "/srv/modoboa/env/lib/python3.11/site-packages/django/db/backends/utils.py",
    return self.cursor.execute(sql, params)
psycopg2.errors.InsufficientPrivilege: permission denied for schema public
LINE 1: CREATE TABLE "django_migrations" ("id" bigint NOT NULL PRIMA...
                     ^


The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/srv/modoboa/instance/manage.py", line 22, in <module>
    main()
django.db.migrations.exceptions.MigrationSchemaMissing: Unable to create the \
django_migrations table (permission denied for schema public
LINE 1: CREATE TABLE "django_migrations" ("id" bigint NOT NULL PRIMA...
                     ^
)
"""


def test_the_last_exception_with_its_whole_message():
    summary = _failure_summary(PSYCOPG_TRACEBACK)
    assert summary.startswith(
        "django.db.migrations.exceptions.MigrationSchemaMissing: Unable to create the "
        "django_migrations table (permission denied for schema public"
    )
    assert summary.endswith(")")
    assert "\n" not in summary


def test_plain_output_gives_its_last_line():
    assert _failure_summary("working\nno such table: core_user\n") == "no such table: core_user"
    assert _failure_summary("") == ""
