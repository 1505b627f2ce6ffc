"""Alias form (creation and edition)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from modoboa.core.forms.fields import ListField
from modoboa.lib import validators


def _recipient(value):
    try:
        validators.validate_recipient_address(value)
    except ValidationError as exc:
        raise forms.ValidationError(exc.messages) from None


class AliasForm(forms.Form):
    random_address = forms.BooleanField(
        label=_("Random address"),
        required=False,
        help_text=_("Generate a random address in the chosen domain"),
    )
    domain = forms.ChoiceField(label=_("Domain"), choices=(), required=False)
    address = forms.CharField(
        label=_("Address"),
        max_length=254,
        required=False,
        help_text=_(
            "The alias address. To create a catchall alias, just enter the domain name "
            "(@domain.tld)."
        ),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    recipients = ListField(
        label=_("Recipients"),
        required=True,
        item_validators=[_recipient],
        max_items=1000,
        help_text=_("Addresses this alias will point to"),
    )
    enabled = forms.BooleanField(
        label=_("Enabled"),
        required=False,
        initial=True,
        help_text=_("Check to activate this alias"),
    )
    expire_at = forms.DateTimeField(
        label=_("Expire at"),
        required=False,
        help_text=_("An expiration date for this alias"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"],
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, user, alias=None, **kwargs):
        super().__init__(*args, **kwargs)
        from ..models import Domain

        self.alias = alias
        self.fields["recipients"].widget.attrs["data-add-label"] = _("Add a recipient")
        # Required whenever shown (which one depends on "Random address").
        self.fields["address"].required_mark = True
        self.fields["domain"].required_mark = True
        if alias is not None:
            del self.fields["random_address"]
            del self.fields["domain"]
            self.initial.update(
                {
                    "address": alias.address,
                    "recipients": alias.recipients,
                    "enabled": alias.enabled,
                    "expire_at": alias.expire_at,
                    "description": alias.description,
                }
            )
        else:
            names = (
                Domain.objects.get_for_admin(user)
                .order_by("name")
                .values_list("name", flat=True)[:1000]
            )
            self.fields["domain"].choices = [(name, name) for name in names]
            self.fields["domain"].show_if = "random_address=True"
            self.fields["address"].show_if = "random_address=False"

    def clean_address(self):
        value = (self.cleaned_data.get("address") or "").strip().lower()
        if value:
            try:
                validators.validate_alias_address(value)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from None
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("random_address"):
            if not cleaned.get("domain"):
                self.add_error("domain", _("This field is required."))
        elif not cleaned.get("address") and "address" not in self.errors:
            self.add_error("address", _("This field is required."))
        return cleaned
