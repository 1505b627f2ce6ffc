"""Global parameters of the limits application ("Limits" tab)."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from modoboa.parameters import forms as param_forms
from modoboa.parameters import tools as param_tools

from .constants import DOMAIN_LIMIT_DEFINITIONS, USER_LIMIT_DEFINITIONS


def _limit_field(label, help_text):
    return forms.IntegerField(label=label, initial=0, min_value=-1, help_text=help_text)


class ParametersForm(param_forms.AdminParametersForm):
    """Default limits given to new administrators and new domains."""

    app = "limits"

    dlimits_sep = param_forms.SeparatorField(label=_("Per-admin limits"))

    enable_admin_limits = param_forms.YesNoField(
        label=_("Enable per-admin limits"),
        initial=True,
        help_text=_("Enable or disable per-admin limits"),
    )

    dplimits_sep = param_forms.SeparatorField(label=_("Per-domain limits"))

    enable_domain_limits = param_forms.YesNoField(
        label=_("Enable per-domain limits"),
        initial=False,
        help_text=_("Enable or disable per-domain limits"),
    )


# Default-value fields are generated from the limit definitions so that a new
# limit needs only one declaration.
_user_fields = {}
for _name, _definition in USER_LIMIT_DEFINITIONS.items():
    _user_fields["deflt_user_%s_limit" % _name] = _limit_field(
        _definition["label"],
        format_lazy(_("Default value for the {} limit"), _definition["label"]),
    )
_domain_fields = {}
for _name, _definition in DOMAIN_LIMIT_DEFINITIONS.items():
    _domain_fields["deflt_domain_%s_limit" % _name] = _limit_field(
        _definition["label"],
        format_lazy(_("Default value for the {} limit"), _definition["label"]),
    )


def _insert_after(fields, anchor, extra):
    result = {}
    for key, value in fields.items():
        result[key] = value
        if key == anchor:
            result.update(extra)
    return result


ParametersForm.base_fields = _insert_after(
    _insert_after(ParametersForm.base_fields, "enable_admin_limits", _user_fields),
    "enable_domain_limits",
    _domain_fields,
)
ParametersForm.visibility_rules = dict(
    {name: "enable_admin_limits=True" for name in _user_fields},
    **{name: "enable_domain_limits=True" for name in _domain_fields},
)


def load_limits_settings():
    """Register the limits parameter forms."""
    param_tools.registry.add("global", ParametersForm, _("Limits"))
