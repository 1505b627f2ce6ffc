"""Django application configuration of the transport application."""

from django.apps import AppConfig


class TransportConfig(AppConfig):
    name = "modoboa.transport"
    label = "transport"
    verbose_name = "Modoboa transports"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        import reversion

        from .models import Transport

        if not reversion.is_registered(Transport):
            reversion.register(Transport)
