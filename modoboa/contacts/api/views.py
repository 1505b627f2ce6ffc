"""The caller's own address book: contacts and categories.

Any account with a mailbox, for its own book only: nobody, administrators
included, reads another account's contacts (see docs/security.rst). Writes
go to the Radicale server first; when it does not answer the API says 503
and nothing changes.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from modoboa.lib.api.services import ServiceErrorsMixin, service_caller
from modoboa.lib.exceptions import NotFound as ServiceNotFound

from .. import carddav, services
from ..models import Category
from . import serializers

TAGS = ["contacts"]


_call = service_caller(
    conflict=carddav.PreconditionFailed,
    unavailable=carddav.CardDAVError,
    not_found=ServiceNotFound,
)


class ContactPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


class _Base(ServiceErrorsMixin, APIView):
    permission_classes = [IsAuthenticated]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.user.mailbox_or_none is None:
            raise PermissionDenied("Only accounts with a mailbox have an address book.")

    def contact(self, request, pk):
        return _call(services.get_contact, request.user, pk)

    def category(self, request, pk):
        category = Category.objects.filter(user=request.user, pk=pk).first()
        if category is None:
            raise NotFound("No such category.")
        return category


class ContactListView(_Base):
    serializer_class = serializers.ContactSerializer

    @extend_schema(
        operation_id="contacts_list",
        tags=TAGS,
        summary="List your contacts",
        description=(
            "A page of the contacts of your address book, read again from the "
            "server first (a phone's changes appear); when the server does not "
            "answer, the last copy is listed."
        ),
        parameters=[
            OpenApiParameter("search", str, description="Part of a name, company or address."),
            OpenApiParameter("category", int, description="Only the contacts of this category."),
            OpenApiParameter("page", int, description="Page number (from 1)."),
            OpenApiParameter("page_size", int, description="Rows per page (at most 1000)."),
        ],
        responses={200: serializers.ContactSerializer(many=True)},
    )
    def get(self, request):
        try:
            services.sync(request.user)
        except carddav.CardDAVError:
            pass
        category = None
        raw = request.query_params.get("category")
        if raw is not None:
            if not raw.isdigit():
                raise ValidationError({"category": ["A category identifier is expected."]})
            category = self.category(request, int(raw))
        queryset = services.contacts_for(
            request.user, query=request.query_params.get("search", "")[:100], category=category
        )
        paginator = ContactPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(
            serializers.ContactSerializer(page, many=True).data
        )

    @extend_schema(
        operation_id="contacts_create",
        tags=TAGS,
        summary="Create a contact",
        description="Stored on the server as a vCard, then listed; 503 if the server is down.",
        request=serializers.ContactSerializer,
        responses={201: serializers.ContactSerializer, 503: None},
    )
    def post(self, request):
        serializer = serializers.ContactSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact = _call(services.create_contact, request.user, serializer.service_values())
        return Response(serializers.ContactSerializer(contact).data, status=201)


class ContactDetailView(_Base):
    serializer_class = serializers.ContactSerializer

    @extend_schema(
        operation_id="contacts_retrieve",
        tags=TAGS,
        summary="Read a contact",
        description="One contact of your address book.",
        responses={200: serializers.ContactSerializer},
    )
    def get(self, request, pk):
        return Response(serializers.ContactSerializer(self.contact(request, pk)).data)

    def _update(self, request, pk, partial):
        contact = self.contact(request, pk)
        current = serializers.ContactSerializer(contact).data
        serializer = serializers.ContactSerializer(
            data={**current, **request.data} if partial else request.data
        )
        serializer.is_valid(raise_exception=True)
        contact = _call(
            services.update_contact, request.user, contact, serializer.service_values()
        )
        return Response(serializers.ContactSerializer(contact).data)

    @extend_schema(
        operation_id="contacts_update",
        tags=TAGS,
        summary="Replace a contact",
        description=(
            "The card on the server is replaced if it did not change since it was "
            "read (409 otherwise: the book is read again)."
        ),
        request=serializers.ContactSerializer,
        responses={200: serializers.ContactSerializer, 409: None, 503: None},
    )
    def put(self, request, pk):
        return self._update(request, pk, partial=False)

    @extend_schema(
        operation_id="contacts_partial_update",
        tags=TAGS,
        summary="Change some fields of a contact",
        description="As a replacement, keeping the fields not sent.",
        request=serializers.ContactSerializer,
        responses={200: serializers.ContactSerializer, 409: None, 503: None},
    )
    def patch(self, request, pk):
        if not isinstance(request.data, dict):
            raise ValidationError({"detail": ["A JSON object is expected."]})
        return self._update(request, pk, partial=True)

    @extend_schema(
        operation_id="contacts_destroy",
        tags=TAGS,
        summary="Delete a contact",
        description="Removed from the server, then from the list.",
        responses={204: None, 409: None, 503: None},
    )
    def delete(self, request, pk):
        _call(services.delete_contact, request.user, self.contact(request, pk))
        return Response(status=204)


class CategoryListView(_Base):
    serializer_class = serializers.CategorySerializer

    @extend_schema(
        operation_id="contact_categories_list",
        tags=TAGS,
        summary="List your contact categories",
        description="The categories of your address book, by name.",
        responses={200: serializers.CategorySerializer(many=True)},
    )
    def get(self, request):
        categories = services.categories_for(request.user)[:1000]
        return Response(serializers.CategorySerializer(categories, many=True).data)

    @extend_schema(
        operation_id="contact_categories_create",
        tags=TAGS,
        summary="Create a contact category",
        description="A name not used by another of your categories.",
        request=serializers.CategorySerializer,
        responses={201: serializers.CategorySerializer},
    )
    def post(self, request):
        serializer = serializers.CategorySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        category = _call(services.create_category, request.user, serializer.validated_data["name"])
        return Response(serializers.CategorySerializer(category).data, status=201)


class CategoryDetailView(_Base):
    serializer_class = serializers.CategorySerializer

    @extend_schema(
        operation_id="contact_categories_retrieve",
        tags=TAGS,
        summary="Read a contact category",
        description="One of your categories.",
        responses={200: serializers.CategorySerializer},
    )
    def get(self, request, pk):
        return Response(serializers.CategorySerializer(self.category(request, pk)).data)

    @extend_schema(
        operation_id="contact_categories_update",
        tags=TAGS,
        summary="Rename a contact category",
        description="The cards of its contacts are written again with the new name.",
        request=serializers.CategorySerializer,
        responses={200: serializers.CategorySerializer, 503: None},
    )
    def put(self, request, pk):
        category = self.category(request, pk)
        serializer = serializers.CategorySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        category = _call(
            services.rename_category, request.user, category, serializer.validated_data["name"]
        )
        return Response(serializers.CategorySerializer(category).data)

    @extend_schema(
        operation_id="contact_categories_partial_update",
        tags=TAGS,
        summary="Rename a contact category (PATCH)",
        description="As PUT: the name is the only field.",
        request=serializers.CategorySerializer,
        responses={200: serializers.CategorySerializer, 503: None},
    )
    def patch(self, request, pk):
        return self.put(request, pk)

    @extend_schema(
        operation_id="contact_categories_destroy",
        tags=TAGS,
        summary="Delete a contact category",
        description="Its contacts stay, without it.",
        responses={204: None, 503: None},
    )
    def delete(self, request, pk):
        _call(services.delete_category, request.user, self.category(request, pk))
        return Response(status=204)
