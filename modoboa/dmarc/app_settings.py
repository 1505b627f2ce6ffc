"""Global parameters of the DMARC extension."""

from django.utils.translation import gettext_lazy as _

from modoboa.parameters import forms as param_forms


class ParametersForm(param_forms.AdminParametersForm):
    app = "dmarc"

    sep = param_forms.SeparatorField(label=_("DMARC reports"))
    enable_rlookups = param_forms.YesNoField(
        label=_("Enable reverse lookups"),
        initial=False,
        help_text=_(
            "Look up the names of the sources of a report (at most one second) "
            "to group them by organisation"
        ),
    )
