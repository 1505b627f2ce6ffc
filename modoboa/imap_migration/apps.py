"""Django application configuration of the IMAP migration."""

from django.apps import AppConfig


class ImapMigrationConfig(AppConfig):
    name = "modoboa.imap_migration"
    # 1.10's label: its tables and migration history keep their names.
    label = "modoboa_imap_migration"
    verbose_name = "Modoboa IMAP migration"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from modoboa.core.extensions import exts_pool

        exts_pool.load_extension(self.name)

        from . import checks  # noqa: F401 - registers the system checks
