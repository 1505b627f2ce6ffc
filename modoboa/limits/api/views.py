"""The ``resources/{pk}/`` endpoint."""

from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from modoboa.core import constants as core_constants
from modoboa.core.models import User
from modoboa.lib.api.permissions import IsAdministrator, ModelPermissions
from modoboa.lib.api.viewsets import AccessFilteredMixin

from .serializers import ResourcesSerializer


@extend_schema_view(
    retrieve=extend_schema(summary="Read the resources (limits) of an administrator"),
    update=extend_schema(summary="Set the resources of an administrator"),
    partial_update=extend_schema(summary="Set some resources of an administrator"),
)
class ResourcesViewSet(AccessFilteredMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Resources of the domain administrators and resellers you manage.

    Only super administrators and resellers allocate resources; nobody
    edits their own. A domain administrator reaches no resources: as in
    1.10, it gets 404 (simple users, who use no part of the API, 403).
    """

    queryset = User.objects.none()  # the model, for the schema
    serializer_class = ResourcesSerializer
    permission_classes = [IsAdministrator, ModelPermissions]
    http_method_names = ["get", "put", "patch", "head", "options"]

    def get_base_queryset(self):
        if self.request.user.role not in (core_constants.SUPERADMINS, core_constants.RESELLERS):
            return User.objects.none()
        return (
            User.objects.filter(
                Exists(
                    Group.objects.filter(
                        user=OuterRef("pk"),
                        name__in=(core_constants.DOMAINADMINS, core_constants.RESELLERS),
                    )
                )
            )
            .exclude(pk=self.request.user.pk)
            .prefetch_related("userobjectlimit_set")
            .order_by("pk")
        )
