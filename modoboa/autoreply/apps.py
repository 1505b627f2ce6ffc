"""Django application configuration of the away messages."""

from django.apps import AppConfig


class AutoreplyConfig(AppConfig):
    name = "modoboa.autoreply"
    # 1.10's label: its tables are postfix_autoreply_*.
    label = "postfix_autoreply"
    verbose_name = "Modoboa away messages"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from modoboa.core.extensions import exts_pool

        exts_pool.load_extension(self.name)
