"""Django application configuration of the limits application."""

from django.apps import AppConfig


class LimitsConfig(AppConfig):
    name = "modoboa.limits"
    label = "limits"
    verbose_name = "Modoboa limits"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from modoboa.admin import signals as admin_signals

        from . import forms
        from .app_settings import load_limits_settings

        load_limits_settings()
        # The limit checks are receivers of can_create_object and
        # user_can_set_role, as upstream.
        from . import handlers

        handlers.connect()
        # The "Resources" tabs of the console's account and domain forms.
        admin_signals.extra_account_forms.connect(forms.extra_account_forms)
        admin_signals.extra_domain_forms.connect(forms.extra_domain_forms)
