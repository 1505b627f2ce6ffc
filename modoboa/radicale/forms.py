"""Forms of the calendar pages and parameters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from modoboa.parameters import forms as param_forms


class ParametersForm(param_forms.AdminParametersForm):
    """1.10's parameters, stored under its application name."""

    app = "modoboa_radicale"

    server_sep = param_forms.SeparatorField(label=_("Server settings"))
    server_location = forms.URLField(
        label=_("Server URL"),
        required=False,
        assume_scheme="https",
        help_text=_("The URL of your Radicale server, used to build the calendars' URLs"),
    )
    rights_sep = param_forms.SeparatorField(label=_("Rights management"))
    rights_file_path = forms.CharField(
        label=_("Rights file's path"),
        initial="/etc/modoboa_radicale/rights",
        help_text=_("Path to the file that contains the rights definition"),
    )
    allow_calendars_administration = param_forms.YesNoField(
        label=_("Allow calendars administration"),
        initial=False,
        help_text=_("Administrators manage the calendars of the accounts they reach"),
    )


class CalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    mailbox = forms.CharField(
        label=_("Mailbox"),
        required=False,
        help_text=_("The address of the mailbox the calendar belongs to (yours by default)"),
    )


class SharedCalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    domain = forms.CharField(label=_("Domain"))


class ShareForm(forms.Form):
    mailbox = forms.CharField(label=_("Mailbox"), help_text=_("The address to share with"))
    read = forms.BooleanField(label=_("Read"), required=False, initial=True)
    write = forms.BooleanField(label=_("Write"), required=False)
