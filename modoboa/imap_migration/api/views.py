"""API of the IMAP migration: the same services and rules as the console
(providers for super administrators, jobs for the administrators of the
mailboxes' domains).
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from modoboa.lib.api.permissions import IsAdministrator
from modoboa.lib.exceptions import BadRequest

from .. import services
from ..models import STATUS_CHOICES, EmailProvider
from . import serializers

TAGS = ["imap_migration"]


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class SuperAdminOnly(IsAdministrator):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_superuser)


def _invalid(serializer):
    raise BadRequest(errors=serializer.errors)


def _provider_values(data):
    from modoboa.admin.services.common import clean_domain_name

    values = dict(data)
    if "domains" in values:
        values["domains"] = [
            (
                clean_domain_name(item["name"], field="domains"),
                clean_domain_name(item["new_domain"], field="domains")
                if (item.get("new_domain") or "").strip()
                else "",
            )
            for item in values["domains"]
        ]
    return values


class ProviderList(APIView):
    permission_classes = [IsAuthenticated, SuperAdminOnly]

    @extend_schema(
        summary="List the email providers",
        responses=serializers.ProviderPageSerializer,
        tags=TAGS,
    )
    def get(self, request):
        queryset = EmailProvider.objects.prefetch_related("domains__new_domain").order_by("name")
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(
            serializers.ProviderSerializer(page, many=True).data
        )

    @extend_schema(
        summary="Create an email provider (an old IMAP server and its domains)",
        request=serializers.ProviderSerializer,
        responses={201: serializers.ProviderSerializer},
        tags=TAGS,
    )
    def post(self, request):
        serializer = serializers.ProviderSerializer(data=request.data)
        if not serializer.is_valid():
            _invalid(serializer)
        values = _provider_values(serializer.validated_data)
        values.setdefault("domains", [])
        provider = services.create_provider(acting_user=request.user, **values)
        return Response(
            serializers.ProviderSerializer(provider).data, status=status.HTTP_201_CREATED
        )


class ProviderDetail(APIView):
    permission_classes = [IsAuthenticated, SuperAdminOnly]

    @extend_schema(
        summary="An email provider", responses=serializers.ProviderSerializer, tags=TAGS
    )
    def get(self, request, pk):
        provider = get_object_or_404(EmailProvider, pk=pk)
        return Response(serializers.ProviderSerializer(provider).data)

    def _update(self, request, pk, partial):
        provider = get_object_or_404(EmailProvider, pk=pk)
        serializer = serializers.ProviderSerializer(data=request.data, partial=partial)
        if not serializer.is_valid():
            _invalid(serializer)
        values = _provider_values(serializer.validated_data)
        services.update_provider(provider, acting_user=request.user, **values)
        provider.refresh_from_db()
        return Response(serializers.ProviderSerializer(provider).data)

    @extend_schema(
        summary="Replace an email provider",
        request=serializers.ProviderSerializer,
        responses=serializers.ProviderSerializer,
        tags=TAGS,
    )
    def put(self, request, pk):
        return self._update(request, pk, False)

    @extend_schema(
        summary="Change an email provider",
        request=serializers.ProviderSerializer,
        responses=serializers.ProviderSerializer,
        tags=TAGS,
    )
    def patch(self, request, pk):
        return self._update(request, pk, True)

    @extend_schema(summary="Delete an email provider", responses={204: None}, tags=TAGS)
    def delete(self, request, pk):
        provider = get_object_or_404(EmailProvider, pk=pk)
        services.delete_provider(provider, acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _migration(request, pk):
    return services.get_migration(request.user, pk)


class StatusFilter(drf_serializers.Serializer):
    status = drf_serializers.ChoiceField(
        choices=[value for value, _label in STATUS_CHOICES], required=False
    )


class MigrationList(APIView):
    permission_classes = [IsAuthenticated, IsAdministrator]

    @extend_schema(
        summary="List the migration jobs of the mailboxes in reach",
        parameters=[
            OpenApiParameter("status", str, enum=[value for value, _label in STATUS_CHOICES])
        ],
        responses=serializers.MigrationPageSerializer,
        tags=TAGS,
    )
    def get(self, request):
        queryset = services.migrations_for(request.user).order_by("-pk")
        # An unknown status (or a NUL, which PostgreSQL refuses in a
        # string) is a 400 naming the parameter, never a query.
        wanted = StatusFilter(data=request.query_params)
        wanted.is_valid(raise_exception=True)
        if wanted.validated_data.get("status"):
            queryset = queryset.filter(status=wanted.validated_data["status"])
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(
            serializers.MigrationSerializer(page, many=True).data
        )

    @extend_schema(
        summary="Queue migration jobs (a list of accounts, or CSV lines)",
        description="All or nothing: a bad account or line answers 400 naming it, and "
        "nothing is created.",
        request=serializers.MigrationsCreateSerializer,
        responses={201: serializers.MigrationSerializer(many=True)},
        tags=TAGS,
    )
    def post(self, request):
        serializer = serializers.MigrationsCreateSerializer(data=request.data)
        if not serializer.is_valid():
            _invalid(serializer)
        data = serializer.validated_data
        if data.get("csv"):
            entries = services.parse_accounts(data["csv"], field="csv")
        elif data.get("accounts"):
            entries = [
                (number, item["username"], item["password"], item.get("local_address", ""))
                for number, item in enumerate(data["accounts"], start=1)
            ]
        else:
            raise BadRequest("Give accounts or csv.", field="accounts")
        created = services.create_migrations(
            acting_user=request.user,
            entries=entries,
            include_folders="\n".join(data.get("include_folders", [])),
            exclude_folders="\n".join(data.get("exclude_folders", [])),
        )
        return Response(
            serializers.MigrationSerializer(created, many=True).data,
            status=status.HTTP_201_CREATED,
        )


class MigrationDetail(APIView):
    permission_classes = [IsAuthenticated, IsAdministrator]

    @extend_schema(
        summary="A migration job: status, counts, progress, last error",
        responses=serializers.MigrationSerializer,
        tags=TAGS,
    )
    def get(self, request, pk):
        return Response(serializers.MigrationSerializer(_migration(request, pk)).data)

    @extend_schema(
        summary="Forget an ended job (the copied mail stays)", responses={204: None}, tags=TAGS
    )
    def delete(self, request, pk):
        services.delete_migration(_migration(request, pk), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MigrationCancel(APIView):
    permission_classes = [IsAuthenticated, IsAdministrator]

    @extend_schema(
        summary="Cancel a job (its old password is erased)",
        request=None,
        responses=serializers.MigrationSerializer,
        tags=TAGS,
    )
    def post(self, request, pk):
        migration = services.cancel_migration(_migration(request, pk), acting_user=request.user)
        return Response(serializers.MigrationSerializer(migration).data)


class MigrationRestart(APIView):
    permission_classes = [IsAuthenticated, IsAdministrator]

    @extend_schema(
        summary="Queue an ended job again with the old password: copies what is new",
        request=serializers.RestartSerializer,
        responses=serializers.MigrationSerializer,
        tags=TAGS,
    )
    def post(self, request, pk):
        serializer = serializers.RestartSerializer(data=request.data)
        if not serializer.is_valid():
            _invalid(serializer)
        migration = services.restart_migration(
            _migration(request, pk),
            acting_user=request.user,
            password=serializer.validated_data["password"],
        )
        return Response(serializers.MigrationSerializer(migration).data)
