"""Parameters of the statistics application (1.10's ``modoboa_stats``)."""

import os

from django import forms
from django.utils.translation import gettext_lazy as _

from modoboa.parameters import forms as param_forms
from modoboa.parameters import tools as param_tools

APP = "modoboa_stats"


class ParametersForm(param_forms.AdminParametersForm):
    """Where the mail log is and how long the message log is kept."""

    app = APP

    general_sep = param_forms.SeparatorField(label=_("Statistics"))

    logfile = forms.CharField(
        label=_("Path to the log file"),
        initial="/var/log/mail.log",
        max_length=255,
        help_text=_("Path to the log file Postfix writes (read by logparser)"),
    )
    message_log_retention = forms.IntegerField(
        label=_("Message log retention"),
        initial=30,
        min_value=1,
        max_value=3650,
        help_text=_("Number of days the message log keeps a delivery"),
    )
    greylist = param_forms.YesNoField(
        label=_("Show greylisted messages"),
        initial=False,
        help_text=_("Show the messages refused by greylisting on the traffic graph"),
    )

    def clean_logfile(self):
        value = self.cleaned_data["logfile"].strip()
        if not os.path.isabs(value):
            raise forms.ValidationError(_("Give an absolute path"))
        return value


def load_settings():
    param_tools.registry.add("global", ParametersForm, _("Statistics"))


def parameter(name):
    return param_tools.get_global_parameter(name, app=APP)
