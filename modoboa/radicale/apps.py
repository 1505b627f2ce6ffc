"""Django application configuration of the calendars."""

from django.apps import AppConfig


class RadicaleConfig(AppConfig):
    name = "modoboa.radicale"
    # 1.10's label: its tables and migrations keep their names.
    label = "modoboa_radicale"
    verbose_name = "Modoboa calendars"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from modoboa.core.extensions import exts_pool

        exts_pool.load_extension(self.name)
        from django.db.models.signals import post_delete

        from . import services
        from .models import AccessRule, UserCalendar

        # Cascades (a mailbox or a domain deleted) change the rights too.
        for model in (AccessRule, UserCalendar):
            post_delete.connect(
                services.rights_changed,
                sender=model,
                dispatch_uid="radicale_rights_%s" % model.__name__,
            )
        from modoboa.admin.models import Domain, Mailbox

        # What the server keeps under an address or a domain goes with it.
        post_delete.connect(
            services.mailbox_deleted, sender=Mailbox, dispatch_uid="radicale_mailbox_deleted"
        )
        post_delete.connect(
            services.domain_deleted, sender=Domain, dispatch_uid="radicale_domain_deleted"
        )
        from django.core.signals import request_finished, request_started

        # One time budget per web request for the operations run after commit.
        request_started.connect(services.request_started, dispatch_uid="radicale_request_start")
        request_finished.connect(services.request_finished, dispatch_uid="radicale_request_end")
        from modoboa.admin import signals as admin_signals

        admin_signals.mailbox_renamed.connect(
            services.mailbox_renamed, dispatch_uid="radicale_mailbox_renamed"
        )
        admin_signals.domain_renamed.connect(
            services.domain_renamed, dispatch_uid="radicale_domain_renamed"
        )
        admin_signals.check_new_mailbox_address.connect(
            services.refuse_pending_address, dispatch_uid="radicale_pending_address"
        )
        admin_signals.refused_mailbox_addresses.connect(
            services.pending_addresses, dispatch_uid="radicale_pending_addresses"
        )
        admin_signals.check_new_domain_name.connect(
            services.refuse_pending_domain, dispatch_uid="radicale_pending_domain"
        )
