"""Calendars and their sharing rules over the API.

The same rules as the console (``services``): a user manages its own
calendars and shares them with the mailboxes of its domain; an
administrator manages the calendars of the mailboxes it reaches (when the
``allow_calendars_administration`` parameter allows it, super
administrators always) and shares them with the mailboxes it reaches.
Shared calendars are listed to the users of their domain and managed by
the administrators who reach that domain.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from modoboa.admin.models import Domain
from modoboa.lib.api.services import ServiceErrorsMixin, service_caller

from .. import client, services
from . import serializers

TAGS = ["calendars"]


_call = service_caller(unavailable=client.RadicaleError)


def _url(path):
    try:
        return client.collection_url(path)
    except client.RadicaleError:
        return ""


def _user_calendar(calendar):
    return {
        "pk": calendar.pk,
        "name": calendar.name,
        "mailbox": calendar.mailbox.full_address,
        "url": _url(calendar.path),
    }


def _shared_calendar(calendar):
    return {
        "pk": calendar.pk,
        "name": calendar.name,
        "domain": calendar.domain.name,
        "url": _url(calendar.path),
    }


def _admin_allowed(user):
    return services.administration_allowed(user)


class _Base(ServiceErrorsMixin, APIView):
    permission_classes = [IsAuthenticated]

    def user_calendar(self, request, pk):
        calendar = services.user_calendars_for(request.user).filter(pk=pk).first()
        if calendar is None:
            raise NotFound(_("No such calendar"))
        return calendar


class CalendarListView(_Base):
    serializer_class = serializers.CalendarSerializer

    @extend_schema(
        operation_id="calendars_list",
        tags=TAGS,
        summary="List the calendars you manage",
        description="Your calendars, and for administrators those of the mailboxes they reach.",
        responses={200: serializers.CalendarSerializer(many=True)},
    )
    def get(self, request):
        calendars = services.user_calendars_for(request.user).order_by("pk")[:1000]
        return Response([_user_calendar(c) for c in calendars])

    @extend_schema(
        operation_id="calendars_create",
        tags=TAGS,
        summary="Create a calendar",
        description="Created on the Radicale server too; 503 when it does not answer.",
        request=serializers.CalendarSerializer,
        responses={201: serializers.CalendarSerializer, 503: None},
    )
    def post(self, request):
        serializer = serializers.CalendarSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        mailbox = _call(
            services.calendar_owner, request.user, serializer.validated_data.get("mailbox", "")
        )
        calendar = _call(
            services.create_user_calendar,
            acting_user=request.user,
            mailbox=mailbox,
            name=serializer.validated_data["name"],
        )
        return Response(_user_calendar(calendar), status=201)


class CalendarDetailView(_Base):
    serializer_class = serializers.CalendarSerializer

    @extend_schema(
        operation_id="calendars_retrieve",
        tags=TAGS,
        summary="Read a calendar",
        description="One calendar you manage, with its URL.",
        responses={200: serializers.CalendarSerializer},
    )
    def get(self, request, pk):
        return Response(_user_calendar(self.user_calendar(request, pk)))

    @extend_schema(
        operation_id="calendars_destroy",
        tags=TAGS,
        summary="Delete a calendar",
        description="Its events on the server and its sharing rules go too.",
        responses={204: None, 503: None},
    )
    def delete(self, request, pk):
        calendar = self.user_calendar(request, pk)
        _call(services.delete_calendar, calendar, acting_user=request.user)
        return Response(status=204)


class AccessRuleListView(_Base):
    serializer_class = serializers.AccessRuleSerializer

    @extend_schema(
        operation_id="calendars_rules_list",
        tags=TAGS,
        summary="List the sharing rules of a calendar",
        description="Who may read, and write, one of the calendars you manage.",
        responses={200: serializers.AccessRuleSerializer(many=True)},
    )
    def get(self, request, pk):
        calendar = self.user_calendar(request, pk)
        rules = calendar.rules.select_related("mailbox__domain").order_by("pk")[:1000]
        return Response(
            [{"mailbox": r.mailbox.full_address, "read": r.read, "write": r.write} for r in rules]
        )

    @extend_schema(
        operation_id="calendars_rules_set",
        tags=TAGS,
        summary="Share a calendar with a mailbox",
        description=(
            "Sets what the mailbox may do (write implies read); neither removes "
            "the rule (204). A user shares with the mailboxes of its domain, an "
            "administrator with the mailboxes it reaches."
        ),
        request=serializers.AccessRuleSerializer,
        responses={200: serializers.AccessRuleSerializer, 204: None},
    )
    def post(self, request, pk):
        calendar = self.user_calendar(request, pk)
        serializer = serializers.AccessRuleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        rule = _call(
            services.set_access_rule,
            calendar,
            acting_user=request.user,
            address=data["mailbox"],
            read=data["read"],
            write=data["write"],
        )
        if rule is None:
            return Response(status=204)
        return Response(
            {"mailbox": rule.mailbox.full_address, "read": rule.read, "write": rule.write}
        )


class SharedCalendarListView(_Base):
    serializer_class = serializers.SharedCalendarSerializer

    @extend_schema(
        operation_id="shared_calendars_list",
        tags=TAGS,
        summary="List the shared calendars",
        description="Those of your domain, and for administrators of the domains they reach.",
        responses={200: serializers.SharedCalendarSerializer(many=True)},
    )
    def get(self, request):
        calendars = services.shared_calendars_for(request.user).order_by("pk")[:1000]
        return Response([_shared_calendar(c) for c in calendars])

    @extend_schema(
        operation_id="shared_calendars_create",
        tags=TAGS,
        summary="Create a shared calendar",
        description="For administrators of the domain; every mailbox of it reads and writes it.",
        request=serializers.SharedCalendarSerializer,
        responses={201: serializers.SharedCalendarSerializer, 503: None},
    )
    def post(self, request):
        if not _admin_allowed(request.user):
            raise PermissionDenied(_("You are not allowed to manage this calendar"))
        serializer = serializers.SharedCalendarSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        name = serializer.validated_data["domain"].strip().lower()
        domain = Domain.objects.filter(name=name).first()
        if domain is None or not (request.user.is_superuser or request.user.can_access(domain)):
            raise ValidationError({"domain": [_("No domain %s") % name]})
        calendar = _call(
            services.create_shared_calendar,
            acting_user=request.user,
            domain=domain,
            name=serializer.validated_data["name"],
        )
        return Response(_shared_calendar(calendar), status=201)


class SharedCalendarDetailView(_Base):
    serializer_class = serializers.SharedCalendarSerializer

    def shared(self, request, pk):
        calendar = services.shared_calendars_for(request.user).filter(pk=pk).first()
        if calendar is None:
            raise NotFound(_("No such calendar"))
        return calendar

    @extend_schema(
        operation_id="shared_calendars_retrieve",
        tags=TAGS,
        summary="Read a shared calendar",
        description="One shared calendar you see, with its URL.",
        responses={200: serializers.SharedCalendarSerializer},
    )
    def get(self, request, pk):
        return Response(_shared_calendar(self.shared(request, pk)))

    @extend_schema(
        operation_id="shared_calendars_destroy",
        tags=TAGS,
        summary="Delete a shared calendar",
        description="For administrators of its domain; its events go too.",
        responses={204: None, 503: None},
    )
    def delete(self, request, pk):
        calendar = self.shared(request, pk)
        if not _admin_allowed(request.user):
            raise PermissionDenied(_("You are not allowed to manage this calendar"))
        _call(services.delete_calendar, calendar, acting_user=request.user)
        return Response(status=204)
