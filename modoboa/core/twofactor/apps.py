"""Django application configuration of the two-factor login."""

from django.apps import AppConfig


class TwoFactorConfig(AppConfig):
    name = "modoboa.core.twofactor"
    label = "twofactor"
    verbose_name = "Modoboa two-factor authentication"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from . import handlers

        handlers.connect()
