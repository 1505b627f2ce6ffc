"""Django application configuration of the contacts."""

from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "modoboa.contacts"
    # 1.10's label: its tables and migrations keep their names.
    label = "modoboa_contacts"
    verbose_name = "Modoboa contacts"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from datetime import timedelta

        from modoboa.core.extensions import exts_pool
        from modoboa.core.jobs import register_job

        register_job("sync_contacts", timedelta(minutes=15))

        exts_pool.load_extension(self.name)
        from modoboa.radicale import signals as radicale_signals

        from . import services

        # A renamed mailbox's address book moved on the server.
        radicale_signals.collections_moved.connect(
            services.collections_moved, dispatch_uid="contacts_collections_moved"
        )
