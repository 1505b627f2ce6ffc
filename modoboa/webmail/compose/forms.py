"""The compose form (page and API share its validation)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .. import app_settings
from . import message as compose_message
from .senders import allowed_senders

MODES = (("plain", _("Text")), ("html", _("HTML")))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploaded files in one field."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class AddressListField(forms.CharField):
    """``Name <addr>, addr, ...``: cleaned to a list of Address objects."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 10000)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"autocomplete": "off", "data-recipients": "1"})
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return compose_message.parse_addresses("to", value)
        except compose_message.ComposeError as exc:
            raise ValidationError(exc.message) from exc


class ComposeForm(forms.Form):
    sender = forms.ChoiceField(label=_("From"))
    to = AddressListField(label=_("To"))
    cc = AddressListField(label=_("Cc"))
    bcc = AddressListField(label=_("Bcc"))
    subject = forms.CharField(label=_("Subject"), required=False, max_length=900)
    mode = forms.ChoiceField(label=_("Format"), choices=MODES, initial="plain", required=False)
    body = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=2_000_000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14}),
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    keep = forms.TypedMultipleChoiceField(
        label=_("Keep these attachments"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    draft_uid = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, user, *args, kept=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["sender"].choices = [(address, address) for address in allowed_senders(user)]
        self.fields["keep"].choices = [
            (index, "%s (%s KB)" % (name, (size + 1023) // 1024)) for index, name, size in kept
        ]
        self.max_size = app_settings.max_attachment_bytes()
        self.fields["attachments"].help_text = _("At most %(size)s KB in all.") % {
            "size": self.max_size // 1024
        }

    def clean_mode(self):
        return self.cleaned_data.get("mode") or "plain"

    def clean_subject(self):
        value = self.cleaned_data.get("subject") or ""
        try:
            return compose_message.check_header_value("subject", value)
        except compose_message.ComposeError as exc:
            raise ValidationError(exc.message) from exc

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        total = sum(upload.size for upload in files)
        if total > self.max_size:
            raise ValidationError(
                _("The attachments weigh %(size)s KB; the limit is %(limit)s KB.")
                % {"size": (total + 1023) // 1024, "limit": self.max_size // 1024}
            )
        return [
            compose_message.Attachment(
                filename=compose_message.safe_filename(upload.name),
                content_type=upload.content_type or "application/octet-stream",
                data=upload.read(),
            )
            for upload in files
        ]

    def require_recipient(self):
        """Sending needs a recipient (a draft does not)."""
        data = self.cleaned_data
        if not (data.get("to") or data.get("cc") or data.get("bcc")):
            self.add_error("to", _("Give at least one recipient."))
            return False
        return True

    def apply_error(self, exc):
        """Show a service's ComposeError on its field."""
        name = exc.field if exc.field in self.fields else None
        if exc.field == "in_reply_to":
            name = None
        self.add_error(name, exc.message)
