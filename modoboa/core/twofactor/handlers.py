"""Signal receivers: the "Two-factor authentication" entry of the user
area menu.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from modoboa.core import signals


def user_menu_entry(sender, location, user, **kwargs):
    if location != "uprefs_menu":
        return []
    return [
        {
            "name": "twofactor",
            "label": _("Two-factor authentication"),
            "url": reverse("twofactor:setup"),
        }
    ]


def connect():
    signals.extra_user_menu_entries.connect(user_menu_entry, dispatch_uid="twofactor_user_menu")
