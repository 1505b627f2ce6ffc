"""Django application configuration of the credentials documents."""

from django.apps import AppConfig


class PdfCredentialsConfig(AppConfig):
    name = "modoboa.pdfcredentials"
    label = "pdfcredentials"
    verbose_name = "Modoboa credentials documents"

    def ready(self):
        from modoboa.core import signals as core_signals
        from modoboa.core.extensions import exts_pool

        # Parameters registered for every process, commands included.
        exts_pool.load_extension(self.name)

        from . import (
            checks,  # noqa: F401 - registers the system checks
            handlers,
        )

        core_signals.account_password_updated.connect(
            handlers.password_updated, dispatch_uid="pdfcredentials_password_updated"
        )
        core_signals.account_deleted.connect(
            handlers.account_deleted, dispatch_uid="pdfcredentials_account_deleted"
        )
        from modoboa.admin import signals as admin_signals

        admin_signals.extra_account_dashboard_widgets.connect(
            handlers.account_widget, dispatch_uid="pdfcredentials_account_widget"
        )
