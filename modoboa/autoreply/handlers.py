"""Signal receivers: the user menu entry and the account form's tab."""

from django.urls import reverse
from django.utils.translation import gettext as _

from modoboa.admin import signals as admin_signals
from modoboa.core import signals as core_signals

from . import forms


def user_menu_entry(sender, location, user, **kwargs):
    if location not in ("uprefs_menu", "options_menu"):
        return []
    if getattr(user, "mailbox_or_none", None) is None:
        return []
    return [
        {
            "name": "autoreply",
            "label": _("Auto-reply message"),
            "url": reverse("postfix_autoreply:index"),
        }
    ]


def account_tab(sender, user, account, **kwargs):
    """The "Auto reply" tab, for accounts with a mailbox (the account form
    already checked that ``user`` reaches ``account``).
    """
    if account is None or account.mailbox_or_none is None:
        return []
    return [{"id": "autoreply", "title": _("Auto reply"), "cls": forms.AccountAutoreplyTab}]


def connect():
    core_signals.extra_user_menu_entries.connect(user_menu_entry, dispatch_uid="autoreply_menu")
    admin_signals.extra_account_forms.connect(account_tab, dispatch_uid="autoreply_tab")
