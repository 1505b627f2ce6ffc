"""Global parameters of the core application ("General" tab)."""

import re
import secrets
import string

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.db import DatabaseError
from django.utils.translation import gettext_lazy as _

from modoboa.parameters import forms as param_forms
from modoboa.parameters import tools as param_tools

from . import password_hashers


def random_secret_key():
    """Return a random 16-character key (changed until saved once)."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(16))


def top_redirection_choices():
    from .extensions import exts_pool

    choices = [("user", _("User profile"))]
    for extension in exts_pool.list_all():
        if extension.get("topredirection_url"):
            choices.append((extension["name"], extension["label"]))
    return choices


class GeneralParametersForm(param_forms.AdminParametersForm):
    """Authentication, LDAP, dashboard, notifications and miscellaneous."""

    app = "core"

    sep1 = param_forms.SeparatorField(label=_("Authentication"))

    authentication_type = forms.ChoiceField(
        label=_("Authentication type"),
        choices=[("local", _("Local")), ("ldap", "LDAP")],
        initial="local",
        help_text=_("The backend used for authentication"),
        widget=forms.RadioSelect,
    )
    password_scheme = forms.ChoiceField(
        label=_("Default password scheme"),
        choices=password_hashers.SCHEME_CHOICES,
        initial=password_hashers.DEFAULT_SCHEME,
        help_text=_("Scheme used to crypt mailbox passwords"),
    )
    rounds_number = forms.IntegerField(
        label=_("Rounds"),
        initial=password_hashers.DEFAULT_ROUNDS,
        min_value=1000,
        max_value=999999999,
        help_text=_(
            "Number of rounds to use (only used by sha256crypt and sha512crypt). "
            "Must be between 1000 and 999999999, inclusive."
        ),
    )
    update_scheme = param_forms.YesNoField(
        label=_("Update password scheme at login"),
        initial=True,
        help_text=_(
            "Rewrite a user's password hash with the current scheme and rounds "
            "at their next successful login"
        ),
    )
    secret_key = forms.CharField(
        label=_("Secret key"),
        initial=random_secret_key,
        help_text=_("Key used to encrypt/decrypt passwords"),
    )
    default_password = forms.CharField(
        label=_("Default password"),
        initial="",
        required=False,
        help_text=_(
            "Password given to automatically created accounts (domain wizard). "
            "Leave empty to give each a random password."
        ),
    )
    random_password_length = forms.IntegerField(
        label=_("Random password length"),
        min_value=8,
        initial=8,
        help_text=_("Length of randomly generated passwords."),
    )

    sep_security = param_forms.SeparatorField(label=_("Login security"))

    login_throttling = param_forms.YesNoField(
        label=_("Slow down password guessing"),
        initial=True,
        help_text=_(
            "Make repeated failed logins (console, API token, password reset) "
            "wait, then refuse them for a while"
        ),
    )
    login_delay_after = forms.IntegerField(
        label=_("Failures before slowing an account down"),
        initial=3,
        min_value=1,
        help_text=_(
            "After this many failed logins for one account, each new attempt "
            "must wait (1 s, then 2 s, 4 s...)"
        ),
    )
    login_lock_after = forms.IntegerField(
        label=_("Failures before locking an account"),
        initial=10,
        min_value=1,
        help_text=_("After this many failed logins, attempts are refused for the lock duration"),
    )
    address_delay_after = forms.IntegerField(
        label=_("Failures before slowing an address down"),
        initial=10,
        min_value=1,
        help_text=_("The same rule for all the failed logins coming from one client address"),
    )
    address_lock_after = forms.IntegerField(
        label=_("Failures before locking an address"),
        initial=50,
        min_value=1,
        help_text=_("After this many failed logins from one address, it is refused for a while"),
    )
    login_lock_duration = forms.IntegerField(
        label=_("Lock duration (minutes)"),
        initial=15,
        min_value=1,
        max_value=7 * 24 * 60,
        help_text=_(
            "How long a locked account or address is refused; failures older "
            "than this are forgotten"
        ),
    )
    twofactor_required = forms.ChoiceField(
        label=_("Require two-factor authentication"),
        choices=[
            ("nobody", _("Nobody (optional for everyone)")),
            ("superadmins", _("Super administrators")),
            ("admins", _("All administrators")),
            ("everyone", _("Everyone")),
        ],
        initial="nobody",
        help_text=_(
            "Accounts of these roles must set up a TOTP application before they "
            "can use the console"
        ),
    )

    sep2 = param_forms.SeparatorField(label=_("LDAP settings"))

    ldap_server_address = forms.CharField(
        label=_("Server address"),
        initial="localhost",
        help_text=_("The IP address or the DNS name of the LDAP server"),
    )
    ldap_server_port = forms.IntegerField(
        label=_("Server port"),
        initial=389,
        min_value=1,
        max_value=65535,
        help_text=_("The TCP port number used by the LDAP server"),
    )
    ldap_secured = forms.ChoiceField(
        label=_("Use a secured connection"),
        choices=[("none", _("No")), ("starttls", "STARTTLS"), ("ssl", "SSL/TLS")],
        initial="none",
        help_text=_("Use an SSL/STARTTLS connection to access the LDAP server"),
    )
    ldap_auth_method = forms.ChoiceField(
        label=_("Authentication method"),
        choices=[("searchbind", _("Search and bind")), ("directbind", _("Direct bind"))],
        initial="searchbind",
        help_text=_("Choose the authentication method to use"),
    )
    ldap_bind_dn = forms.CharField(
        label=_("Bind DN"),
        initial="",
        required=False,
        help_text=_(
            "The distinguished name to use when binding to the LDAP server. "
            "Leave empty for an anonymous bind"
        ),
    )
    ldap_bind_password = forms.CharField(
        label=_("Bind password"),
        initial="",
        required=False,
        help_text=_("The password to use when binding to the LDAP server (with 'Bind DN')"),
        widget=forms.PasswordInput(render_value=True),
    )
    ldap_search_base = forms.CharField(
        label=_("Users search base"),
        initial="",
        required=False,
        help_text=_("The distinguished name of the search base used to find users"),
    )
    ldap_search_filter = forms.CharField(
        label=_("Search filter"),
        initial="(mail=%(user)s)",
        required=False,
        help_text=_(
            "An optional filter string (e.g. '(objectClass=person)'). "
            "In order to be valid, it must be enclosed in parentheses."
        ),
    )
    ldap_user_dn_template = forms.CharField(
        label=_("User DN template"),
        initial="",
        required=False,
        help_text=_(
            "The template used to construct a user's DN. It should contain one "
            "placeholder (ie. %(user)s)"
        ),
    )
    ldap_password_attribute = forms.CharField(
        label=_("Password attribute"),
        initial="userPassword",
        help_text=_("The attribute used to store user passwords"),
    )
    ldap_email_attribute = forms.CharField(
        label=_("Email address attribute"),
        initial="mail",
        max_length=100,
        help_text=_(
            "The attribute of a user's entry holding its email address. Users who log in "
            "with a name that is not an address (their uid) get an account and a mailbox "
            "named after it."
        ),
    )
    ldap_is_active_directory = param_forms.YesNoField(
        label=_("Active Directory"),
        initial=False,
        help_text=_("Tell if the LDAP server is an Active Directory one"),
    )
    ldap_admin_groups = forms.CharField(
        label=_("Administrator groups"),
        initial="",
        required=False,
        help_text=_(
            "Members of those LDAP Posix groups will be created as domain "
            "administrators. Use ';' characters to separate groups."
        ),
    )
    ldap_group_type = forms.ChoiceField(
        label=_("Group type"),
        initial="posixgroup",
        choices=[("posixgroup", "PosixGroup"), ("groupofnames", "GroupOfNames")],
        help_text=_("The LDAP group type to use with your directory."),
    )
    ldap_groups_search_base = forms.CharField(
        label=_("Groups search base"),
        initial="",
        required=False,
        help_text=_("The distinguished name of the search base used to find groups"),
    )

    sep3 = param_forms.SeparatorField(label=_("Dashboard"))

    rss_feed_url = forms.URLField(
        assume_scheme="https",
        label=_("Custom RSS feed"),
        required=False,
        initial="",
        help_text=_("Display custom RSS feed to resellers and domain administrators"),
    )
    hide_features_widget = param_forms.YesNoField(
        label=_("Hide features widget"),
        initial=False,
        help_text=_("Hide features widget for resellers and domain administrators"),
    )

    sep4 = param_forms.SeparatorField(label=_("Notifications"))

    sender_address = forms.EmailField(
        label=_("Sender address"),
        initial="noreply@yourdomain.test",
        help_text=_("Email address used to send notifications."),
    )

    sep5 = param_forms.SeparatorField(label=_("Public API"))

    enable_api_communication = param_forms.YesNoField(
        label=_("Enable communication"),
        initial=True,
        help_text=_("Enable communication with Modoboa public API"),
    )
    check_new_versions = param_forms.YesNoField(
        label=_("Check new versions"),
        initial=True,
        help_text=_("Automatically checks if a newer version is available"),
    )
    send_statistics = param_forms.YesNoField(
        label=_("Send statistics"),
        initial=True,
        help_text=_("Send statistics to Modoboa public API (counters and used extensions)"),
    )

    sep6 = param_forms.SeparatorField(label=_("Miscellaneous"))

    inactive_account_threshold = forms.IntegerField(
        label=_("Inactive account threshold"),
        initial=30,
        min_value=1,
        help_text=_(
            "An account with a last login date greater than this threshold "
            "(in days) will be considered as inactive"
        ),
    )
    top_notifications_check_interval = forms.IntegerField(
        label=_("Top notifications check interval"),
        initial=30,
        min_value=5,
        help_text=_("Interval between two top notification checks (in seconds)"),
    )
    log_maximum_age = forms.IntegerField(
        label=_("Maximum log record age"),
        initial=365,
        min_value=1,
        help_text=_("The maximum age in days of a log record"),
    )
    items_per_page = forms.IntegerField(
        label=_("Items per page"),
        initial=30,
        min_value=1,
        max_value=1000,
        help_text=_("Number of displayed items per page"),
    )
    default_top_redirection = forms.ChoiceField(
        label=_("Default top redirection"),
        choices=[],
        initial="user",
        help_text=_("The default redirection used when no application is specified"),
    )

    visibility_rules = {
        "ldap_server_address": "authentication_type=ldap",
        "ldap_server_port": "authentication_type=ldap",
        "ldap_secured": "authentication_type=ldap",
        "ldap_auth_method": "authentication_type=ldap",
        "ldap_bind_dn": "authentication_type=ldap & ldap_auth_method=searchbind",
        "ldap_bind_password": "authentication_type=ldap & ldap_auth_method=searchbind",
        "ldap_search_base": "authentication_type=ldap & ldap_auth_method=searchbind",
        "ldap_search_filter": "authentication_type=ldap & ldap_auth_method=searchbind",
        "ldap_user_dn_template": "authentication_type=ldap & ldap_auth_method=directbind",
        "ldap_password_attribute": "authentication_type=ldap",
        "ldap_email_attribute": "authentication_type=ldap",
        "ldap_is_active_directory": "authentication_type=ldap",
        "ldap_admin_groups": "authentication_type=ldap",
        "ldap_group_type": "authentication_type=ldap",
        "ldap_groups_search_base": "authentication_type=ldap",
        "login_delay_after": "login_throttling=True",
        "login_lock_after": "login_throttling=True",
        "address_delay_after": "login_throttling=True",
        "address_lock_after": "login_throttling=True",
        "login_lock_duration": "login_throttling=True",
        "check_new_versions": "enable_api_communication=True",
        "send_statistics": "enable_api_communication=True",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_top_redirection"].choices = top_redirection_choices()

    def clean_secret_key(self):
        value = self.cleaned_data["secret_key"]
        if len(value) not in (16, 24, 32):
            raise forms.ValidationError(_("Key must be either 16, 24, or 32 bytes long"))
        return value

    def clean_default_password(self):
        # Upstream shipped "password", which fails the password policy;
        # empty (random passwords) is the default here.
        value = self.cleaned_data["default_password"]
        if value:
            password_validation.validate_password(value)
        return value

    def clean_ldap_search_filter(self):
        value = self.cleaned_data["ldap_search_filter"]
        if value and not (value.startswith("(") and value.endswith(")")):
            raise forms.ValidationError(_("The filter must be enclosed in parentheses"))
        return value

    def clean_ldap_email_attribute(self):
        value = (self.cleaned_data.get("ldap_email_attribute") or "").strip()
        # An attribute description: a name (letters, digits, hyphens) or an OID.
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*|[0-9]+(\.[0-9]+)+", value):
            raise forms.ValidationError(_("Enter an LDAP attribute name."))
        return value

    def clean_ldap_user_dn_template(self):
        value = self.cleaned_data["ldap_user_dn_template"]
        if value and "%(user)s" not in value:
            raise forms.ValidationError(_("The template must contain the %(user)s placeholder"))
        return value

    def clean(self):
        cleaned = super().clean()
        for scope in ("login", "address"):
            delay, lock = cleaned.get(scope + "_delay_after"), cleaned.get(scope + "_lock_after")
            if delay is not None and lock is not None and delay > lock:
                self.add_error(
                    scope + "_delay_after",
                    _("Must not be greater than the number of failures before locking"),
                )
        if cleaned.get("authentication_type") != "ldap":
            return cleaned
        if cleaned.get("ldap_auth_method") == "searchbind":
            if not cleaned.get("ldap_search_base"):
                self.add_error("ldap_search_base", _("This field is required"))
            if not cleaned.get("ldap_search_filter"):
                self.add_error("ldap_search_filter", _("This field is required"))
        elif cleaned.get("ldap_auth_method") == "directbind":
            if not cleaned.get("ldap_user_dn_template"):
                self.add_error("ldap_user_dn_template", _("This field is required"))
        return cleaned


def password_settings():
    """Return ``(scheme, rounds)`` for new password hashes.

    ``rounds`` is None when hashes must not be rewritten at login.
    """
    try:
        values = param_tools.get_localconfig().parameters.get_values("core")
    except DatabaseError:
        # Before the first migration there is nothing stored yet.
        values = {
            "password_scheme": password_hashers.DEFAULT_SCHEME,
            "rounds_number": password_hashers.DEFAULT_ROUNDS,
        }
    # The test suite lowers the cost of hashing; instances never set this.
    rounds = getattr(settings, "MODOBOA_TEST_PASSWORD_ROUNDS", None) or values["rounds_number"]
    return values["password_scheme"], rounds


def update_scheme_at_login():
    return param_tools.get_global_parameter("update_scheme", app="core")


def load_core_settings():
    """Register the core parameter forms."""
    param_tools.registry.add("global", GeneralParametersForm, _("General"))
