"""Relay domains: domains whose mail Postfix relays to another server.

A relay domain is an ``admin_domain`` row of type ``relaydomain`` bound to a
Transport (pattern = domain name); recipient verification adds a
``relaydomains_recipientaccess`` row for the domain.
"""

import json

from django.utils.translation import gettext as _

from modoboa.lib.exceptions import BadRequest
from modoboa.transport import services as transport_services
from modoboa.transport.models import Transport

from .models import RecipientAccess

VERIFY_ACTION = "reject_unverified_recipient"


def _spec(transport):
    """Normalise ``{"service": ..., "settings" | "_settings": ...}``."""
    transport = dict(transport or {})
    service = transport.get("service") or "relay"
    values = transport.get("settings")
    if values is None:
        values = transport.get("_settings", {})
    if isinstance(values, str):
        try:
            values = json.loads(values or "{}")
        except ValueError:
            raise BadRequest(_("Invalid JSON"), field="transport") from None
    if not isinstance(values, dict):
        raise BadRequest(_("Transport settings must be an object"), field="transport")
    return service, values


def _sync_recipient_access(domain, transport):
    verify = transport is not None and transport._settings.get(
        "%s_verify_recipients" % transport.service
    )
    RecipientAccess.objects.filter(pattern=domain.name).delete()
    if verify:
        RecipientAccess.objects.create(pattern=domain.name, action=VERIFY_ACTION)


def attach_relay_transport(domain, transport, *, acting_user):
    """Create the Transport of a new relay domain (before it is saved)."""
    service, values = _spec(transport)
    Transport.objects.filter(pattern=domain.name).delete()
    domain.transport = transport_services.create_transport(
        domain.name, service, values, acting_user=acting_user
    )
    _sync_recipient_access(domain, domain.transport)


def sync_relay_transport(domain, new_type, transport, *, acting_user, old_name):
    """Keep the Transport in line with a domain being updated."""
    current = domain.transport if domain.transport_id else None
    if new_type != "relaydomain":
        if current is not None:
            domain.transport = None
            current.delete()
        RecipientAccess.objects.filter(pattern__in=[old_name, domain.name]).delete()
        return
    if current is None:
        attach_relay_transport(domain, transport, acting_user=acting_user)
        return
    if transport is not None:
        service, values = _spec(transport)
    else:
        service, values = current.service, current._settings
    if old_name != domain.name:
        RecipientAccess.objects.filter(pattern=old_name).delete()
    transport_services.update_transport(
        current,
        acting_user=acting_user,
        pattern=domain.name,
        service=service,
        settings_values=values,
    )
    _sync_recipient_access(domain, current)


def detach_relay_transport(domain):
    """Remove what a relay domain had (before it is deleted)."""
    RecipientAccess.objects.filter(pattern=domain.name).delete()
    if domain.transport_id:
        transport = domain.transport
        domain.transport = None
        type(domain).objects.filter(pk=domain.pk).update(transport=None)
        transport.delete()
