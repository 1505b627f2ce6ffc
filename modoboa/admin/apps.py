"""Django application configuration of the admin application."""

from django.apps import AppConfig


class AdminConfig(AppConfig):
    name = "modoboa.admin"
    label = "admin"
    verbose_name = "Modoboa administration"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        import reversion

        from modoboa.core import signals as core_signals

        from . import postfix_maps
        from .access import register_admin_filters
        from .app_settings import load_admin_settings
        from .models import Alias, Domain, DomainAlias, Mailbox, SenderAddress

        load_admin_settings()
        core_signals.register_postfix_maps.connect(postfix_maps.register_postfix_maps)
        register_admin_filters()
        from modoboa.core import signals as core_signals

        from .autocreate import create_domain_and_mailbox

        core_signals.account_auto_created.connect(
            create_domain_and_mailbox, dispatch_uid="admin_create_domain_and_mailbox"
        )
        from .handlers import keep_password_for_mailbox_access

        core_signals.user_login.connect(
            keep_password_for_mailbox_access, dispatch_uid="admin_keep_session_password"
        )
        from .dashboard import dashboard_widgets

        core_signals.extra_admin_dashboard_widgets.connect(
            dashboard_widgets, dispatch_uid="admin_dashboard_widgets"
        )
        for model in (Domain, DomainAlias, Mailbox, SenderAddress, Alias):
            if not reversion.is_registered(model):
                reversion.register(model)
