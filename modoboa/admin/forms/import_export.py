"""Import and export forms (CSV)."""

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_IMPORT_SIZE = 50 * 1024 * 1024


class ImportForm(forms.Form):
    sourcefile = forms.FileField(label=_("Select a file"))
    sepchar = forms.CharField(
        label=_("Separator"),
        max_length=1,
        initial=";",
        strip=False,
        widget=forms.TextInput(attrs={"size": 2, "class": "w-auto"}),
    )
    continue_if_exists = forms.BooleanField(
        label=_("Continue on error"),
        required=False,
        help_text=_("Don't treat duplicated objects as errors"),
    )

    def clean_sourcefile(self):
        upload = self.cleaned_data["sourcefile"]
        if upload.size > MAX_IMPORT_SIZE:
            raise forms.ValidationError(_("This file is too large."))
        return upload

    def clean_sepchar(self):
        value = self.cleaned_data["sepchar"]
        if not value or value in '\r\n"':
            raise forms.ValidationError(_("Choose another separator."))
        return value


class ImportIdentitiesForm(ImportForm):
    crypt_password = forms.BooleanField(
        label=_("Crypt passwords"),
        required=False,
        help_text=_("Check this option if passwords contained in your file are not crypted"),
    )


class ExportForm(forms.Form):
    filename = forms.CharField(label=_("File name"), max_length=100)
    sepchar = forms.CharField(
        label=_("Separator"),
        max_length=1,
        initial=";",
        strip=False,
        widget=forms.TextInput(attrs={"size": 2, "class": "w-auto"}),
    )

    def __init__(self, *args, default_filename, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["filename"].initial = default_filename

    def clean_filename(self):
        value = self.cleaned_data["filename"].strip()
        value = "".join(c for c in value if c.isalnum() or c in "-_.") or "export.csv"
        if not value.lower().endswith(".csv"):
            value += ".csv"
        return value

    def clean_sepchar(self):
        value = self.cleaned_data["sepchar"]
        if not value or value in '\r\n"':
            raise forms.ValidationError(_("Choose another separator."))
        return value
