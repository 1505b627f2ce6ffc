"""The statistics' entries in the console: top menu and dashboard widget."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from modoboa.core import signals as core_signals

from . import services


def _url(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def menu_entries(sender, location, user, **kwargs):
    """The Statistics entry for administrators, Message log for everyone."""
    if location != "top_menu":
        return []
    entries = []
    if services.can_see_statistics(user):
        entries.append(
            {
                "name": "stats",
                "label": _("Statistics"),
                "url": _url("stats:index"),
                "icon": "graph-up",
            }
        )
    entries.append(
        {
            "name": "maillog",
            "label": _("Message log"),
            "url": _url("stats:maillog"),
            "icon": "envelope-paper",
        }
    )
    return entries


def dashboard_widgets(sender, user, **kwargs):
    """Today's totals on the administrators' dashboard."""
    if not services.can_see_statistics(user):
        return []
    return [
        {
            "column": "right",
            "template": "stats/_dashboard_widget.html",
            "context": {"totals": services.today_totals(user)},
        }
    ]


def connect():
    core_signals.extra_admin_menu_entries.connect(menu_entries, dispatch_uid="stats_menu")
    core_signals.extra_admin_dashboard_widgets.connect(
        dashboard_widgets, dispatch_uid="stats_dashboard"
    )
