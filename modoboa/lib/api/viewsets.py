"""Base viewset shared by every API endpoint."""

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from modoboa.core.access import filter_for_admin
from modoboa.lib.deadlocks import retry_on_deadlock
from modoboa.lib.exceptions import ModoboaException

from .exceptions import remap_fields
from .fields import MAX_INT
from .pagination import OptionalPageNumberPagination
from .parsers import JSONParser
from .permissions import IsAdministrator, ModelPermissions
from .streaming import stream_queryset


def query_param(request, name, max_length=254):
    """Return the stripped value of the query parameter ``name`` (or None).

    A value that cannot be a name (too long, NUL characters) is a 400
    naming the parameter rather than an error of the database driver.
    """
    value = request.query_params.get(name)
    if value is None:
        return None
    value = value.strip()
    if len(value) > max_length:
        raise ValidationError(
            {name: [_("Ensure this value has at most %d characters.") % max_length]}
        )
    if "\x00" in value:
        raise ValidationError({name: [_("Null characters are not allowed.")]})
    return value


class ServiceCallMixin:
    """Run a service function and give its errors the API's field names."""

    #: Service-layer field names -> API field names.
    error_field_map = {}

    def call_service(self, function, *args, **kwargs):
        try:
            return function(*args, acting_user=self.request.user, **kwargs)
        except ModoboaException as exc:
            if self.error_field_map:
                raise remap_fields(exc, self.error_field_map) from None
            raise


class AccessFilteredMixin(ServiceCallMixin):
    """Limit a viewset's rows to what the caller reaches.

    Subclasses define ``get_base_queryset()`` (the rows of the model with
    the joins and prefetches their serializer needs); this mixin applies the
    access filter of ``get_for_admin`` to it, so any object out of reach
    answers 404 exactly like a missing one.
    """

    permission_classes = [IsAdministrator, ModelPermissions]
    # JSON in and out, as the seed documents (Content-Type: application/json).
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    def get_base_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        return filter_for_admin(self.request.user, self.get_base_queryset())

    def prepare_rows(self, rows):
        """Load, in a fixed number of queries, what the serializer needs for
        ``rows`` (a list of objects) that the queryset cannot join or
        prefetch. Called for every page, streamed chunk and single object.
        """

    def get_object(self):
        value = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        # Primary keys are 32-bit integers: a larger value names no row (and
        # SQLite would refuse it with an OverflowError).
        if value is None or not str(value).isdigit() or int(value) > MAX_INT:
            raise Http404
        obj = super().get_object()
        self.prepare_rows([obj])
        return obj

    def reload(self, instance):
        """Fetch ``instance`` again through the viewset's queryset, so the
        answer to a write carries the same fields (counters...) as a read.
        """
        fresh = self.get_queryset().filter(pk=instance.pk).first()
        if fresh is None:
            self.prepare_rows([instance])
            return instance
        if hasattr(instance, "clear_password"):
            fresh.clear_password = instance.clear_password
        self.prepare_rows([fresh])
        return fresh

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        instance = serializer.save()
        return Response(self.get_serializer(self.reload(instance)).data)

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)


class ModoboaViewSet(
    AccessFilteredMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Read, create, update and delete the rows the caller reaches.

    Lists are streamed as a JSON array, or paginated on request. Writes
    are done by the serializers, which call the service layer with
    ``acting_user`` set to the caller; ``destroy_object`` calls the service
    that deletes.
    """

    pagination_class = OptionalPageNumberPagination
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        """The view, run again when a deadlock rolled its transaction back."""
        return retry_on_deadlock(super().as_view(actions, **initkwargs))

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        if self.paginator.is_requested(request):
            page = self.paginate_queryset(queryset)
            self.prepare_rows(page)
            serializer = self.get_serializer(page, many=True)
            return self.get_paginated_response(serializer.data)
        return stream_queryset(queryset, self.get_serializer(), prepare=self.prepare_rows)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = serializer.save()
        output = self.get_serializer(self.reload(instance))
        return Response(output.data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        self.destroy_object(instance)

    def destroy_object(self, instance):
        raise NotImplementedError
