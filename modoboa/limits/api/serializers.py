"""Serializer of an administrator's resources (its user limits)."""

from django.db import transaction
from rest_framework import serializers

from modoboa.lib.api.fields import MAX_INT, ServiceSerializer

from .. import services
from ..constants import USER_LIMIT_DEFINITIONS


def _limit_field(name):
    definition = USER_LIMIT_DEFINITIONS[name]
    minimum = 0 if definition["type"] == "sum" else -1
    meaning = "0 means no quota" if definition["type"] == "sum" else "-1 means unlimited, 0 none"
    return serializers.IntegerField(
        min_value=minimum,
        max_value=MAX_INT,
        required=False,
        help_text="%s (%s)." % (definition["help"], meaning),
    )


class ResourcesSerializer(ServiceSerializer):
    """The limits of an administrator, as a flat object.

    A reseller's allocation is taken from its own pool (and what it frees
    goes back to it).
    """

    domains = _limit_field("domains")
    domain_aliases = _limit_field("domain_aliases")
    mailboxes = _limit_field("mailboxes")
    mailbox_aliases = _limit_field("mailbox_aliases")
    domain_admins = _limit_field("domain_admins")
    quota = _limit_field("quota")

    def to_representation(self, instance):
        values = {limit.name: limit.max_value for limit in instance.userobjectlimit_set.all()}
        return {name: values.get(name, 0) for name in self.fields}

    def update(self, instance, validated_data):
        with transaction.atomic():
            for name in self.fields:
                if name in validated_data:
                    self.call(services.set_user_limit, instance, name, validated_data[name])
        return instance
