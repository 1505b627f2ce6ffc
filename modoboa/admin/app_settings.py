"""Global parameters of the admin application ("Administration" tab)."""

import ipaddress
import os
import shutil

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from modoboa.parameters import forms as param_forms
from modoboa.parameters import tools as param_tools


def find_dovecot():
    """Return the path of a Dovecot 2 binary, or None."""
    found = shutil.which("dovecot")
    candidates = [found] if found else []
    candidates += list(getattr(settings, "DOVECOT_LOOKUP_PATH", []))
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def parse_networks(value):
    """Parse whitespace or comma separated IP addresses and networks."""
    networks = []
    for item in (value or "").replace(",", " ").split():
        networks.append(ipaddress.ip_network(item, strict=False))
    return networks


class AdminParametersForm(param_forms.AdminParametersForm):
    """Domains and mailboxes parameters."""

    app = "admin"

    dom_sep = param_forms.SeparatorField(label=_("Domains"))

    enable_mx_checks = param_forms.YesNoField(
        label=_("Enable MX checks"),
        initial=True,
        help_text=_("Check that every domain has a valid MX record"),
    )
    valid_mxs = forms.CharField(
        label=_("Valid MXs"),
        initial="",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "A list of IP or network address every MX record should match. "
            "A warning will be sent if a record does not respect it."
        ),
    )
    domains_must_have_authorized_mx = param_forms.YesNoField(
        label=_("New domains must use authorized MX(s)"),
        initial=False,
        help_text=_(
            "Prevent the creation of a new domain if its MX record does not use "
            "one of the defined addresses."
        ),
    )
    enable_dnsbl_checks = param_forms.YesNoField(
        label=_("Enable DNSBL checks"),
        initial=True,
        help_text=_("Check every domain against major DNSBL providers"),
    )
    dkim_keys_storage_dir = forms.CharField(
        label=_("DKIM keys storage directory"),
        initial="",
        required=False,
        help_text=_(
            "Absolute path of a directory where DKIM private keys will be stored. "
            "Make sure this directory belongs to the user running the "
            "manage_dkim_keys command and that it is readable by OpenDKIM."
        ),
    )
    dkim_default_key_length = forms.TypedChoiceField(
        label=_("Default DKIM key length"),
        initial=2048,
        coerce=int,
        choices=[(1024, "1024"), (2048, "2048"), (4096, "4096")],
        help_text=_("Default length in bits for newly generated DKIM keys."),
    )

    mbsep = param_forms.SeparatorField(label=_("Mailboxes"))

    handle_mailboxes = param_forms.YesNoField(
        label=_("Handle mailboxes on filesystem"),
        initial=False,
        help_text=_(
            "Rename or remove mailboxes on the filesystem when they get renamed "
            "or removed within Modoboa"
        ),
    )
    mailboxes_owner = forms.CharField(
        label=_("Mailboxes owner"),
        initial="vmail",
        help_text=_("The UNIX account who owns mailboxes on the filesystem"),
    )
    mailboxes_storage_dir = forms.CharField(
        label=_("Mailboxes storage directory"),
        initial="",
        required=False,
        help_text=_(
            "Absolute path of the directory holding every mail home (the "
            "<mailboxes storage directory> of Dovecot's user_query). Mail homes "
            "are only renamed or removed inside it."
        ),
    )
    default_domain_quota = forms.IntegerField(
        label=_("Default domain quota"),
        initial=0,
        min_value=0,
        help_text=_(
            "Default quota (in MB) applied to freshly created domains with no "
            "value specified. A value of 0 means no quota."
        ),
    )
    default_mailbox_quota = forms.IntegerField(
        label=_("Default mailbox quota"),
        initial=0,
        min_value=0,
        help_text=_(
            "Default mailbox quota (in MB) applied to freshly created domains with "
            "no value specified. A value of 0 means no quota."
        ),
    )
    auto_account_removal = param_forms.YesNoField(
        label=_("Automatic account removal"),
        initial=False,
        help_text=_("When a domain is removed, also remove the accounts of its mailboxes"),
    )
    auto_create_domain_and_mailbox = param_forms.YesNoField(
        label=_("Automatic domain/mailbox creation"),
        initial=True,
        help_text=_(
            "Create a domain and a mailbox when an account is automatically created "
            "(LDAP or SMTP authentication)."
        ),
    )
    create_alias_on_mbox_rename = param_forms.YesNoField(
        label=_("Create an alias when a mailbox is renamed"),
        initial=False,
        help_text=_("Create an alias using the old address when a mailbox is renamed."),
    )

    visibility_rules = {
        "mailboxes_owner": "handle_mailboxes=True",
        "mailboxes_storage_dir": "handle_mailboxes=True",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if find_dovecot() is None:
            # Without Dovecot there is no mail home to rename or remove.
            for name in ("handle_mailboxes", "mailboxes_owner", "mailboxes_storage_dir"):
                self.fields[name].widget = forms.HiddenInput()

    def clean_valid_mxs(self):
        value = self.cleaned_data["valid_mxs"].strip()
        try:
            parse_networks(value)
        except ValueError as exc:
            raise forms.ValidationError(
                _("This field only allows valid IP addresses (or networks): %s") % exc
            ) from None
        return value

    def clean_dkim_keys_storage_dir(self):
        value = self.cleaned_data["dkim_keys_storage_dir"].strip()
        if not value:
            return value
        if not os.path.isabs(value):
            raise forms.ValidationError(_("The path must be absolute"))
        if not os.path.isdir(value):
            raise forms.ValidationError(_("Directory not found."))
        return os.path.normpath(value)

    def clean_mailboxes_storage_dir(self):
        value = self.cleaned_data["mailboxes_storage_dir"].strip()
        if not value:
            return value
        if not os.path.isabs(value):
            raise forms.ValidationError(_("The path must be absolute"))
        value = os.path.normpath(value)
        if value == os.sep:
            raise forms.ValidationError(_("Mail homes cannot be handled in /"))
        if not os.path.isdir(value):
            raise forms.ValidationError(_("Directory not found."))
        return value

    def clean_mailboxes_owner(self):
        value = self.cleaned_data["mailboxes_owner"].strip()
        if not value or not all(c.isalnum() or c in "._-" for c in value):
            raise forms.ValidationError(_("Invalid UNIX account name"))
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("handle_mailboxes") and not cleaned.get("mailboxes_storage_dir"):
            self.add_error(
                "mailboxes_storage_dir",
                _("Required to handle mailboxes on the filesystem"),
            )
        if cleaned.get("domains_must_have_authorized_mx") and not cleaned.get("valid_mxs"):
            self.add_error("valid_mxs", _("Define at least one authorized network / address"))
        return cleaned


def load_admin_settings():
    """Register the admin parameter forms."""
    param_tools.registry.add("global", AdminParametersForm, _("Administration"))
