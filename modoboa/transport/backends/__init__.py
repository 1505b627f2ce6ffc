"""Transport backends: how a transport's settings become a next hop.

A backend declares its settings (name, label, type, default, required,
validator); values are stored in ``Transport._settings`` under keys
prefixed with the backend name (``relay_target_host``...).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from modoboa.lib.exceptions import BadRequest


class TransportBackend:
    """Base class of transport backends."""

    name = None
    label = None
    settings = ()

    def setting_key(self, name):
        return "%s_%s" % (self.name, name)

    def clean_fields(self, values):
        """Validate and convert ``values`` (``{setting: raw}``).

        Return the cleaned ``{prefixed key: value}`` mapping or raise
        BadRequest naming every bad field.
        """
        cleaned = {}
        errors = {}
        for setting in self.settings:
            key = self.setting_key(setting["name"])
            raw = values.get(key, values.get(setting["name"]))
            try:
                cleaned[key] = self._clean_value(setting, raw)
            except ValidationError as exc:
                errors[key] = exc.messages
        if errors:
            raise BadRequest(_("Invalid transport settings"), errors=errors)
        return cleaned

    def _clean_value(self, setting, raw):
        kind = setting.get("type", "string")
        if raw is None or raw == "":
            if setting.get("required") and "default" not in setting:
                raise ValidationError(_("This field is required."))
            raw = setting.get("default", "" if kind == "string" else None)
        if kind == "int":
            if isinstance(raw, bool):
                raise ValidationError(_("Enter a whole number."))
            try:
                raw = int(raw)
            except (TypeError, ValueError):
                raise ValidationError(_("Enter a whole number.")) from None
        elif kind == "boolean":
            if isinstance(raw, str):
                raw = raw.strip().lower() in ("1", "true", "yes", "y", "on")
            else:
                raw = bool(raw)
        else:
            raw = "" if raw is None else str(raw).strip()
        validator = setting.get("validator")
        if validator is not None and raw not in (None, ""):
            validator(raw)
        return raw

    def serialize(self, transport):
        """Update ``transport.next_hop`` from its settings."""


class BackendManager:
    """Registry of transport backends."""

    def __init__(self):
        self.backends = {}

    def register_backend(self, backend_class):
        self.backends[backend_class.name] = backend_class

    def get_backend(self, name):
        backend_class = self.backends.get(name)
        if backend_class is None:
            raise BadRequest(_("Unknown transport service: %s") % name, field="service")
        return backend_class()

    def get_backend_choices(self):
        return [(name, cls.label or name) for name, cls in sorted(self.backends.items())]

    def get_all_backend_settings(self):
        return {name: cls.settings for name, cls in self.backends.items()}


manager = BackendManager()
