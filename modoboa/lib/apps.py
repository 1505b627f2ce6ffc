"""Django application configuration."""

from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "modoboa.lib"
    label = "lib"
    default_auto_field = "django.db.models.AutoField"
