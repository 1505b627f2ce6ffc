"""API of the writing side: the From choices, the address book completion,
sending and saving a draft (the connected user's own mailbox only).

The fields are the compose page's (validated by the same form and the same
services): ``sender``, ``to``, ``cc``, ``bcc`` (``Name <addr>, ...``),
``subject``, ``body``, ``mode`` (plain or html), ``attachments`` (files of
a multipart request), ``draft_uid`` and ``keep`` (the indexes of the draft's
or the forwarded message's attachments to keep) and, for a reply or a
forward, ``action``, ``folder`` and ``uid`` of the original.
"""

from django.core.exceptions import SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import imap
from . import forms, services, views
from . import message as compose_message
from .senders import allowed_senders
from .smtp import SubmissionError

TAGS = ["webmail"]


class ComposeSerializer(serializers.Serializer):
    """The shape of a message to send or save (documentation only: the
    compose form validates it).
    """

    sender = serializers.CharField(help_text="From: one of the senders endpoint's addresses.")
    to = serializers.CharField(required=False, help_text="Recipients: 'Name <addr>, addr'.")
    cc = serializers.CharField(required=False, help_text="Copy recipients.")
    bcc = serializers.CharField(required=False, help_text="Hidden recipients.")
    subject = serializers.CharField(required=False, help_text="Subject (one line).")
    body = serializers.CharField(required=False, help_text="Text, or HTML when mode is html.")
    mode = serializers.ChoiceField(
        choices=["plain", "html"], required=False, help_text="Format of the body."
    )
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text="Files (multipart request); the webmail's size limit applies to their sum.",
    )
    draft_uid = serializers.IntegerField(
        required=False, help_text="UID of the draft (in Drafts) this message replaces."
    )
    keep = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Indexes of the draft's or forwarded message's attachments to keep.",
    )
    action = serializers.ChoiceField(
        choices=list(services.ACTIONS),
        required=False,
        help_text="reply, replyall, forward or forward_attachment of folder/uid.",
    )
    folder = serializers.CharField(required=False, help_text="Folder of the original.")
    uid = serializers.IntegerField(required=False, help_text="UID of the original.")


def _status(exc):
    if isinstance(exc, imap.MailboxUnavailable):
        return status.HTTP_403_FORBIDDEN
    if isinstance(exc, (imap.FolderNotFound, services.MessageNotFound)):
        return status.HTTP_404_NOT_FOUND
    if isinstance(exc, imap.ImapUnavailable):
        return status.HTTP_503_SERVICE_UNAVAILABLE
    return status.HTTP_400_BAD_REQUEST


def _errors(form):
    return {name: [str(error) for error in errors] for name, errors in form.errors.items()}


class _Base(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def handle_exception(self, exc):
        if isinstance(exc, SuspiciousOperation):
            # Too many fields or too large a body: still a JSON answer.
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, imap.WebmailError):
            return Response({"detail": str(exc)}, status=_status(exc))
        return super().handle_exception(exc)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if getattr(request.user, "mailbox_or_none", None) is None:
            self.permission_denied(request, message="Only accounts with a mailbox have a webmail.")


class SendersView(_Base):
    @extend_schema(
        operation_id="webmail_senders",
        tags=TAGS,
        summary="Your From addresses",
        description="Your address, the aliases delivering to you, your extra sender addresses.",
        responses={200: inline_serializer("Senders", {"senders": serializers.ListField()})},
    )
    def get(self, request):
        return Response({"senders": allowed_senders(request.user)})


class RecipientsView(_Base):
    @extend_schema(
        operation_id="webmail_recipients",
        tags=TAGS,
        summary="Complete a recipient",
        description="Matches of ?q= in the address books (the contacts extension answers).",
        responses={200: inline_serializer("Recipients", {"results": serializers.ListField()})},
    )
    def get(self, request):
        return Response(
            {"results": views.search_address_book(request.user, request.query_params.get("q"))}
        )


class _ComposeView(_Base):
    serializer_class = ComposeSerializer
    sending = True

    def post(self, request):
        data = request.data
        if not isinstance(data, dict):
            return Response(
                {"detail": ["Send an object of the compose fields."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        origin = None
        if data.get("action"):
            try:
                origin = views.parse_origin(
                    data.get("action"), data.get("folder"), data.get("uid")
                )
            except DjangoValidationError as exc:
                return Response({"action": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        draft_uid = data.get("draft_uid") or None
        try:
            draft_uid = int(draft_uid) if draft_uid is not None else None
        except (TypeError, ValueError):
            return Response(
                {"draft_uid": ["Enter a whole number."]}, status=status.HTTP_400_BAD_REQUEST
            )
        _fields, kept = services.initial(request.user, origin=origin, draft_uid=draft_uid)
        form = forms.ComposeForm(request.user, data, request.FILES, kept=kept)
        if not form.is_valid() or (self.sending and not form.require_recipient()):
            return Response(_errors(form), status=status.HTTP_400_BAD_REQUEST)
        try:
            return self.act(request, views.composition(form, origin))
        except compose_message.ComposeError as exc:
            return Response({exc.field: [exc.message]}, status=status.HTTP_400_BAD_REQUEST)
        except SubmissionError as exc:
            return Response(
                {exc.field or "detail": [exc.message]},
                status=status.HTTP_400_BAD_REQUEST if exc.field else status.HTTP_502_BAD_GATEWAY,
            )


class SendView(_ComposeView):
    @extend_schema(
        operation_id="webmail_send",
        tags=TAGS,
        summary="Send a message",
        description=(
            "Sent through authenticated submission as you; a copy goes to Sent, the draft "
            "is removed, the original of a reply or forward is flagged. 400 names the field "
            "at fault (nothing sent); 502 when the SMTP server fails."
        ),
        request={"multipart/form-data": ComposeSerializer, "application/json": ComposeSerializer},
        responses={
            201: inline_serializer(
                "Sent",
                {"refused": serializers.DictField(), "warnings": serializers.ListField()},
            )
        },
    )
    def post(self, request):
        return super().post(request)

    def act(self, request, composition):
        result = services.send(request.user, composition)
        return Response(
            {"refused": result.refused, "warnings": result.warnings},
            status=status.HTTP_201_CREATED,
        )


class DraftView(_ComposeView):
    sending = False

    @extend_schema(
        operation_id="webmail_save_draft",
        tags=TAGS,
        summary="Save a draft",
        description="Appended to Drafts (replacing draft_uid); answers the new draft's UID.",
        request={"multipart/form-data": ComposeSerializer, "application/json": ComposeSerializer},
        responses={201: inline_serializer("DraftSaved", {"uid": serializers.IntegerField()})},
    )
    def post(self, request):
        return super().post(request)

    def act(self, request, composition):
        uid = services.save_draft(request.user, composition)
        return Response({"uid": uid}, status=status.HTTP_201_CREATED)
