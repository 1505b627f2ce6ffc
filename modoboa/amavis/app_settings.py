"""Parameters of the quarantine (stored under 1.10's name ``modoboa_amavis``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from modoboa.parameters import forms as param_forms
from modoboa.parameters import tools as param_tools

APP = "modoboa_amavis"


class ParametersForm(param_forms.AdminParametersForm):
    app = APP

    qsettings_sep = param_forms.SeparatorField(label=_("Quarantine settings"))
    max_messages_age = forms.IntegerField(
        label=_("Maximum message age"),
        initial=14,
        min_value=1,
        help_text=_("Quarantine messages older than this (in days) are removed by qcleanup"),
    )
    released_msgs_cleanup = param_forms.YesNoField(
        label=_("Remove released messages"),
        initial=False,
        help_text=_("qcleanup removes the messages released by every recipient"),
    )

    am_pdp_sep = param_forms.SeparatorField(label=_("Amavis connection (AM.PDP)"))
    am_pdp_mode = forms.ChoiceField(
        label=_("Mode used"),
        choices=[("unix", _("Unix socket")), ("inet", _("TCP/IP"))],
        initial="unix",
        widget=forms.RadioSelect,
    )
    am_pdp_host = forms.CharField(label=_("Host"), initial="localhost")
    am_pdp_port = forms.IntegerField(label=_("Port"), initial=9998, min_value=1, max_value=65535)
    am_pdp_socket = forms.CharField(label=_("Socket"), initial="/var/lib/amavis/amavisd.sock")

    release_sep = param_forms.SeparatorField(label=_("Release and self-service"))
    user_can_release = param_forms.YesNoField(
        label=_("Allow direct release"),
        initial=False,
        help_text=_("Simple users release their messages themselves instead of asking"),
    )
    self_service = param_forms.YesNoField(
        label=_("Enable self-service mode"),
        initial=False,
        help_text=_("Anyone with a message's identifier and secret may view or release it"),
    )
    notifications_sender = forms.EmailField(
        label=_("Notifications sender"), initial="notification@modoboa.org"
    )
    recipient_delimiter = forms.CharField(
        label=_("Recipient delimiter"),
        initial="+",
        required=False,
        max_length=1,
        help_text=_("Address extension separator (user+ext@domain), empty for none"),
    )

    learning_sep = param_forms.SeparatorField(label=_("Manual learning"))
    manual_learning = param_forms.YesNoField(label=_("Enable manual learning"), initial=True)
    sa_is_local = param_forms.YesNoField(
        label=_("Is SpamAssassin local?"),
        initial=True,
        help_text=_("Learn with sa-learn on this host, or with spamc against spamd"),
    )
    default_user = forms.CharField(
        label=_("Default user"),
        initial="amavis",
        help_text=_("The user whose Bayes database learns from the global level"),
    )
    spamd_address = forms.CharField(label=_("Spamd address"), initial="127.0.0.1")
    spamd_port = forms.IntegerField(
        label=_("Spamd port"), initial=783, min_value=1, max_value=65535
    )
    domain_level_learning = param_forms.YesNoField(
        label=_("Enable learning at domain level"), initial=False
    )
    user_level_learning = param_forms.YesNoField(
        label=_("Enable learning at user level"), initial=False
    )

    visibility_rules = {
        "am_pdp_host": "am_pdp_mode=inet",
        "am_pdp_port": "am_pdp_mode=inet",
        "am_pdp_socket": "am_pdp_mode=unix",
        "sa_is_local": "manual_learning=True",
        "default_user": "manual_learning=True",
        "spamd_address": "sa_is_local=False",
        "spamd_port": "sa_is_local=False",
        "domain_level_learning": "manual_learning=True",
        "user_level_learning": "manual_learning=True",
    }


class UserSettings(param_forms.UserParametersForm):
    app = APP

    display_sep = param_forms.SeparatorField(label=_("Quarantine"))
    messages_per_page = forms.IntegerField(
        label=_("Number of displayed emails per page"),
        initial=40,
        min_value=1,
        max_value=500,
    )
    digest = forms.ChoiceField(
        label=_("Quarantine digest"),
        choices=[("never", _("Never")), ("daily", _("Daily")), ("weekly", _("Weekly"))],
        initial="never",
        help_text=_("A mail listing the new messages of your quarantine"),
    )


def get(name):
    """A global parameter of the quarantine."""
    return param_tools.get_global_parameter(name, app=APP)


def register():
    param_tools.registry.add("global", ParametersForm, _("Amavis"))
    param_tools.registry.add("user", UserSettings, _("Quarantine"))
