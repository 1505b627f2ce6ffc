"""Django application configuration of the transport application."""

from django.apps import AppConfig


class TransportConfig(AppConfig):
    name = "modoboa.transport"
    label = "transport"
    verbose_name = "Modoboa transports"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        import reversion

        from modoboa.core import signals as core_signals

        from . import postfix_maps
        from .models import Transport

        core_signals.register_postfix_maps.connect(postfix_maps.register_postfix_maps)

        if not reversion.is_registered(Transport):
            reversion.register(Transport)
