"""The ``relay`` transport backend: deliver to another SMTP server."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from modoboa.lib.validators import validate_hostname
from modoboa.transport.backends import TransportBackend


def validate_target_host(value):
    """A host name or an IP address."""
    try:
        validate_ipv46_address(value)
        return
    except ValidationError:
        pass
    validate_hostname(value)


def validate_port(value):
    if not 1 <= int(value) <= 65535:
        raise ValidationError(_("Enter a port number between 1 and 65535."))


class RelayTransportBackend(TransportBackend):
    """Relay the mail of a domain to ``[target_host]:target_port``."""

    name = "relay"
    label = gettext_lazy("relay")
    settings = (
        {
            "name": "target_host",
            "label": gettext_lazy("target host address"),
            "type": "string",
            "required": True,
            "validator": validate_target_host,
        },
        {
            "name": "target_port",
            "label": gettext_lazy("target host port"),
            "type": "int",
            "default": 25,
            "validator": validate_port,
        },
        {
            "name": "verify_recipients",
            "label": gettext_lazy("verify recipients"),
            "type": "boolean",
            "default": False,
        },
    )

    def serialize(self, transport):
        host = transport._settings.get("relay_target_host", "")
        port = transport._settings.get("relay_target_port", 25)
        if ":" in host:
            # IPv6 literals need the ipv6: tag inside brackets.
            host = "ipv6:%s" % host
        transport.next_hop = "[%s]:%s" % (host, port)
