"""The away message of an account, for the account itself and for the
administrators who reach it.
"""

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from modoboa.core.models import User

from .. import services
from .serializers import ARmessageSerializer


def _mailbox(request, pk):
    account = get_object_or_404(User.objects.select_related("mailbox__domain"), pk=pk)
    if account.pk != request.user.pk and not request.user.can_access(account):
        raise NotFound()
    mailbox = account.mailbox_or_none
    if mailbox is None:
        raise NotFound("This account has no mailbox.")
    return mailbox


def _answer(message):
    return {
        "subject": message.subject,
        "content": message.content,
        "enabled": message.enabled,
        "fromdate": message.fromdate,
        "untildate": message.untildate,
    }


class ARmessageView(APIView):
    """The away message of account ``pk``."""

    permission_classes = [IsAuthenticated]
    serializer_class = ARmessageSerializer

    @extend_schema(
        operation_id="autoreply_retrieve",
        tags=["autoreply"],
        summary="Read the away message of an account",
        description=(
            "The account itself or an administrator who reaches it. An account "
            "that never set one gets the default subject and body, disabled."
        ),
        responses={200: ARmessageSerializer},
    )
    def get(self, request, pk):
        message = services.get_message(_mailbox(request, pk))
        return Response(ARmessageSerializer(_answer(message)).data)

    @extend_schema(
        operation_id="autoreply_update",
        tags=["autoreply"],
        summary="Set the away message of an account",
        description=(
            "Saves the message and has the mail server apply it (a Sieve vacation "
            "rule, or 1.10's Postfix pipe, per the 'mode' parameter). A mail server "
            "that refuses leaves everything as it was (400)."
        ),
        request=ARmessageSerializer,
        responses={200: ARmessageSerializer},
    )
    def put(self, request, pk):
        mailbox = _mailbox(request, pk)
        serializer = ARmessageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            message = services.set_message(
                mailbox, acting_user=request.user, **serializer.validated_data
            )
        return Response(ARmessageSerializer(_answer(message)).data)
