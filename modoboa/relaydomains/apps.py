"""Django application configuration of the relay domains application."""

from django.apps import AppConfig


class RelaydomainsConfig(AppConfig):
    name = "modoboa.relaydomains"
    label = "relaydomains"
    verbose_name = "Modoboa relay domains"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from modoboa.transport.backends import manager

        from .backends import RelayTransportBackend

        manager.register_backend(RelayTransportBackend)

        from modoboa.core import signals as core_signals

        from . import postfix_maps

        core_signals.register_postfix_maps.connect(postfix_maps.register_postfix_maps)

        from modoboa.admin import signals as admin_signals

        from . import forms

        # The "Transport settings" tab of the console's domain form.
        admin_signals.extra_domain_forms.connect(forms.extra_domain_forms)
