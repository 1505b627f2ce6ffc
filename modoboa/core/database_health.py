"""The state of the panel's database as the dashboard shows it: which
server it is, and whether every migration of the installed code is
applied (an upgrade without ``manage.py migrate`` breaks pages one by one).
"""

from dataclasses import dataclass

from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor


@dataclass
class DatabaseHealth:
    vendor: str
    version: str
    pending: list  # "app.migration" not applied yet

    @property
    def state(self):
        return "pending" if self.pending else "ok"

    @property
    def command(self):
        return "python manage.py migrate" if self.pending else None


def check(alias="default"):
    """Return the :class:`DatabaseHealth` of database ``alias``."""
    connection = connections[alias]
    try:
        version = ".".join(str(part) for part in connection.get_database_version())
    except (DatabaseError, AttributeError, TypeError):
        version = ""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    pending = ["%s.%s" % (migration.app_label, migration.name) for migration, _back in plan]
    return DatabaseHealth(vendor=connection.display_name, version=version, pending=pending)
