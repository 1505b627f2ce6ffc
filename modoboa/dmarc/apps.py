"""Django application configuration of the DMARC extension."""

from django.apps import AppConfig


class DmarcConfig(AppConfig):
    name = "modoboa.dmarc"
    label = "dmarc"
    verbose_name = "DMARC aggregate reports"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from . import handlers

        handlers.connect()
