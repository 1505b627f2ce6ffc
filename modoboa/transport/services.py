"""Service functions of the transport application."""

from django.db import transaction
from django.utils.translation import gettext as _

from modoboa.core import audit
from modoboa.lib.exceptions import BadRequest, Conflict

from .backends import manager
from .models import Transport


def _serialize(backend, transport):
    backend.serialize(transport)
    limit = Transport._meta.get_field("next_hop").max_length
    if len(transport.next_hop or "") > limit:
        raise BadRequest(_("The next hop is longer than %d characters") % limit, field="next_hop")


@transaction.atomic
def create_transport(pattern, service, settings_values, *, acting_user):
    """Create the transport of ``pattern`` through ``service``'s backend."""
    if Transport.objects.filter(pattern=pattern).exists():
        raise Conflict(_("A transport for %s already exists") % pattern, field="pattern")
    backend = manager.get_backend(service)
    transport = Transport(pattern=pattern, service=service)
    transport._settings = backend.clean_fields(settings_values or {})
    _serialize(backend, transport)
    with audit.revision(acting_user):
        transport.save()
    return transport


@transaction.atomic
def update_transport(transport, *, acting_user, pattern=None, service=None, settings_values=None):
    """Change a transport's pattern, service or settings."""
    if pattern is not None and pattern != transport.pattern:
        if Transport.objects.filter(pattern=pattern).exclude(pk=transport.pk).exists():
            raise Conflict(_("A transport for %s already exists") % pattern, field="pattern")
        transport.pattern = pattern
    if service is not None:
        transport.service = service
    backend = manager.get_backend(transport.service)
    if settings_values is not None:
        transport._settings = backend.clean_fields(settings_values)
    _serialize(backend, transport)
    with audit.revision(acting_user):
        transport.save()
    return transport


def delete_transport(transport):
    transport.delete()
