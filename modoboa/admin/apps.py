"""Django application configuration of the admin application."""

from django.apps import AppConfig


class AdminConfig(AppConfig):
    name = "modoboa.admin"
    label = "admin"
    verbose_name = "Modoboa administration"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        import reversion

        from .access import register_admin_filters
        from .app_settings import load_admin_settings
        from .models import Alias, Domain, DomainAlias, Mailbox, SenderAddress

        load_admin_settings()
        register_admin_filters()
        for model in (Domain, DomainAlias, Mailbox, SenderAddress, Alias):
            if not reversion.is_registered(model):
                reversion.register(model)
