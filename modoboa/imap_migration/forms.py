"""Forms of the IMAP migration pages and parameters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from modoboa.parameters import forms as param_forms

from .models import SECURITY_CHOICES

APP = "modoboa_imap_migration"


class ParametersForm(param_forms.AdminParametersForm):
    """1.10's parameters that still apply (the server moved to providers)."""

    app = APP

    server_sep = param_forms.SeparatorField(label=_("New server"))
    new_server_address = forms.CharField(
        label=_("IMAP server address"),
        initial="127.0.0.1",
        help_text=_("Where this platform's Dovecot accepts the panel's master login"),
    )
    new_server_port = forms.IntegerField(
        label=_("IMAP server port"), initial=143, min_value=1, max_value=65535
    )
    sync_sep = param_forms.SeparatorField(label=_("Synchronization"))
    max_sync_accounts = forms.IntegerField(
        label=_("Concurrent synchronizations"),
        initial=1,
        min_value=1,
        max_value=32,
        help_text=_("How many accounts are copied at the same time"),
    )
    create_folders = param_forms.YesNoField(
        label=_("Create folders"),
        initial=True,
        help_text=_("Create on the new server the folders that exist on the old one"),
    )
    folder_filter_include = forms.CharField(
        label=_("Folders to include"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One folder name or pattern (* and ?) per line; empty: every folder. "
            "A job's own list replaces this one"
        ),
    )
    folder_filter_exclude = forms.CharField(
        label=_("Folders to exclude"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One folder name or pattern (* and ?) per line"),
    )


class ProviderForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    address = forms.CharField(
        label=_("Address"),
        max_length=255,
        help_text=_("Host name or IP address of the old server"),
    )
    port = forms.IntegerField(label=_("Port"), min_value=1, max_value=65535, initial=143)
    security = forms.ChoiceField(label=_("Security"), choices=SECURITY_CHOICES, initial="none")
    verify_certificate = forms.BooleanField(
        label=_("Verify the certificate"), required=False, initial=True
    )
    domains = forms.CharField(
        label=_("Domains"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One domain served by this server per line, optionally followed by the local "
            "domain its accounts move to (old.example new.example)"
        ),
    )


class MigrationsForm(forms.Form):
    accounts = forms.CharField(
        label=_("Accounts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off"}),
        help_text=_(
            "One account per line: old address, old password[, local address] "
            "(CSV, comma or semicolon separated)"
        ),
    )
    csv_file = forms.FileField(label=_("or a CSV file"), required=False)
    include_folders = forms.CharField(
        label=_("Folders to include"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One folder name or pattern (* and ?) per line; empty: the parameters'"),
    )
    exclude_folders = forms.CharField(
        label=_("Folders to exclude"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One folder name or pattern (* and ?) per line; empty: the parameters'"),
    )


class RestartForm(forms.Form):
    password = forms.CharField(
        label=_("Old password"), widget=forms.PasswordInput(render_value=False), max_length=128
    )
