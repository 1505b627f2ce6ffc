"""Rewrite a 1.10 migration history so that this project's follows on.

1.10's rows name upstream's migrations (``core.0016_auto_20180713_1014``);
some share a name with ours (``core.0001_initial``) but not their content,
and ours depend on Django's ``auth.0012``, which 1.10 never applied. This
step applies Django's own migrations that ours need, renames 1.10's rows of
the core applications (kept as a record, under ``modoboa-1.10.<app>``),
records this project's initial migrations as applied (1.10's tables hold
their content) and leaves a marker: ``conform`` then brings each table to
the exact shape of a fresh install.
"""

from django.db import transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from . import detect

# Django's migrations that this project's initial migrations depend on.
PREREQUISITES = [
    ("contenttypes", "0002_remove_content_type_name"),
    ("auth", "0012_alter_user_first_name_max_length"),
    ("sites", "0002_alter_domain_unique"),
]

# This project's migrations whose content 1.10's tables already hold (the
# later ones, such as the DKIM view, run as on a fresh install).
EQUIVALENT = [
    ("transport", "0001_initial"),
    ("core", "0001_initial"),
    ("admin", "0001_initial"),
    ("admin", "0002_initial"),
    ("limits", "0001_initial"),
    ("relaydomains", "0001_initial"),
]


def reconcile(connection, log=lambda message: None):
    """Rewrite the history of the 1.10 database of ``connection``.

    Re-runnable: the prerequisites are skipped once applied, and the
    rewrite is one transaction.
    """
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(PREREQUISITES)
    if plan:
        log(
            "Applying Django's migrations 1.10 did not have: %s"
            % ", ".join(
                "%s.%s" % (migration.app_label, migration.name) for migration, _backwards in plan
            )
        )
        executor.migrate(PREREQUISITES, plan=plan)
    complete_extension_tables(connection, log)
    apps = sorted(detect.UPSTREAM_HEADS)
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            placeholders = ", ".join(["%s"] * len(apps))
            renamed = "CONCAT(%s, app)" if connection.vendor == "mysql" else "%s || app"
            cursor.execute(
                "UPDATE django_migrations SET app = %s WHERE app IN (%s)"  # noqa: S608 - constants
                % (renamed, placeholders),
                [detect.KEPT_PREFIX] + apps,
            )
            now = timezone.now()
            rows = [(app, name, now) for app, name in EQUIVALENT]
            rows.append((detect.MARKER_APP, detect.MARKER_NAME, now))
            cursor.executemany(
                "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, %s)", rows
            )
            # 1.10's documentation had postmasters create a ``dkim`` view
            # by hand: this project's migration creates its own.
            introspection = connection.introspection
            views = set(introspection.table_names(cursor, include_views=True))
            if "dkim" in views - set(introspection.table_names(cursor)):
                cursor.execute("DROP VIEW dkim")
            if connection.vendor == "postgresql":
                for trigger, function in quota_triggers(cursor):
                    log("Dropping 1.10's quota trigger %s (replaced by this release's)" % trigger)
                    cursor.execute('DROP TRIGGER "%s" ON admin_quota' % trigger)
                    cursor.execute('DROP FUNCTION IF EXISTS "%s"()' % function)
    log("Migration history of Modoboa 1.10 recorded under '%s<app>'." % detect.KEPT_PREFIX)


def complete_extension_tables(connection, log):
    """Installed extensions whose tables 1.10's extension left in the
    database: those tables and their rows are kept as they are, and the
    tables 1.10 did not have are created, so that ``migrate --fake-initial``
    (which the takeover runs) records the initial migration as applied.
    """
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import CreateModel

    from .conform import COVERED_APPS

    loader = MigrationLoader(connection, ignore_no_migrations=True)
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
    for (app_label, name), migration in sorted(loader.disk_migrations.items()):
        if app_label in COVERED_APPS or not getattr(migration, "initial", False):
            continue
        if (app_label, name) in loader.applied_migrations:
            continue
        models = {
            operation.name: operation.options.get("db_table")
            or "%s_%s" % (app_label, operation.name.lower())
            for operation in migration.operations
            if isinstance(operation, CreateModel) and operation.options.get("managed", True)
        }
        kept = [table for table in models.values() if table in existing]
        if not kept:
            continue
        log("Keeping 1.10's tables of %s: %s" % (app_label, ", ".join(kept)))
        state = loader.project_state((app_label, name), at_end=True)
        with connection.schema_editor() as editor:
            for model_name, table in models.items():
                if table not in existing:
                    editor.create_model(state.apps.get_model(app_label, model_name))


def quota_triggers(cursor):
    """Return ``(trigger, function)`` of the triggers on ``admin_quota``:
    1.10's documentation had PostgreSQL users install one by hand.
    """
    cursor.execute(
        "SELECT t.tgname, p.proname FROM pg_trigger t "
        "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE c.relname = 'admin_quota' AND NOT t.tgisinternal "
        "AND c.relnamespace = current_schema()::regnamespace"
    )
    return cursor.fetchall()
