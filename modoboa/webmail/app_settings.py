"""Parameters of the webmail (1.10's ``modoboa_webmail``): where the IMAP
and SMTP servers are (global), how each user reads and writes (per user).
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from modoboa.parameters import forms as param_forms

APP = "modoboa_webmail"

_SIZE = re.compile(r"^\s*(\d+)\s*([kmg]?)b?\s*$", re.IGNORECASE)
_UNITS = {"": 1024, "k": 1024, "m": 1024**2, "g": 1024**3}


def size_in_bytes(value):
    """``"2048"`` (KB), ``"512K"``, ``"10M"``, ``"1G"`` -> bytes; ValueError
    for anything else.
    """
    match = _SIZE.match(str(value))
    if not match:
        raise ValueError(value)
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def validate_size(value):
    try:
        size_in_bytes(value)
    except ValueError as exc:
        raise ValidationError(
            _("Enter a size in kilobytes, or with a unit: 512K, 10M, 1G.")
        ) from exc


def _folder_name(value):
    value = value.strip()
    if not value or any(ord(char) < 32 for char in value) or value.startswith("/"):
        raise ValidationError(_("Enter a folder name without control characters."))
    return value


class FolderNameField(forms.CharField):
    def clean(self, value):
        return _folder_name(super().clean(value))


class ParametersForm(param_forms.AdminParametersForm):
    """Where the panel reaches the mail servers for its users."""

    app = APP

    sep3 = param_forms.SeparatorField(label=_("General"))
    max_attachment_size = forms.CharField(
        label=_("Maximum attachment size"),
        initial="2048",
        validators=[validate_size],
        help_text=_(
            "Maximum size of the attachments of a message, in kilobytes, or with a unit (K, M, G)"
        ),
    )

    sep1 = param_forms.SeparatorField(label=_("IMAP settings"))
    imap_server = forms.CharField(
        label=_("Server address"),
        initial="127.0.0.1",
        help_text=_("Address of your IMAP server"),
    )
    imap_secured = param_forms.YesNoField(
        label=_("Use a secured connection"),
        initial=False,
        help_text=_("Use a secured connection to access IMAP server"),
    )
    imap_port = forms.IntegerField(
        label=_("Server port"),
        initial=143,
        min_value=1,
        max_value=65535,
        help_text=_("Listening port of your IMAP server"),
    )

    sep2 = param_forms.SeparatorField(label=_("SMTP settings"))
    smtp_server = forms.CharField(
        label=_("Server address"),
        initial="127.0.0.1",
        help_text=_("Address of your SMTP server"),
    )
    smtp_secured_mode = forms.ChoiceField(
        label=_("Secured connection mode"),
        choices=(("none", _("None")), ("starttls", "STARTTLS"), ("ssl", "SSL/TLS")),
        initial="none",
        help_text=_("Use a secured connection to access SMTP server"),
        widget=forms.RadioSelect,
    )
    smtp_port = forms.IntegerField(
        label=_("Server port"),
        initial=25,
        min_value=1,
        max_value=65535,
        help_text=_("Listening port of your SMTP server"),
    )
    smtp_authentication = param_forms.YesNoField(
        label=_("Authentication required"),
        initial=False,
        help_text=_("Server needs authentication"),
    )


class UserSettings(param_forms.UserParametersForm):
    """How a user reads and writes mail."""

    app = APP

    sep1 = param_forms.SeparatorField(label=_("Display"))
    displaymode = forms.ChoiceField(
        label=_("Default message display mode"),
        initial="plain",
        choices=(("html", "html"), ("plain", "text")),
        help_text=_("The default mode used when displaying a message"),
        widget=forms.RadioSelect,
    )
    enable_links = param_forms.YesNoField(
        label=_("Enable HTML links display"),
        initial=False,
        help_text=_("Enable/Disable HTML links display (and remote images)"),
    )
    messages_per_page = forms.IntegerField(
        label=_("Number of displayed emails per page"),
        initial=40,
        min_value=5,
        max_value=500,
        help_text=_("Sets the maximum number of messages displayed in a page"),
    )
    refresh_interval = forms.IntegerField(
        label=_("Listing refresh rate"),
        initial=300,
        min_value=20,
        max_value=86400,
        help_text=_("Automatic folder refresh rate (in seconds)"),
    )
    mboxes_col_width = forms.IntegerField(
        label=_("Folder container's width"),
        initial=200,
        min_value=100,
        max_value=800,
        help_text=_("The width of the folder list container"),
    )

    sep2 = param_forms.SeparatorField(label=_("Folders"))
    trash_folder = FolderNameField(
        label=_("Trash folder"),
        initial="Trash",
        max_length=200,
        help_text=_("Folder where deleted messages go"),
    )
    sent_folder = FolderNameField(
        label=_("Sent folder"),
        initial="Sent",
        max_length=200,
        help_text=_("Folder where copies of sent messages go"),
    )
    drafts_folder = FolderNameField(
        label=_("Drafts folder"),
        initial="Drafts",
        max_length=200,
        help_text=_("Folder where drafts go"),
    )
    junk_folder = FolderNameField(
        label=_("Junk folder"),
        initial="Junk",
        max_length=200,
        help_text=_("Folder where junk messages should go"),
    )

    sep3 = param_forms.SeparatorField(label=_("Composing messages"))
    editor = forms.ChoiceField(
        label=_("Default editor"),
        initial="plain",
        choices=(("html", "html"), ("plain", "text")),
        help_text=_("The default editor to use when composing a message"),
        widget=forms.RadioSelect,
    )
    signature = forms.CharField(
        label=_("Signature text"),
        initial="",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("User defined email signature"),
    )

    @classmethod
    def has_access(cls, user):
        return getattr(user, "mailbox_or_none", None) is not None


def global_value(name):
    from modoboa.parameters import tools

    return tools.get_global_parameter(name, app=APP)


def user_value(user, name):
    return user.parameters.get_value(name, app=APP)


def max_attachment_bytes():
    """The instance's attachment size limit, in bytes."""
    try:
        return size_in_bytes(global_value("max_attachment_size"))
    except ValueError:
        return size_in_bytes("2048")
