"""Django application configuration of the statistics application."""

from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "modoboa.stats"
    label = "stats"
    verbose_name = "Modoboa statistics"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from datetime import timedelta

        from modoboa.core.jobs import register_job

        register_job("logparser", timedelta(minutes=5))
        register_job("update_statistics", timedelta(hours=1))
        from . import app_settings, handlers

        # The parameters are needed by the commands too, which do not load
        # the URLs (where the extensions are loaded).
        app_settings.load_settings()
        handlers.connect()
