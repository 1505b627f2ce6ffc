"""The away message form: the user's page and the account form's tab."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from modoboa.lib.views import apply_service_error

from . import services
from .models import ARmessage


class ARmessageForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=255)
    content = forms.CharField(
        label=_("Content"),
        widget=forms.Textarea(attrs={"rows": 8}),
        strip=False,
        help_text=_(
            "%(name)s is replaced by your full name, %(fromdate)s and %(untildate)s by the "
            "dates below."
        ),
    )
    fromdate = forms.DateTimeField(
        label=pgettext_lazy("away message start", "From"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"],
        help_text=_("Activate your auto reply from this date"),
    )
    untildate = forms.DateTimeField(
        label=_("Until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"],
        help_text=_("Activate your auto reply until this date"),
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False)

    def __init__(self, *args, mailbox=None, **kwargs):
        self.mailbox = mailbox
        if mailbox is not None and "initial" not in kwargs:
            message = services.get_message(mailbox)
            kwargs["initial"] = {
                "subject": message.subject,
                "content": message.content,
                "fromdate": message.fromdate,
                "untildate": message.untildate,
                "enabled": message.enabled,
            }
        super().__init__(*args, **kwargs)

    def save(self, acting_user):
        """Raise services.AutoreplyError (shown by the caller)."""
        return services.set_message(self.mailbox, acting_user=acting_user, **self.cleaned_data)

    def apply_error(self, exc):
        apply_service_error(self, exc)


class AccountAutoreplyTab(ARmessageForm):
    """The "Auto reply" tab of the account form (``extra_account_forms``)."""

    def __init__(self, user, account, data=None, prefix=None):
        # A request without the tab's fields (another client, an older
        # page) leaves the away message alone.
        self.untouched = data is not None and not any(
            key.startswith("%s-" % prefix) for key in data
        )
        super().__init__(
            None if self.untouched else data, prefix=prefix, mailbox=account.mailbox_or_none
        )
        self.acting = user

    def is_valid(self):
        return True if self.untouched else super().is_valid()

    def save(self, acting_user=None):
        # Unchanged: no round trip to the mail server.
        if self.untouched or not self.has_changed():
            return None
        if (
            not self.cleaned_data["enabled"]
            and not ARmessage.objects.filter(mbox=self.mailbox).exists()
        ):
            return None  # nothing to turn off
        return super().save(acting_user or self.acting)
