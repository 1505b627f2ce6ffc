"""Declaration of the IMAP migration extension."""

from django.urls import reverse
from django.utils.translation import gettext_lazy

from modoboa.core import signals as core_signals
from modoboa.core.extensions import ModoExtension, exts_pool
from modoboa.parameters import tools as param_tools

from . import forms


def menu_entries(sender, location, user, **kwargs):
    if location != "top_menu" or not user.is_admin:
        return []
    return [
        {
            "name": "imap_migration",
            "label": gettext_lazy("Migrations"),
            "url": reverse("modoboa_imap_migration:migration_list"),
            "icon": "box-arrow-in-down",
        }
    ]


class ImapMigration(ModoExtension):
    """Mailboxes moved from an old IMAP server."""

    name = "modoboa_imap_migration"
    label = gettext_lazy("IMAP migration")
    version = "1.10"
    description = gettext_lazy("Migrate existing mailboxes using IMAP")
    url = "imap_migration"

    def load(self):
        param_tools.registry.add("global", forms.ParametersForm, gettext_lazy("IMAP migration"))
        core_signals.extra_admin_menu_entries.connect(
            menu_entries, dispatch_uid="imap_migration_menu_entries"
        )


exts_pool.register_extension(ImapMigration)
