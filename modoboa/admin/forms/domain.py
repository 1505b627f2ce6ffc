"""Domain forms: the creation wizard and the General tab."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from modoboa.core.forms.fields import ListField
from modoboa.lib import validators

from ..models.domain import DKIM_KEY_LENGTHS, DOMAIN_TYPES


def _domain_name(value):
    try:
        validators.validate_domain_name(value)
    except ValidationError as exc:
        raise forms.ValidationError(exc.messages) from None


class DomainGeneralForm(forms.Form):
    """The general settings of a domain (wizard step 1 and edit tab)."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("The domain name"),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    type = forms.ChoiceField(label=_("Type"), choices=DOMAIN_TYPES, initial="domain")
    quota = forms.IntegerField(
        label=_("Quota"),
        min_value=0,
        max_value=2147483647,
        required=False,
        help_text=_("Quota in MB shared by mailboxes. A value of 0 means no quota."),
    )
    default_mailbox_quota = forms.IntegerField(
        label=_("Default mailbox quota"),
        min_value=0,
        max_value=2147483647,
        required=False,
        help_text=_("Default quota in MB applied to mailboxes. A value of 0 means no quota."),
    )
    aliases = ListField(
        label=_("Domain aliases"),
        item_validators=[_domain_name],
        max_items=100,
        help_text=_("Other names of this domain (domain aliases)"),
    )
    enabled = forms.BooleanField(
        label=_("Enabled"),
        required=False,
        initial=True,
        help_text=_("Check to activate this domain"),
    )
    enable_dns_checks = forms.BooleanField(
        label=_("Enable DNS checks"),
        required=False,
        initial=True,
        help_text=_("Check to enable DNS checks for this domain"),
    )
    enable_dkim = forms.BooleanField(
        label=_("Enable DKIM signing"),
        required=False,
        help_text=_("If you activate this feature, a DKIM key will be generated for this domain."),
    )
    dkim_key_selector = forms.CharField(
        label=_("Key selector"), max_length=30, initial="modoboa", required=False
    )
    dkim_key_length = forms.TypedChoiceField(
        label=_("Key length"),
        choices=[("", _("Default"))] + [(str(v), label) for v, label in DKIM_KEY_LENGTHS],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, domain=None, **kwargs):
        self.domain = domain
        super().__init__(*args, **kwargs)
        self.fields["aliases"].widget.attrs["data-add-label"] = _("Add a domain alias")
        for name in ("dkim_key_selector", "dkim_key_length"):
            self.fields[name].show_if = "enable_dkim=True"
        if domain is not None:
            self.initial.update(
                {
                    "name": domain.name,
                    "type": domain.type,
                    "quota": domain.quota,
                    "default_mailbox_quota": domain.default_mailbox_quota,
                    "aliases": list(domain.domainalias_set.values_list("name", flat=True)),
                    "enabled": domain.enabled,
                    "enable_dns_checks": domain.enable_dns_checks,
                    "enable_dkim": domain.enable_dkim,
                    "dkim_key_selector": domain.dkim_key_selector,
                    "dkim_key_length": domain.dkim_key_length,
                }
            )

    def clean_name(self):
        value = self.cleaned_data["name"].strip().lower()
        _domain_name(value)
        return value

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "name": data["name"],
            "type": data["type"],
            "quota": data.get("quota"),
            "default_mailbox_quota": data.get("default_mailbox_quota"),
            "enabled": data["enabled"],
            "enable_dns_checks": data["enable_dns_checks"],
            "enable_dkim": data["enable_dkim"],
            "dkim_key_selector": data.get("dkim_key_selector") or "modoboa",
            "dkim_key_length": data.get("dkim_key_length"),
        }


class DomainOptionsForm(forms.Form):
    """Wizard step 3: the domain administrator made with the domain."""

    create_dom_admin = forms.BooleanField(
        label=_("Create a domain administrator"),
        required=False,
        help_text=_("Automatically create an administrator for this domain"),
    )
    dom_admin_username = forms.CharField(
        label=_("Name"),
        max_length=64,
        initial="admin",
        required=False,
        help_text=_("The administrator's name. Don't include the domain's name (@domain.tld)."),
    )
    random_password = forms.BooleanField(
        label=_("Random password"),
        required=False,
        help_text=_("Generate a random password for the administrator."),
    )
    with_mailbox = forms.BooleanField(
        label=_("With a mailbox"),
        required=False,
        initial=True,
        help_text=_("Create a mailbox for the administrator."),
    )
    create_aliases = forms.BooleanField(
        label=_("Create aliases"),
        required=False,
        initial=True,
        help_text=_("Create the postmaster alias, pointing to the administrator's mailbox."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("dom_admin_username", "random_password", "with_mailbox", "create_aliases"):
            self.fields[name].show_if = "create_dom_admin=True"

    def clean_dom_admin_username(self):
        value = (self.cleaned_data.get("dom_admin_username") or "").strip().lower()
        if "@" in value:
            raise forms.ValidationError(_("Enter a local part only (without @)"))
        if value:
            try:
                validators.validate_local_part(value)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from None
        return value or "admin"

    def domain_admin(self):
        data = self.cleaned_data
        if not data.get("create_dom_admin"):
            return None
        return {
            "username": data["dom_admin_username"],
            "random_password": data["random_password"],
            "with_mailbox": data["with_mailbox"],
            "create_aliases": data["with_mailbox"] and data["create_aliases"],
        }


class DomainDeleteForm(forms.Form):
    keepdir = forms.BooleanField(
        label=_("Keep mailbox directories"),
        required=False,
        help_text=_("The mailboxes' files stay on disk."),
    )
