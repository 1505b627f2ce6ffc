"""Account forms: the creation wizard (General, Mail) and the tabs of the
edit form (General, Profile, Mail, Permissions).
"""

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from modoboa.core import constants as core_constants
from modoboa.core import languages
from modoboa.core import services as core_services
from modoboa.core.forms.fields import ListField
from modoboa.lib import validators


def _email(value):
    try:
        validators.validate_email_address(value)
    except ValidationError as exc:
        raise forms.ValidationError(exc.messages) from None


def _alias_address(value):
    try:
        validators.validate_alias_address(value)
    except ValidationError as exc:
        raise forms.ValidationError(exc.messages) from None


def _sender_address(value):
    try:
        validators.validate_sender_address(value)
    except ValidationError as exc:
        raise forms.ValidationError(exc.messages) from None


def _domain_name(value):
    try:
        validators.validate_domain_name(value)
    except ValidationError as exc:
        raise forms.ValidationError(exc.messages) from None


class AccountGeneralForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=(), help_text=_("What this account can do"))
    username = forms.CharField(
        label=_("Username"),
        max_length=254,
        help_text=_("An email address for simple users"),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=30, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=30, required=False)
    random_password = forms.BooleanField(
        label=_("Random password"),
        required=False,
        help_text=_("Generate a random password (shown once the account is saved)."),
    )
    password1 = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
    )
    password2 = forms.CharField(
        label=_("Confirmation"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Enter the same password as above, for verification."),
    )
    master_user = forms.BooleanField(
        label=_("Allow mailboxes access"),
        required=False,
        help_text=_("Allow this administrator to access user mailboxes"),
    )
    is_active = forms.BooleanField(
        label=_("Enabled"),
        required=False,
        initial=True,
        help_text=_("Designates whether this user can log in."),
    )

    def __init__(self, *args, user, account=None, **kwargs):
        self.user = user
        self.account = account
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = core_services.get_account_roles(user, account)
        if account is None:
            rule = "%s=False" % self.add_prefix("random_password")
            self.fields["password1"].show_if = rule
            self.fields["password2"].show_if = rule
        if not user.is_superuser:
            del self.fields["master_user"]
        else:
            self.fields["master_user"].show_if = "%s=SuperAdmins" % self.add_prefix("role")
        self.hide_role = account is not None and (
            user.role == core_constants.DOMAINADMINS or account.pk == user.pk
        )
        if user.role == core_constants.DOMAINADMINS and account is None:
            self.hide_role = True
        if self.hide_role:
            del self.fields["role"]
            if "master_user" in self.fields:
                self.fields["master_user"].show_if = None
        if account is not None:
            del self.fields["random_password"]
            self.fields["password1"].help_text = _("Leave empty to keep the current password.")
            self.initial.update(
                {
                    "role": account.role,
                    "username": account.username,
                    "first_name": account.first_name,
                    "last_name": account.last_name,
                    "master_user": account.master_user,
                    "is_active": account.is_active,
                }
            )
            if account.pk == user.pk:
                self.fields["is_active"].disabled = True
            mailbox = account.mailbox_or_none
            if mailbox is not None and not mailbox.domain.enabled:
                self.fields["is_active"].disabled = True
                self.fields["is_active"].help_text = _("The domain of this account is disabled")
            if not account.is_local:
                from modoboa.parameters import tools as param_tools

                method = param_tools.get_global_parameter("ldap_auth_method", app="core")
                if method == "directbind":
                    del self.fields["password1"]
                    del self.fields["password2"]
        else:
            self.initial.setdefault("role", core_constants.SIMPLEUSERS)

    @property
    def role_value(self):
        if "role" in self.fields:
            return self.cleaned_data.get("role")
        if self.account is not None:
            return self.account.role
        return core_constants.SIMPLEUSERS

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        if "password1" not in self.fields:
            return cleaned
        if cleaned.get("random_password"):
            return cleaned
        password = cleaned.get("password1")
        if self.account is None and not password:
            self.add_error("password1", _("This field is required."))
        elif password and password != cleaned.get("password2"):
            self.add_error("password2", _("Passwords mismatch"))
        return cleaned


class AccountProfileForm(forms.Form):
    secondary_email = forms.EmailField(
        label=_("Secondary email"),
        max_length=254,
        required=False,
        help_text=_("An alternative e-mail address, can be used for recovery needs."),
    )
    phone_number = forms.CharField(label=_("Phone number"), max_length=128, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=core_constants.LANGUAGES)

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = languages.offered_languages(account.language)
        self.initial.update(
            {
                "secondary_email": account.secondary_email or "",
                "phone_number": account.phone_number or "",
                "language": account.language,
            }
        )


class AccountMailForm(forms.Form):
    email = forms.CharField(
        label=_("E-mail"),
        max_length=254,
        required=False,
        help_text=_("The mailbox address (equal to the username for simple users)"),
        widget=forms.EmailInput(attrs={"autocapitalize": "none"}),
    )
    create_alias_with_old_address = forms.BooleanField(
        label=_("Create an alias using the old address"),
        required=False,
        help_text=_("Keep receiving the mail sent to the previous address"),
    )
    quota_act = forms.BooleanField(
        label=_("Use domain default value"), required=False, initial=True
    )
    quota = forms.IntegerField(
        label=_("Quota"),
        min_value=0,
        max_value=2147483647,
        required=False,
        help_text=_("Quota in MB for this mailbox. A value of 0 means no quota."),
    )
    aliases = ListField(
        label=_("Alias(es)"),
        item_validators=[_alias_address],
        max_items=500,
        help_text=_("Other addresses delivered to this mailbox"),
    )
    senderaddress = ListField(
        label=_("Sender addresses"),
        item_validators=[_sender_address],
        max_items=500,
        help_text=_(
            "Extra addresses this mailbox may send mail as; @domain.tld for any address "
            "of that domain"
        ),
    )

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quota"].show_if = "%s=False" % self.add_prefix("quota_act")
        self.fields["aliases"].widget.attrs["data-add-label"] = _("Add an alias")
        self.fields["senderaddress"].widget.attrs["data-add-label"] = _("Add a sender address")
        mailbox = account.mailbox_or_none if account is not None else None
        if mailbox is None:
            del self.fields["create_alias_with_old_address"]
            return
        from modoboa.parameters import tools as param_tools

        self.fields["create_alias_with_old_address"].initial = param_tools.get_global_parameter(
            "create_alias_on_mbox_rename", app="admin"
        )
        self.initial.update(
            {
                "email": mailbox.full_address,
                "quota": mailbox.quota,
                "quota_act": mailbox.use_domain_quota,
                "aliases": mailbox.alias_addresses,
                "senderaddress": list(mailbox.senderaddress_set.values_list("address", flat=True)),
            }
        )

    def clean_email(self):
        value = (self.cleaned_data.get("email") or "").strip().lower()
        if value:
            _email(value)
        return value

    def mailbox_kwargs(self):
        data = self.cleaned_data
        return {
            "quota": None if data["quota_act"] else data.get("quota"),
            "use_domain_quota": data["quota_act"],
        }


class AccountPermissionsForm(forms.Form):
    domains = ListField(
        label=_("Administered domains"),
        item_validators=[_domain_name],
        max_items=10000,
        help_text=_("The domains this administrator manages"),
    )

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.contenttypes.models import ContentType

        from modoboa.core.models import ObjectAccess

        from ..models import Domain

        self.fields["domains"].widget.attrs["data-add-label"] = _("Add a domain")
        ids = ObjectAccess.objects.filter(
            user=account, content_type=ContentType.objects.get_for_model(Domain), is_owner=False
        ).values("object_id")
        self.initial["domains"] = list(
            Domain.objects.filter(pk__in=ids).order_by("name").values_list("name", flat=True)
        )


class DeleteForm(forms.Form):
    keepdir = forms.BooleanField(
        label=_("Keep mailbox directories"),
        required=False,
        help_text=_("The mailboxes' files stay on disk."),
    )
