"""Query forms of the statistics pages (read from the query string)."""

from django import forms
from django.utils.translation import gettext_lazy as _

PERIOD_CHOICES = [
    ("day", _("Day")),
    ("week", _("Week")),
    ("month", _("Month")),
    ("year", _("Year")),
    ("custom", _("Custom")),
]
GRAPH_CHOICES = [("traffic", "traffic"), ("size", "size"), ("accounts", "accounts")]
STATUS_CHOICES = [
    ("", _("Any")),
    ("sent", _("Delivered")),
    ("bounced", _("Bounced")),
    ("deferred", _("Deferred")),
    ("expired", _("Expired")),
    ("rejected", _("Rejected")),
    ("greylisted", _("Greylisted")),
]


class StyledForm(forms.Form):
    """Bootstrap's classes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class PeriodForm(StyledForm):
    """Which scope, which period."""

    scope = forms.CharField(label=_("Domain"), required=False, max_length=253)
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False)
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        cleaned["period"] = cleaned.get("period") or "day"
        if cleaned["period"] == "custom":
            if not cleaned.get("start"):
                self.add_error("start", _("Give the start of the period"))
            if not cleaned.get("end"):
                self.add_error("end", _("Give the end of the period"))
        return cleaned


class GraphForm(PeriodForm):
    graph = forms.ChoiceField(choices=GRAPH_CHOICES)


class MaillogSearchForm(StyledForm):
    """The message log search."""

    sender = forms.CharField(label=_("Sender"), required=False, max_length=254)
    rcpt = forms.CharField(label=_("Recipient"), required=False, max_length=254)
    queue_id = forms.CharField(label=_("Queue ID"), required=False, max_length=32)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=100000)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end must come after the start"))
        return cleaned

    def filters(self):
        data = self.cleaned_data
        return {
            "sender": data.get("sender") or "",
            "rcpt": data.get("rcpt") or "",
            "queue_id": data.get("queue_id") or "",
            "status": data.get("status") or "",
            "start": data.get("start"),
            "end": data.get("end"),
        }


def status_label(value):
    return dict(STATUS_CHOICES).get(value, value)
