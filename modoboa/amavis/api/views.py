"""Quarantine endpoints: the same services and permission model as the console."""

import logging

from django.core.paginator import InvalidPage
from django.db import DatabaseError, transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework import serializers as drf_serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from modoboa.admin.models import Domain
from modoboa.lib.exceptions import BadRequest, NotFound
from modoboa.lib.listing import ListingPaginator

from .. import message
from ..dbrouter import amavis_alias
from ..services import learning, policies, quarantine, wblist
from . import serializers

STATUS_NAMES = {
    " ": "new",
    "V": "viewed",
    "R": "released",
    "p": "requested",
    "S": "spam",
    "H": "ham",
}
ERRORS = {code: OpenApiTypes.OBJECT for code in (400, 401, 403, 404)}
logger = logging.getLogger("modoboa.amavis")


class AmavisAPIView(APIView):
    """A 503 with a clear message, not a 500, when Amavis' database cannot
    be read; the savepoint keeps the request's transaction usable.
    """

    def dispatch(self, request, *args, **kwargs):
        try:
            with transaction.atomic(using=amavis_alias()):
                return super().dispatch(request, *args, **kwargs)
        except DatabaseError as exc:
            logger.error("Amavis database error: %s", exc)
            response = Response(
                {"non_field_errors": [_("The quarantine database cannot be read: %s") % exc]},
                status=503,
            )
            return self.finalize_response(
                getattr(self, "request", request), response, *args, **kwargs
            )


def _row(row):
    return {
        "mail_id": row.mail_id,
        "recipient": row.rid.email,
        "sender": row.mail.from_addr or "",
        "subject": row.mail.subject or "",
        "type": row.content,
        "score": row.mail.spam_level,
        "date": row.mail.time_iso,
        "status": STATUS_NAMES.get(row.rs, row.rs),
        "size": row.mail.size,
    }


class QuarantinePagination(PageNumberPagination):
    """The console's paging: rows counted up to ``quarantine.COUNT_LIMIT``.

    Past it, ``count`` is a lower bound (``count_capped`` is true): pages
    1 to ``COUNT_LIMIT / page_size`` are numbered, one more (also
    ``page=last``) holds the oldest rows, read backwards from the end;
    ``next`` links to the following page while there is one.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None, reversed_queryset=None):
        paginator = ListingPaginator(
            queryset,
            self.get_page_size(request),
            reversed_queryset,
            count_limit=quarantine.COUNT_LIMIT,
        )
        number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(number)
        except InvalidPage as exc:
            raise exceptions.NotFound(self.invalid_page_message) from exc
        self.request = request
        return list(self.page)

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.lower_bound if paginator.capped else paginator.count,
                "count_capped": paginator.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )


class QuarantinePageSerializer(drf_serializers.Serializer):
    """The page object the quarantine list always answers."""

    count = drf_serializers.IntegerField(
        help_text="The number of rows; a lower bound when count_capped is true."
    )
    count_capped = drf_serializers.BooleanField(
        help_text="True past 1,000 rows: they were counted up to there only (there are "
        "more than count); the numbered pages cover the newest rows, page=last the oldest."
    )
    next = drf_serializers.CharField(allow_null=True)
    previous = drf_serializers.CharField(allow_null=True)
    results = serializers.QuarantineRowSerializer(many=True)


class QuarantineList(AmavisAPIView):
    """Quarantined messages you may see, one row per recipient, newest first."""

    @extend_schema(
        summary="List quarantined messages",
        description="Always paginated (50 rows by default; page=last for the oldest). "
        "Rows are counted up to 1,000 like the console's list: past that, count is a "
        "lower bound and count_capped is true. Superadmins see every "
        "message, resellers and domain admins their domains', simple users their own.",
        parameters=[
            OpenApiParameter("type", OpenApiTypes.STR, description="Content type code."),
            OpenApiParameter("search", OpenApiTypes.STR, description="Text to look for."),
            OpenApiParameter(
                "criteria", OpenApiTypes.STR, description="from, subject, to or all."
            ),
            OpenApiParameter(
                "pending", OpenApiTypes.BOOL, description="Only pending release requests."
            ),
        ],
        responses={200: QuarantinePageSerializer, **ERRORS},
    )
    def get(self, request):
        params = request.query_params
        rows = quarantine.list_rows(
            request.user,
            content=params.get("type") or None,
            search=params.get("search", "")[:200],
            search_in=params.get("criteria", "all"),
            pending_only=params.get("pending") in ("1", "true"),
        )
        paginator = QuarantinePagination()
        page = paginator.paginate_queryset(
            rows.order_by("-mail__time_num", quarantine.message_key().desc()),
            request,
            view=self,
            reversed_queryset=rows.order_by("mail__time_num", quarantine.message_key().asc()),
        )
        return paginator.get_paginated_response([_row(row) for row in page])


class QuarantineDetail(AmavisAPIView):
    """One quarantined message."""

    @extend_schema(
        summary="Read a quarantined message",
        description="Headers, text, sanitised HTML and the list of attachments.",
        responses={200: serializers.MessageSerializer, **ERRORS},
    )
    def get(self, request, mail_id):
        rows = quarantine.get_rows(request.user, mail_id, request.query_params.get("rcpt"))
        parsed = message.parse(quarantine.message_source(mail_id))
        quarantine.mark_viewed(rows)
        return Response(
            {
                "mail_id": mail_id,
                "recipients": [row.rid.email for row in rows],
                "headers": [list(pair) for pair in parsed["headers"]],
                "text": parsed["text"],
                "html": parsed["html"],
                "attachments": parsed["attachments"],
            }
        )


class QuarantineAction(AmavisAPIView):
    """Release, delete, or mark a message as spam or not spam."""

    action_name = None

    @extend_schema(
        summary="Act on a quarantined message",
        description="release (a simple user without direct release sends a request), "
        "delete, mark_spam or mark_ham (trains SpamAssassin's Bayes database).",
        request=serializers.ActionSerializer,
        responses={200: serializers.ActionResultSerializer, **ERRORS},
    )
    def post(self, request, mail_id):
        data = serializers.ActionSerializer(data=request.data)
        if not data.is_valid():
            raise BadRequest(errors=data.errors)
        rcpt = data.validated_data.get("rcpt") or None
        if self.action_name == "release":
            result = quarantine.release(request.user, mail_id, rcpt=rcpt)
        elif self.action_name == "delete":
            quarantine.delete(request.user, mail_id, rcpt=rcpt)
            result = "deleted"
        else:
            spam = self.action_name == "mark_spam"
            level = learning.mark(
                request.user,
                mail_id,
                spam=spam,
                level=data.validated_data.get("level"),
                rcpt=rcpt,
            )
            result = "%s (%s)" % ("spam" if spam else "ham", level)
        return Response({"result": result})


class ContentFilter(AmavisAPIView):
    """The content-filter settings of a domain."""

    def _domain(self, request, pk):
        domain = get_object_or_404(Domain, pk=pk, type="domain")
        if not quarantine.is_admin(request.user) or not request.user.can_access(domain):
            raise NotFound()
        return domain

    @extend_schema(
        summary="Read a domain's content filter",
        description="Virus, spam and banned filters and spam levels (Amavis' policy).",
        responses={200: serializers.ContentFilterSerializer, **ERRORS},
    )
    def get(self, request, pk):
        return Response(policies.get_content_filter(self._domain(request, pk)))

    @extend_schema(
        summary="Change a domain's content filter",
        description="Only the given fields change; null restores Amavis' default.",
        request=serializers.ContentFilterSerializer,
        responses={200: serializers.ContentFilterSerializer, **ERRORS},
    )
    def patch(self, request, pk):
        domain = self._domain(request, pk)
        data = serializers.ContentFilterSerializer(data=request.data, partial=True)
        if not data.is_valid():
            raise BadRequest(errors=data.errors)
        result = policies.update_content_filter(
            domain, acting_user=request.user, **data.validated_data
        )
        return Response(result)


class SenderLists(AmavisAPIView):
    """Allow and block lists of senders of a recipient (@domain or address)."""

    @extend_schema(
        summary="Read the allow and block lists of a recipient",
        description="owner: @domain or an address you manage.",
        parameters=[
            OpenApiParameter("owner", OpenApiTypes.STR, required=True, description="Recipient.")
        ],
        responses={200: serializers.ListEntrySerializer(many=True), **ERRORS},
    )
    def get(self, request):
        owner = request.query_params.get("owner", "")
        entries = wblist.entries(request.user, owner)
        return Response(
            [{"owner": owner, "sender": sender, "kind": kind} for sender, kind in entries]
        )

    @extend_schema(
        summary="Allow or block a sender",
        description="Replaces any entry of the same sender for this recipient.",
        request=serializers.ListEntrySerializer,
        responses={201: serializers.ListEntrySerializer, **ERRORS},
    )
    def post(self, request):
        data = serializers.ListEntrySerializer(data=request.data)
        if not data.is_valid():
            raise BadRequest(errors=data.errors)
        wblist.set_entry(request.user, **data.validated_data)
        return Response(data.validated_data, status=201)

    @extend_schema(
        summary="Remove a sender from the lists",
        description="The body names the owner and the sender.",
        request=serializers.ListEntrySerializer,
        responses={204: None, **ERRORS},
    )
    def delete(self, request):
        owner = request.data.get("owner", "") if hasattr(request.data, "get") else ""
        sender = request.data.get("sender", "") if hasattr(request.data, "get") else ""
        wblist.remove_entry(request.user, owner, sender)
        return Response(status=204)
