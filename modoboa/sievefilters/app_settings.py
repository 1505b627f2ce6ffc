"""Parameters of the message filters (1.10's ``modoboa_sievefilters``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from modoboa.parameters import forms as param_forms

APP = "modoboa_sievefilters"


class ParametersForm(param_forms.AdminParametersForm):
    """Where the ManageSieve and IMAP servers are."""

    app = APP

    sep1 = param_forms.SeparatorField(label=_("ManageSieve settings"))
    server = forms.CharField(
        label=_("Server address"),
        initial="127.0.0.1",
        help_text=_("Address of your MANAGESIEVE server"),
    )
    port = forms.IntegerField(
        label=_("Server port"),
        initial=4190,
        min_value=1,
        max_value=65535,
        help_text=_("Listening port of your MANAGESIEVE server"),
    )
    starttls = param_forms.YesNoField(
        label=_("Connect using STARTTLS"),
        initial=False,
        help_text=_("Use the STARTTLS extension"),
    )
    sep2 = param_forms.SeparatorField(label=_("IMAP settings"))
    imap_server = forms.CharField(
        label=_("Server address"),
        initial="127.0.0.1",
        help_text=_("Address of your IMAP server"),
    )
    imap_secured = param_forms.YesNoField(
        label=_("Use a secured connection"),
        initial=False,
        help_text=_("Use a secured connection to access IMAP server"),
    )
    imap_port = forms.IntegerField(
        label=_("Server port"),
        initial=143,
        min_value=1,
        max_value=65535,
        help_text=_("Listening port of your IMAP server"),
    )


class UserSettings(param_forms.UserParametersForm):
    """How the filters page opens."""

    app = APP

    sep1 = param_forms.SeparatorField(label=_("Message filters"))
    editor_mode = forms.ChoiceField(
        label=_("Editor mode"),
        initial="gui",
        choices=(("raw", _("raw")), ("gui", _("simple"))),
        help_text=_("Select the mode you want the editor to work in"),
        widget=forms.RadioSelect,
    )
