"""Signal receivers: the "Message filters" entry of the user menus."""

from django.urls import reverse
from django.utils.translation import gettext as _

from modoboa.core import signals


def user_menu_entry(sender, location, user, **kwargs):
    if location not in ("uprefs_menu", "options_menu"):
        return []
    if getattr(user, "mailbox_or_none", None) is None:
        return []
    return [
        {
            "name": "sievefilters",
            "label": _("Message filters"),
            "url": reverse("sievefilters:index"),
        }
    ]


def connect():
    signals.extra_user_menu_entries.connect(user_menu_entry, dispatch_uid="sievefilters_menu")
