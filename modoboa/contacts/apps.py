"""Django application configuration of the contacts."""

from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "modoboa.contacts"
    # 1.10's label: its tables and migrations keep their names.
    label = "modoboa_contacts"
    verbose_name = "Modoboa contacts"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from modoboa.core.extensions import exts_pool

        exts_pool.load_extension(self.name)
