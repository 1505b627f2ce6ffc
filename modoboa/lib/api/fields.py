"""Serializer fields and base serializer shared by the API apps."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from modoboa.core.access import filter_for_admin

# The largest value of the 32-bit integer columns (quotas, primary keys).
MAX_INT = 2147483647


class ReachablePrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A reference by primary key to an object the caller reaches.

    An object out of reach gets the same answer as a missing one, so a
    request body cannot be used to probe for other people's objects.
    """

    default_error_messages = {
        "does_not_exist": _('Invalid pk "{pk_value}" - object does not exist.'),
        "incorrect_type": _("Incorrect type. Expected pk value, received {data_type}."),
    }

    def __init__(self, model, **kwargs):
        self.model = model
        kwargs.setdefault("queryset", model._default_manager.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context["request"]
        return filter_for_admin(request.user, self.model._default_manager.all())

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, str)):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, str):
            if not data.strip().isdigit():
                self.fail("incorrect_type", data_type="str")
            data = int(data.strip())
        if data < 1 or data > MAX_INT:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class ServiceSerializer(serializers.Serializer):
    """A serializer whose ``create``/``update`` call the service layer.

    ``call`` runs a service function with ``acting_user`` set to the
    caller, through the view so that errors get the API's field names.
    """

    @property
    def acting_user(self):
        return self.context["request"].user

    def call(self, function, *args, **kwargs):
        return self.context["view"].call_service(function, *args, **kwargs)


def provided(validated_data, *names):
    """Return the items of ``validated_data`` among ``names`` (the fields
    the client sent), for partial updates.
    """
    return {name: validated_data[name] for name in names if name in validated_data}
