"""Serializers of relay domains and their transport."""

import json

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from modoboa.admin import services as admin_services
from modoboa.lib.api.fields import ServiceSerializer, provided
from modoboa.lib.exceptions import ModoboaException
from modoboa.transport.backends import manager


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {},
        "description": "Settings of the transport's backend, keys prefixed with the service "
        "name: relay_target_host (required), relay_target_port (default 25), "
        "relay_verify_recipients (default false). May be sent as a JSON string.",
        "example": {"relay_target_host": "mx.example.net", "relay_target_port": 25},
    }
)
class TransportSettingsField(serializers.Field):
    """The backend settings, as a JSON object or a JSON string of one
    (upstream clients send a string).
    """

    default_error_messages = {
        "invalid": _("Value must be a JSON object (or a string holding one)."),
    }

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data or "{}")
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, dict):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return dict(value or {})


class TransportSerializer(serializers.Serializer):
    """How Postfix delivers the relay domain's mail."""

    pk = serializers.IntegerField(read_only=True, help_text="Identifier of the transport.")
    service = serializers.CharField(
        max_length=30, required=False, help_text="Transport backend (default 'relay')."
    )
    _settings = TransportSettingsField(required=False)

    def validate_service(self, value):
        if value not in manager.backends:
            raise serializers.ValidationError(_("Unknown transport service: %s") % value)
        return value


class RelayDomainSerializer(ServiceSerializer):
    """A domain whose mail is relayed to another server."""

    pk = serializers.IntegerField(read_only=True, help_text="Identifier of the relay domain.")
    name = serializers.CharField(max_length=100, help_text="Domain name.")
    enabled = serializers.BooleanField(
        required=False, help_text="Whether mail for the domain is accepted (default true)."
    )
    transport = TransportSerializer(help_text="The transport (next hop) of the domain.")
    enable_dkim = serializers.BooleanField(
        required=False, help_text="Sign outgoing mail of the domain with DKIM."
    )
    dkim_key_selector = serializers.CharField(
        max_length=30, required=False, help_text="DKIM key selector (default 'modoboa')."
    )
    dkim_public_key = serializers.CharField(
        read_only=True, help_text="DKIM public key (base64), once generated."
    )

    WRITABLE = ("name", "enabled", "enable_dkim", "dkim_key_selector")

    def validate_transport(self, value):
        """On creation, every setting of the backend but its switches must
        be sent (1.10's API did not fill in the console's defaults).
        """
        if self.instance is not None:
            return value
        backend = manager.backends.get(value.get("service") or "relay")
        if backend is None:
            return value
        backend = backend()
        values = value.get("_settings") or {}
        errors = {}
        try:
            backend.clean_fields(values)
        except ModoboaException as exc:
            errors.update(exc.errors)
        for setting in backend.settings:
            key = backend.setting_key(setting["name"])
            if setting.get("type") == "boolean" or key in errors:
                continue
            if values.get(key, values.get(setting["name"])) in (None, ""):
                errors[key] = [_("This field is required.")]
        if errors:
            raise serializers.ValidationError({"_settings": errors})
        return value

    @staticmethod
    def _transport_spec(value, current=None):
        service = value.get("service") or (current.service if current else "relay")
        if "_settings" in value:
            values = value["_settings"]
        else:
            values = current._settings if current and current.service == service else {}
        return {"service": service, "settings": values}

    def create(self, validated_data):
        return self.call(
            admin_services.create_domain,
            type="relaydomain",
            transport=self._transport_spec(validated_data.get("transport", {})),
            **provided(validated_data, *self.WRITABLE),
        )

    def update(self, instance, validated_data):
        changes = provided(validated_data, *self.WRITABLE)
        if "transport" in validated_data:
            current = instance.transport if instance.transport_id else None
            changes["transport"] = self._transport_spec(validated_data["transport"], current)
        return self.call(admin_services.update_domain, instance, **changes)
