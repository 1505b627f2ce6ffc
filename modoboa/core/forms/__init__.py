"""Forms of the core pages: login, password reset, profile, API access."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from modoboa.core import constants, languages
from modoboa.core.models import User


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=254,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autofocus": True, "autocapitalize": "none"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    rememberme = forms.BooleanField(label=_("Remember me"), required=False, initial=False)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Send the reset link to the account's secondary email.

    The user types its main address; only active accounts with a
    secondary email can be reset this way, since the main mailbox is
    usually the one that cannot be read.
    """

    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def get_users(self, email):
        users = User.objects.filter(email__iexact=email, is_active=True).exclude(
            secondary_email__isnull=True
        )
        return (user for user in users.exclude(secondary_email="") if user.has_usable_password())

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        from modoboa.parameters import tools as param_tools

        sender = param_tools.get_global_parameter("sender_address", app="core")
        super().send_mail(
            subject_template_name,
            email_template_name,
            context,
            sender or from_email,
            context["user"].secondary_email,
            html_email_template_name=html_email_template_name,
        )


class SetPasswordForm(auth_forms.SetPasswordForm):
    """The last step of a password reset, stored with the configured scheme."""

    def save(self, commit=True):
        from modoboa.core import services as core_services

        core_services.set_password(self.user, self.cleaned_data["new_password1"], validate=False)
        if commit:
            self.user.save(update_fields=["password"])
        return self.user


class ProfileForm(forms.Form):
    """A user's own profile, with an optional password change."""

    first_name = forms.CharField(label=_("First name"), max_length=30, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=30, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=constants.LANGUAGES)
    phone_number = forms.CharField(label=_("Phone number"), max_length=128, required=False)
    secondary_email = forms.EmailField(
        label=_("Secondary email"),
        max_length=254,
        required=False,
        help_text=_("An alternative e-mail address, can be used for recovery needs."),
    )
    oldpassword = forms.CharField(
        label=_("Old password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    newpassword = forms.CharField(
        label=_("New password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
    )
    confirmation = forms.CharField(
        label=_("Confirmation"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    password_fields = ("oldpassword", "newpassword", "confirmation")

    def __init__(self, *args, user, allow_password_change=True, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = languages.offered_languages(user.language)
        self.allow_password_change = allow_password_change
        if not allow_password_change:
            for name in self.password_fields:
                del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        if not self.allow_password_change:
            return cleaned
        new = cleaned.get("newpassword")
        if not new and not cleaned.get("confirmation"):
            return cleaned
        if not cleaned.get("oldpassword"):
            self.add_error("oldpassword", _("This field is required."))
        if new != cleaned.get("confirmation"):
            self.add_error("confirmation", _("Passwords mismatch"))
        return cleaned

    @property
    def profile_fields(self):
        return [self[name] for name in self.fields if name not in self.password_fields]

    @property
    def password_bound_fields(self):
        return [self[name] for name in self.fields if name in self.password_fields]


class APIAccessForm(forms.Form):
    enable_api_access = forms.BooleanField(
        label=_("Enable API access"),
        required=False,
        help_text=_("Create a token to call the REST API with this account"),
    )


class ForwardForm(forms.Form):
    dest = forms.CharField(
        label=_("Recipient(s)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Addresses this alias will point to, separated by commas or new lines."),
    )
    keepcopies = forms.BooleanField(
        label=_("Keep local copies"),
        required=False,
        help_text=_("Forward messages and store copies into your local mailbox"),
    )

    def clean_dest(self):
        value = self.cleaned_data["dest"]
        return [item.strip() for item in value.replace("\n", ",").split(",") if item.strip()]
