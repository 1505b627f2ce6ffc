"""Signal receivers: the "Webmail" entry of the menus, for users having a
mailbox.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from modoboa.core import signals


def menu_entries(sender, location, user, **kwargs):
    if location != "top_menu" or getattr(user, "mailbox_or_none", None) is None:
        return []
    return [
        {
            "name": "webmail",
            "label": _("Webmail"),
            "url": reverse("webmail:index"),
            "icon": "envelope",
        }
    ]


def connect():
    signals.extra_admin_menu_entries.connect(menu_entries, dispatch_uid="webmail_menu")
