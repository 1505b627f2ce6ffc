"""Django application configuration of the limits application."""

from django.apps import AppConfig


class LimitsConfig(AppConfig):
    name = "modoboa.limits"
    label = "limits"
    verbose_name = "Modoboa limits"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from .app_settings import load_limits_settings

        load_limits_settings()
