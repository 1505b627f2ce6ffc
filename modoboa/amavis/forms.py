"""Console forms of the quarantine: the domain's "Content filter" tab and
the allow/block list entry form.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import policies

FILTER_CHOICES = [("yes", _("yes")), ("no", _("no")), ("default", _("default"))]


class ContentFilterForm(forms.Form):
    """Amavis' policy of a domain (and of its domain aliases)."""

    virus = forms.ChoiceField(label=_("Virus filter"), choices=FILTER_CHOICES, required=False)
    spam = forms.ChoiceField(label=_("Spam filter"), choices=FILTER_CHOICES, required=False)
    banned = forms.ChoiceField(label=_("Banned filter"), choices=FILTER_CHOICES, required=False)
    spam_tag2_level = forms.FloatField(
        label=_("Spam marking value"),
        required=False,
        min_value=-999,
        max_value=999,
        help_text=_("From this score a message is marked as spam (empty: Amavis' default)"),
    )
    spam_kill_level = forms.FloatField(
        label=_("Spam quarantine value"),
        required=False,
        min_value=-999,
        max_value=999,
        help_text=_("From this score a message is quarantined (empty: Amavis' default)"),
    )
    spam_subject_tag2 = forms.CharField(
        label=_("Spam marker"),
        required=False,
        max_length=64,
        help_text=_("Added to the subject of spam (empty: Amavis' default)"),
    )

    def __init__(self, user, instance, *args, **kwargs):
        self.user = user
        self.domain = instance
        kwargs.setdefault("initial", policies.get_content_filter(instance))
        super().__init__(*args, **kwargs)

    def save(self, *, acting_user):
        """Write the fields the request sent (a client posting the domain
        form without this tab changes nothing of the policy).
        """
        values = {
            name: value
            for name, value in self.cleaned_data.items()
            if self.add_prefix(name) in self.data
            and not (name in ("virus", "spam", "banned") and value == "")
        }
        if values:
            policies.update_content_filter(self.domain, acting_user=acting_user, **values)


def extra_domain_forms(sender, user, domain=None, **kwargs):
    """Receiver of ``admin.signals.extra_domain_forms``."""
    if domain is None or not user.has_perm("admin.change_domain") or domain.type != "domain":
        return []
    return [{"id": "content_filter", "title": _("Content filter"), "cls": ContentFilterForm}]


class ListEntryForm(forms.Form):
    owner = forms.CharField(label=_("Recipient"), max_length=254)
    sender = forms.CharField(label=_("Sender"), max_length=254)
    kind = forms.ChoiceField(
        label=_("List"), choices=[("allow", _("Allow")), ("block", _("Block"))]
    )
