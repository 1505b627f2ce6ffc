"""Parameters of the away messages (1.10's ``modoboa_postfix_autoreply``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from modoboa.parameters import forms as param_forms

APP = "modoboa_postfix_autoreply"
# Stored values: plain strings (a parameter's default is saved as JSON).
DEFAULT_SUBJECT = "I'm off"
DEFAULT_CONTENT = (
    "I'm currently off. I'll answer as soon as I come back.\n\nBest regards,\n%(name)s\n"
)
PLACEHOLDERS = {"name": "", "fromdate": "", "untildate": ""}


class ParametersForm(param_forms.AdminParametersForm):
    app = APP

    general_sep = param_forms.SeparatorField(label=_("General"))
    mode = forms.ChoiceField(
        label=_("Delivery of away messages"),
        initial="sieve",
        choices=(
            ("sieve", _("Sieve vacation rule (Dovecot)")),
            ("pipe", _("Postfix pipe transport (1.10)")),
        ),
        help_text=_(
            "Sieve: a vacation rule in the user's active filter set (needs ManageSieve and "
            "the message filters' server settings). Postfix pipe: 1.10's autoreply "
            "transport calling 'manage.py autoreply'."
        ),
    )
    autoreplies_timeout = forms.IntegerField(
        label=_("Automatic reply timeout"),
        initial=86400,
        min_value=1,
        help_text=_(
            "Timeout in seconds between two auto-replies to the same recipient "
            "(rounded up to whole days for Sieve)"
        ),
    )
    default_subject = forms.CharField(
        label=_("Default subject"),
        initial=DEFAULT_SUBJECT,
        help_text=_("Default subject used when an auto-reply message is created automatically"),
    )
    default_content = forms.CharField(
        label=_("Default content"),
        initial=DEFAULT_CONTENT,
        widget=forms.Textarea,
        help_text=_(
            "Default content used when an auto-reply message is created automatically. "
            "The '%(name)s' macro will be replaced by the user's full name."
        ),
    )

    def clean_default_content(self):
        content = self.cleaned_data["default_content"]
        try:
            content % PLACEHOLDERS
        except (KeyError, ValueError, TypeError) as exc:
            raise forms.ValidationError(
                _("Invalid syntax: use %(name)s, %(fromdate)s and %(untildate)s only.")
            ) from exc
        return content
