"""Django application configuration."""

from django.apps import AppConfig


class ParametersConfig(AppConfig):
    name = "modoboa.parameters"
    label = "parameters"
    default_auto_field = "django.db.models.AutoField"
