"""Parameters of the credentials documents (1.10's, plus the choice of a
one-time link instead of the password).
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from modoboa.parameters import forms as param_forms

DEFAULT_TITLE = gettext_noop("Personal account information")
SECURITY_CHOICES = (("none", _("None")), ("starttls", "STARTTLS"), ("ssl", "SSL/TLS"))


class ParametersForm(param_forms.AdminParametersForm):
    """Global parameters, stored under 1.10's application name."""

    app = "modoboa_pdfcredentials"

    docs_sep = param_forms.SeparatorField(label=_("Documents"))
    storage_dir = forms.CharField(
        label=_("Directory to store PDF files"),
        initial=getattr(
            settings, "MODOBOA_PDFCREDENTIALS_DIR", "/var/lib/modoboa/pdf_credentials"
        ),
        help_text=_(
            "The documents are stored there, encrypted (the directory must be writable by "
            "the user running Modoboa)"
        ),
    )
    delete_first_dl = param_forms.YesNoField(
        label=_("Delete documents after the first download"), initial=True
    )
    generate_at_creation = param_forms.YesNoField(
        label=_("Generate a document when an account is created"), initial=True
    )
    generate_on_password_change = param_forms.YesNoField(
        label=_("Generate a new document when an administrator changes a password"),
        initial=False,
    )
    include_password = param_forms.YesNoField(
        label=_("Print the password in the document"),
        initial=False,
        help_text=_(
            "Off (recommended): the document carries a link that lets the user choose its "
            "password, once; no password is ever written down."
        ),
    )

    content_sep = param_forms.SeparatorField(label=_("Content"))
    # Stored in English; printed in the language of the one who makes it.
    title = forms.CharField(label=_("Title of the document"), initial=DEFAULT_TITLE)
    webpanel_url = forms.URLField(
        assume_scheme="https",
        label=_("URL of the web panel"),
        required=False,
        help_text=_("Where users log in (default: the site's domain over https)"),
    )
    custom_message = forms.CharField(
        label=_("Custom message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A message printed at the end of the document"),
    )
    include_connection_settings = param_forms.YesNoField(
        label=_("Include mail client connection settings"), initial=False
    )
    smtp_server_address = forms.CharField(label=_("SMTP server address"), required=False)
    smtp_server_port = forms.IntegerField(
        label=_("SMTP server port"), initial=587, min_value=1, max_value=65535
    )
    smtp_connection_security = forms.ChoiceField(
        label=_("SMTP connection security"), choices=SECURITY_CHOICES, initial="starttls"
    )
    imap_server_address = forms.CharField(label=_("IMAP server address"), required=False)
    imap_server_port = forms.IntegerField(
        label=_("IMAP server port"), initial=143, min_value=1, max_value=65535
    )
    imap_connection_security = forms.ChoiceField(
        label=_("IMAP connection security"), choices=SECURITY_CHOICES, initial="starttls"
    )

    visibility_rules = {
        name: "include_connection_settings=True"
        for name in (
            "smtp_server_address",
            "smtp_server_port",
            "smtp_connection_security",
            "imap_server_address",
            "imap_server_port",
            "imap_connection_security",
        )
    }
