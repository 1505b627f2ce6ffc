"""The ``statistics/`` and ``maillog/`` endpoints: the same services, hence
the same permissions, as the console pages.
"""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from modoboa.lib.api.permissions import IsAdministrator

from .. import services
from . import serializers


class StatisticsView(APIView):
    """Traffic counters (or account creations) of a scope over a period."""

    permission_classes = [IsAuthenticated, IsAdministrator]

    @extend_schema(
        summary="Statistics series of a domain or of the server",
        parameters=[serializers.StatisticsQuerySerializer],
        responses=serializers.SeriesSerializer,
    )
    def get(self, request):
        query = serializers.StatisticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        arguments = (data["period"], data.get("start"), data.get("end"))
        if data["graph"] == "accounts":
            result = services.account_series(request.user, *arguments)
        else:
            result = services.series(request.user, data.get("scope", ""), *arguments)
        return Response(serializers.SeriesSerializer(result).data)


class MaillogView(APIView):
    """Search the message log (newest first, one page at a time)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Search the message log",
        parameters=[serializers.MaillogQuerySerializer],
        responses=serializers.MaillogPageSerializer,
    )
    def get(self, request):
        query = serializers.MaillogQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = dict(query.validated_data)
        page, size = data.pop("page"), data.pop("page_size")
        rows, has_next = services.page_of(
            services.search_messages(request.user, **data), page, size
        )
        return Response(
            serializers.MaillogPageSerializer(
                {"page": page, "page_size": size, "has_next": has_next, "results": rows}
            ).data
        )
