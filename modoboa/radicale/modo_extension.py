"""Declaration of the calendars extension."""

from django.urls import reverse
from django.utils.translation import gettext_lazy

from modoboa.core import signals as core_signals
from modoboa.core.extensions import ModoExtension, exts_pool
from modoboa.parameters import tools as param_tools

from . import forms


def menu_entries(sender, location, user, **kwargs):
    if location != "top_menu" or not (user.is_admin or user.mailbox_or_none is not None):
        return []
    return [
        {
            "name": "calendars",
            "label": gettext_lazy("Calendars"),
            "url": reverse("modoboa_radicale:calendar_list"),
            "icon": "calendar3",
        }
    ]


def dashboard_widgets(sender, user, **kwargs):
    """The moves and removals of collections Radicale failed, for the super
    administrators (they name addresses of every tenant), when there are.
    """
    from .models import PendingOperation

    if not user.is_superuser:
        return []
    operations = list(PendingOperation.objects.order_by("pk")[:20])
    if not operations:
        return []
    return [
        {
            "column": "right",
            "template": "radicale/dashboard/_pending.html",
            "context": {
                "operations": operations,
                "command": "manage.py generate_rights -v 1",
            },
        }
    ]


class Radicale(ModoExtension):
    """Calendars served by Radicale."""

    name = "modoboa_radicale"
    label = gettext_lazy("Radicale management")
    version = "1.10"
    description = gettext_lazy("Management frontend for Radicale, a simple calendar server")
    url = "calendars"

    def load(self):
        param_tools.registry.add("global", forms.ParametersForm, gettext_lazy("Calendars"))
        core_signals.extra_admin_menu_entries.connect(
            menu_entries, dispatch_uid="radicale_menu_entries"
        )
        core_signals.extra_admin_dashboard_widgets.connect(
            dashboard_widgets, dispatch_uid="radicale_dashboard_widgets"
        )


exts_pool.register_extension(Radicale)
