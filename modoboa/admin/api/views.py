"""Viewsets of the admin endpoints.

Each queryset carries the joins and prefetches its serializer reads, so a
request runs the same number of SQL queries whatever the number of rows;
the base viewset restricts it to the rows the caller reaches.
"""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from modoboa.core.access import accessible_domain_ids
from modoboa.core.models import User
from modoboa.lib import validators
from modoboa.lib.api.viewsets import ModoboaViewSet, query_param

from .. import services
from ..models import Alias, AliasRecipient, Domain, DomainAlias, Mailbox, SenderAddress
from . import serializers

DOMAIN_FILTER = OpenApiParameter(
    "domain", OpenApiTypes.STR, description="Only the rows of this domain (its name)."
)


def _count(queryset, column):
    """A correlated ``COUNT(*)`` of ``queryset`` rows whose ``column`` is
    the outer row (a subquery, so counters never multiply joined rows).
    """
    counted = (
        queryset.filter(**{column: OuterRef("pk")})
        .order_by()
        .values(column)
        .annotate(total=Count("*"))
        .values("total")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


class DomainFilterMixin:
    """``?domain=<name>`` on the column ``domain_lookup``."""

    domain_lookup = "domain__name"

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        name = query_param(self.request, "domain", max_length=100)
        if name:
            queryset = queryset.filter(**{self.domain_lookup: name.lower()})
        return queryset


@extend_schema_view(
    list=extend_schema(summary="List the domains you manage", parameters=[DOMAIN_FILTER]),
    retrieve=extend_schema(summary="Read a domain"),
    create=extend_schema(summary="Create a domain"),
    update=extend_schema(summary="Change a domain (a new name renames it)"),
    partial_update=extend_schema(summary="Change some fields of a domain"),
    destroy=extend_schema(summary="Delete a domain with its mailboxes and aliases"),
)
class DomainViewSet(DomainFilterMixin, ModoboaViewSet):
    """Mail domains (relay domains included; create those at relaydomains/)."""

    queryset = Domain.objects.none()  # the model, for the schema
    serializer_class = serializers.DomainSerializer
    domain_lookup = "name"

    def get_base_queryset(self):
        return Domain.objects.annotate(
            mailbox_count=_count(Mailbox.objects.all(), "domain"),
            mbalias_count=_count(Alias.objects.filter(internal=False), "domain"),
            domainalias_count=_count(DomainAlias.objects.all(), "target"),
        ).order_by("name")

    def destroy_object(self, instance):
        self.call_service(services.delete_domain, instance)


@extend_schema_view(
    list=extend_schema(
        summary="List the domain aliases you manage",
        parameters=[
            OpenApiParameter(
                "domain", OpenApiTypes.STR, description="Only the aliases of this target domain."
            )
        ],
    ),
    retrieve=extend_schema(summary="Read a domain alias"),
    create=extend_schema(summary="Create a domain alias"),
    update=extend_schema(summary="Change a domain alias"),
    partial_update=extend_schema(summary="Change some fields of a domain alias"),
    destroy=extend_schema(summary="Delete a domain alias"),
)
class DomainAliasViewSet(DomainFilterMixin, ModoboaViewSet):
    """Domain aliases: other names of a domain."""

    queryset = DomainAlias.objects.none()  # the model, for the schema
    serializer_class = serializers.DomainAliasSerializer
    domain_lookup = "target__name"

    def get_base_queryset(self):
        return DomainAlias.objects.order_by("name")

    def destroy_object(self, instance):
        self.call_service(services.delete_domain_alias, instance)


def attach_administered_domains(accounts, caller):
    """Set ``administered_domains`` (names, sorted) on each of ``accounts``
    in one query: the domains each one has an access row on, among those
    ``caller`` reaches.

    Superusers administer no domain in particular (and may own thousands):
    they are left out.
    """
    names = {account.pk: [] for account in accounts}
    ids = [account.pk for account in accounts if not account.is_superuser]
    if ids:
        domains = Domain.objects.filter(owners__user_id__in=ids)
        if not caller.is_superuser:
            domains = domains.filter(pk__in=accessible_domain_ids(caller))
        for user_id, name in domains.order_by("name").values_list("owners__user_id", "name"):
            names[user_id].append(name)
    for account in accounts:
        account.administered_domains = names[account.pk]


# Columns a listed account needs (lists read no other).
ACCOUNT_LIST_FIELDS = (
    "id",
    "username",
    "first_name",
    "last_name",
    "is_active",
    "is_superuser",
    "master_user",
    "language",
    "phone_number",
    "secondary_email",
    "mailbox__id",
    "mailbox__address",
    "mailbox__quota",
    "mailbox__use_domain_quota",
    "mailbox__domain__name",
)


@extend_schema_view(
    list=extend_schema(
        summary="List the accounts you manage",
        parameters=[
            OpenApiParameter(
                "domain", OpenApiTypes.STR, description="Only the accounts of this domain."
            ),
            OpenApiParameter(
                "search",
                OpenApiTypes.STR,
                description="Accounts whose username, email, first or last name starts with "
                "this text.",
            ),
        ],
    ),
    retrieve=extend_schema(summary="Read an account"),
    create=extend_schema(summary="Create an account (with its mailbox)"),
    update=extend_schema(summary="Change an account"),
    partial_update=extend_schema(summary="Change some fields of an account"),
    destroy=extend_schema(summary="Delete an account and its mailbox"),
)
class AccountViewSet(DomainFilterMixin, ModoboaViewSet):
    """Accounts: administrators and mailbox owners."""

    queryset = User.objects.none()  # the model, for the schema
    serializer_class = serializers.AccountSerializer
    domain_lookup = "mailbox__domain__name"
    error_field_map = {
        "email": "mailbox",
        "quota": ("mailbox", "quota"),
        "use_domain_quota": ("mailbox", "use_domain_quota"),
    }

    def get_base_queryset(self):
        # The role comes with the row (one group per account) instead of a
        # prefetch of Group objects per chunk.
        group = Group.objects.filter(user=OuterRef("pk")).order_by("pk").values("name")[:1]
        queryset = (
            User.objects.select_related("mailbox__domain")
            .annotate(group_name=Subquery(group))
            .order_by("username")
        )
        if self.action == "list":
            queryset = queryset.only(*ACCOUNT_LIST_FIELDS)
        return queryset

    def prepare_rows(self, rows):
        for account in rows:
            account.know_role(account.group_name)
        attach_administered_domains(rows, self.request.user)

    def get_permissions(self):
        if self.action == "password":
            # Simple users may change their own password; the queryset keeps
            # everybody else out of their reach.
            return [IsAuthenticated()]
        return super().get_permissions()

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        search = query_param(self.request, "search")
        if search:
            queryset = queryset.filter(
                Q(username__istartswith=search)
                | Q(email__istartswith=search)
                | Q(first_name__istartswith=search)
                | Q(last_name__istartswith=search)
            )
        return queryset

    def destroy_object(self, instance):
        self.call_service(services.delete_account, instance)

    @extend_schema(
        summary="Change an account's password",
        description="Your own password (the current one is checked), or, for an "
        "administrator, the password of an account it manages.",
        request=serializers.PasswordChangeSerializer,
        responses={200: None},
    )
    @action(detail=True, methods=["put"], url_path="password")
    def password(self, request, pk=None):
        account = self.get_object()
        serializer = serializers.PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if account.pk == request.user.pk:
            services.change_own_password(account, data.get("password", ""), data["new_password"])
        else:
            self.call_service(services.set_account_password, account, data["new_password"])
        return Response(status=status.HTTP_200_OK)

    @extend_schema(
        summary="Tell whether an account with this email exists",
        description="Only accounts you manage are considered.",
        parameters=[
            OpenApiParameter(
                "email", OpenApiTypes.STR, required=True, description="Address to look for."
            )
        ],
        responses={200: serializers.AccountExistsSerializer},
    )
    @action(detail=False, methods=["get"], url_path="exists")
    def exists(self, request):
        email = (query_param(request, "email") or "").lower()
        if not email:
            raise ValidationError({"email": [_("This field is required.")]})
        try:
            validators.validate_email_address(email)
        except DjangoValidationError:
            raise ValidationError({"email": [_("Enter a valid email address.")]}) from None
        found = User.objects.get_for_admin(request.user).filter(email=email).exists()
        return Response({"exists": found})


@extend_schema_view(
    list=extend_schema(summary="List the aliases you manage", parameters=[DOMAIN_FILTER]),
    retrieve=extend_schema(summary="Read an alias"),
    create=extend_schema(summary="Create an alias"),
    update=extend_schema(summary="Change an alias"),
    partial_update=extend_schema(summary="Change some fields of an alias"),
    destroy=extend_schema(summary="Delete an alias"),
)
class AliasViewSet(DomainFilterMixin, ModoboaViewSet):
    """Aliases (internal ones, made by the platform, are not listed)."""

    queryset = Alias.objects.none()  # the model, for the schema
    serializer_class = serializers.AliasSerializer

    def get_base_queryset(self):
        return (
            Alias.objects.filter(internal=False)
            .prefetch_related(
                Prefetch("aliasrecipient_set", queryset=AliasRecipient.objects.order_by("address"))
            )
            .order_by("address")
        )

    def destroy_object(self, instance):
        self.call_service(services.delete_alias, instance)


@extend_schema_view(
    list=extend_schema(
        summary="List the sender addresses of the mailboxes you manage",
        parameters=[DOMAIN_FILTER],
    ),
    retrieve=extend_schema(summary="Read a sender address"),
    create=extend_schema(summary="Allow a mailbox to send as an address"),
    update=extend_schema(summary="Change a sender address"),
    partial_update=extend_schema(summary="Change some fields of a sender address"),
    destroy=extend_schema(summary="Delete a sender address"),
)
class SenderAddressViewSet(DomainFilterMixin, ModoboaViewSet):
    """Extra addresses mailboxes may send mail as."""

    queryset = SenderAddress.objects.none()  # the model, for the schema
    serializer_class = serializers.SenderAddressSerializer
    domain_lookup = "mailbox__domain__name"

    def get_base_queryset(self):
        return SenderAddress.objects.order_by("pk")

    def destroy_object(self, instance):
        self.call_service(services.delete_sender_address, instance)
