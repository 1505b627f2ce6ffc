"""Endpoints of the DMARC extension: the reports received about the
domains the caller manages, and a domain's aggregated results.
"""

from django.db.models import Exists, OuterRef
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from modoboa.admin.models import Domain
from modoboa.core.access import filter_for_admin
from modoboa.lib.api.fields import MAX_INT
from modoboa.lib.api.permissions import IsAdministrator
from modoboa.lib.api.viewsets import ModoboaViewSet, query_param
from modoboa.parameters import tools as param_tools

from ..models import Record, Report
from ..services import summary as summary_service
from . import serializers

DOMAIN_FILTER = OpenApiParameter(
    "domain", OpenApiTypes.STR, description="Only the reports about this domain (its name)."
)
PERIOD_PARAMETERS = [
    OpenApiParameter("week", OpenApiTypes.STR, description="ISO week, e.g. 2026-W49."),
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day (with end)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day, included (with start)."),
]


@extend_schema_view(
    list=extend_schema(
        summary="List the DMARC reports about your domains", parameters=[DOMAIN_FILTER]
    ),
    retrieve=extend_schema(summary="Read a DMARC report"),
)
class ReportViewSet(ModoboaViewSet):
    """DMARC aggregate reports received about the domains you manage."""

    queryset = Report.objects.none()
    serializer_class = serializers.ReportSerializer
    http_method_names = ["get", "head", "options"]

    def get_base_queryset(self):
        return Report.objects.select_related("reporter").order_by("-start_date", "pk")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        name = query_param(self.request, "domain", max_length=100)
        if name:
            queryset = queryset.filter(
                Exists(
                    Record.objects.filter(report=OuterRef("pk"), header_from__name=name.lower())
                )
            )
        return queryset


def reachable_domain(request, pk):
    """The domain ``pk`` if the caller administers it, else 404."""
    if pk > MAX_INT:
        raise Http404
    domain = filter_for_admin(request.user, Domain.objects.all()).filter(pk=pk).first()
    if domain is None:
        raise Http404
    return domain


def requested_period(request, domain):
    """The period of the query (the latest report's week by default)."""
    params = {name: query_param(request, name, max_length=20) for name in ("week", "start", "end")}
    params = {name: value for name, value in params.items() if value}
    try:
        if params:
            return summary_service.parse_period(params)
        return summary_service.parse_period({}, default_day=summary_service.latest_day(domain))
    except summary_service.PeriodError as exc:
        raise ValidationError({exc.field: [exc.message]}) from None


class DomainSummaryView(GenericAPIView):
    """Aggregated DMARC results of a domain over a period (a week by
    default: the one of the latest report).
    """

    permission_classes = [IsAdministrator]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    serializer_class = serializers.SummarySerializer

    @extend_schema(
        summary="Read the aggregated DMARC results of a domain",
        parameters=PERIOD_PARAMETERS,
    )
    def get(self, request, pk):
        domain = reachable_domain(request, pk)
        period = requested_period(request, domain)
        rlookups = param_tools.get_global_parameter("enable_rlookups", app="dmarc")
        summary = summary_service.summarize(domain, period, rlookups=rlookups)
        data = serializers.summary_data(domain, summary)
        return Response(self.get_serializer(data).data)


class DomainSourcesView(GenericAPIView):
    """Every source of a domain over a period, trusted or threats, 100 a
    page in the order of the summary (whose lists are the first page).
    """

    permission_classes = [IsAdministrator]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    serializer_class = serializers.SourcePageSerializer

    @extend_schema(
        summary="List the sources of a domain's DMARC results, a page at a time",
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter(
                "kind",
                OpenApiTypes.STR,
                enum=["trusted", "threats"],
                description="Default: trusted.",
            ),
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number (from 1)."),
        ],
    )
    def get(self, request, pk):
        domain = reachable_domain(request, pk)
        period = requested_period(request, domain)
        kind = query_param(request, "kind", max_length=20) or "trusted"
        try:
            passed = summary_service.parse_kind(kind)
            page = summary_service.parse_page(query_param(request, "page", max_length=20))
        except summary_service.PeriodError as exc:
            raise ValidationError({exc.field: [exc.message]}) from None
        sources, has_next = summary_service.sources_page(domain, period, passed, page)
        rlookups = param_tools.get_global_parameter("enable_rlookups", app="dmarc")
        names = {}
        if rlookups:
            names = summary_service.reverse_names({source.ip for source in sources})
        for source in sources:
            source.hostname = names.get(source.ip, "")
        data = {
            "domain": domain.name,
            "start": period.start,
            "end": period.end,
            "kind": kind,
            "page": page,
            "next_page": page + 1 if has_next else None,
            "sources": [vars(source) for source in sources],
        }
        return Response(self.get_serializer(data).data)
