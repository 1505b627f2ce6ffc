"""The ``relaydomains/`` endpoint."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

from modoboa.admin import services as admin_services
from modoboa.admin.models import Domain
from modoboa.lib.api.exceptions import remap_fields
from modoboa.lib.api.viewsets import ModoboaViewSet, query_param
from modoboa.lib.exceptions import ModoboaException

from .serializers import RelayDomainSerializer


@extend_schema_view(
    list=extend_schema(
        summary="List the relay domains you manage",
        parameters=[
            OpenApiParameter(
                "domain", OpenApiTypes.STR, description="Only the relay domain of this name."
            )
        ],
    ),
    retrieve=extend_schema(summary="Read a relay domain"),
    create=extend_schema(summary="Create a relay domain and its transport"),
    update=extend_schema(summary="Change a relay domain"),
    partial_update=extend_schema(summary="Change some fields of a relay domain"),
    destroy=extend_schema(summary="Delete a relay domain and its transport"),
)
class RelayDomainViewSet(ModoboaViewSet):
    """Relay domains: domains whose mail Postfix relays to another server."""

    queryset = Domain.objects.none()  # the model, for the schema
    serializer_class = RelayDomainSerializer

    def get_base_queryset(self):
        return (
            Domain.objects.filter(type="relaydomain").select_related("transport").order_by("name")
        )

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        name = query_param(self.request, "domain", max_length=100)
        if name:
            queryset = queryset.filter(name=name.lower())
        return queryset

    def call_service(self, function, *args, **kwargs):
        try:
            return function(*args, acting_user=self.request.user, **kwargs)
        except ModoboaException as exc:
            # Backend settings errors name the setting: place them under the
            # transport, as the client sent them.
            mapping = {"pattern": "name", "service": ("transport", "service")}
            fields = self.get_serializer().fields
            for key in exc.errors:
                if key not in fields and key not in mapping and key != "non_field_errors":
                    mapping[key] = ("transport", "_settings", key)
            raise remap_fields(exc, mapping) from None

    def destroy_object(self, instance):
        self.call_service(admin_services.delete_domain, instance)
