"""Django application configuration of the quarantine."""

from django.apps import AppConfig


class AmavisConfig(AppConfig):
    name = "modoboa.amavis"
    label = "amavis"
    verbose_name = "Modoboa quarantine (Amavis)"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from datetime import timedelta

        from modoboa.core.jobs import register_job

        register_job("qcleanup", timedelta(days=1))
        register_job("qindex", timedelta(minutes=15))
        register_job("amnotify", timedelta(days=1))
        from . import app_settings, checks, handlers  # noqa: F401 - checks and receivers

        # Commands and services read the parameters without the URLs loaded.
        app_settings.register()
        handlers.connect()
