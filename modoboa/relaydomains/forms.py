"""The "Transport" step of the domain wizard and the "Transport settings"
tab of the domain form, built from the settings each transport backend
declares.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from modoboa.transport.backends import manager


def _field_for(setting):
    kind = setting.get("type", "string")
    options = {
        "label": setting.get("label") or setting["name"],
        "required": False,
        "help_text": setting.get("help_text", ""),
    }
    if "default" in setting:
        options["initial"] = setting["default"]
    if kind == "int":
        return forms.IntegerField(**options)
    if kind == "boolean":
        return forms.BooleanField(**options)
    return forms.CharField(max_length=255, **options)


class TransportForm(forms.Form):
    """Service choice plus the fields of every backend; a backend's fields
    are shown only when it is the chosen service.
    """

    service = forms.ChoiceField(label=_("Service"), choices=())

    def __init__(self, *args, transport=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = manager.get_backend_choices()
        self.backend_fields = {}
        for name, settings in manager.get_all_backend_settings().items():
            self.backend_fields[name] = []
            for setting in settings:
                key = "%s_%s" % (name, setting["name"])
                self.fields[key] = _field_for(setting)
                self.fields[key].backend = name
                self.fields[key].required_setting = bool(setting.get("required"))
                self.fields[key].show_if = "%s=%s" % (self.add_prefix("service"), name)
                self.backend_fields[name].append(key)
        if transport is not None:
            self.initial.setdefault("service", transport.service)
            for key, value in (transport._settings or {}).items():
                if key in self.fields:
                    self.initial.setdefault(key, value)
        elif self.fields["service"].choices:
            self.initial.setdefault("service", "relay")

    def clean(self):
        cleaned = super().clean()
        service = cleaned.get("service")
        for key in self.backend_fields.get(service, []):
            field = self.fields[key]
            if field.required_setting and cleaned.get(key) in (None, ""):
                self.add_error(key, _("This field is required."))
        return cleaned

    def groups(self):
        """``[(service, [bound fields])]`` for the template."""
        return [(name, [self[key] for key in keys]) for name, keys in self.backend_fields.items()]

    def to_service(self):
        """The ``transport`` argument of the domain services."""
        service = self.cleaned_data["service"]
        values = {
            key: self.cleaned_data.get(key)
            for key in self.backend_fields.get(service, [])
            if self.cleaned_data.get(key) not in (None, "")
        }
        return {"service": service, "settings": values}


class DomainTransportTab(TransportForm):
    """The "Transport settings" tab of the domain form (relay domains)."""

    show_if = "type=relaydomain"

    def __init__(self, user, instance, *args, **kwargs):
        self.user = user
        self.domain = instance
        super().__init__(*args, transport=instance.transport, **kwargs)

    def is_relevant(self, general_data):
        return general_data.get("type") == "relaydomain"

    def domain_update_kwargs(self):
        return {"transport": self.to_service()}

    def save(self, *, acting_user):
        """Nothing to do: the settings go through ``update_domain``."""


def extra_domain_forms(sender, user, domain, **kwargs):
    """Receiver of ``admin.signals.extra_domain_forms``."""
    if not user.has_perm("admin.change_domain"):
        return []
    return [{"id": "transport", "title": _("Transport settings"), "cls": DomainTransportTab}]
