"""The connected user's folders and messages (its own mailbox only, opened
through the master login). Accounts without a mailbox get 403; the IMAP
server down, 503.
"""

import datetime
from urllib.parse import urlencode

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from modoboa.lib.api.parsers import JSONParser
from modoboa.lib.api.services import ServiceErrorsMixin, ServiceUnavailable

from .. import folders as folder_ops
from .. import imap, parts
from .. import messages as message_ops
from ..app_settings import user_value
from ..sanitize import clean_html
from . import serializers

UNAVAILABLE = OpenApiResponse(description="The IMAP server does not answer.")
TAGS = ["webmail"]


def _mailbox_user(request):
    if getattr(request.user, "mailbox_or_none", None) is None:
        raise PermissionDenied("The webmail is for accounts having a mailbox.")
    return request.user


def _run(request, operation, field="detail", mark_seen=False):
    """Open the user's mailbox, run ``operation(client)``; errors become
    API answers.
    """
    user = _mailbox_user(request)
    try:
        with imap.open_mailbox(user) as client:
            return operation(client, user)
    except imap.FolderNotFound as exc:
        raise NotFound(str(exc)) from exc
    except imap.MailboxUnavailable as exc:
        raise PermissionDenied(str(exc)) from exc
    except imap.ImapUnavailable as exc:
        raise ServiceUnavailable(str(exc)) from exc
    except imap.WebmailError as exc:
        raise ValidationError({field: [str(exc)]}) from exc
    finally:
        if request.method != "GET" or mark_seen:
            # The pages' kept folder counters are out of date.
            folder_ops.forget_sidebar(user)


class _Base(ServiceErrorsMixin, APIView):
    permission_classes = [IsAuthenticated]
    # Bodies are JSON, as everywhere in the API.
    parser_classes = [JSONParser]

    def valid(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class FolderListView(_Base):
    @extend_schema(
        operation_id="webmail_folders_list",
        tags=TAGS,
        summary="List your folders",
        description="Folders of your mailbox, parents first, with message and unread counts.",
        responses={200: serializers.WebmailFolderSerializer(many=True), 503: UNAVAILABLE},
    )
    def get(self, request):
        tree = _run(request, lambda client, user: folder_ops.folder_tree(client, user))
        return Response([folder.as_dict() for folder in tree])

    @extend_schema(
        operation_id="webmail_folders_create",
        tags=TAGS,
        summary="Create a folder",
        description="A new folder, at the top or inside another one.",
        request=serializers.WebmailFolderCreateSerializer,
        responses={201: serializers.WebmailCreatedFolderSerializer, 503: UNAVAILABLE},
    )
    def post(self, request):
        data = self.valid(serializers.WebmailFolderCreateSerializer)
        name = _run(
            request,
            lambda client, user: folder_ops.create_folder(client, data["name"], data["parent"]),
            field="name",
        )
        return Response({"name": name}, status=status.HTTP_201_CREATED)


class FolderRenameView(_Base):
    @extend_schema(
        operation_id="webmail_folders_rename",
        tags=TAGS,
        summary="Rename a folder",
        description="INBOX and the special folders cannot be renamed.",
        request=serializers.WebmailFolderRenameSerializer,
        responses={200: serializers.WebmailCreatedFolderSerializer, 503: UNAVAILABLE},
    )
    def post(self, request):
        data = self.valid(serializers.WebmailFolderRenameSerializer)
        name = _run(
            request,
            lambda client, user: folder_ops.rename_folder(
                client, user, data["folder"], data["new_name"]
            ),
            field="new_name",
        )
        return Response({"name": name})


def _folder_operation(operation_id, summary, description, function, answer_count=False):
    class View(_Base):
        @extend_schema(
            operation_id=operation_id,
            tags=TAGS,
            summary=summary,
            description=description,
            request=serializers.WebmailFolderNameSerializer,
            responses={
                200 if answer_count else 204: serializers.WebmailCountSerializer
                if answer_count
                else None,
                503: UNAVAILABLE,
            },
        )
        def post(self, request):
            data = self.valid(serializers.WebmailFolderNameSerializer)
            result = _run(
                request, lambda client, user: function(client, user, data["folder"]), "folder"
            )
            if answer_count:
                return Response({"count": result})
            return Response(status=status.HTTP_204_NO_CONTENT)

    View.__name__ = "".join(part.title() for part in operation_id.split("_")) + "View"
    return View


FolderDeleteView = _folder_operation(
    "webmail_folders_delete",
    "Delete a folder",
    "The folder, its sub-folders and their messages; not INBOX nor a special folder.",
    folder_ops.delete_folder,
)
FolderEmptyView = _folder_operation(
    "webmail_folders_empty",
    "Empty the Trash or Junk folder",
    "Deletes every message of your Trash or Junk folder for good.",
    folder_ops.empty_folder,
    answer_count=True,
)
FolderCompressView = _folder_operation(
    "webmail_folders_compress",
    "Compress a folder",
    "Removes for good the messages marked as deleted (IMAP EXPUNGE).",
    lambda client, user, folder: folder_ops.compress_folder(client, folder),
)


class QuotaView(_Base):
    @extend_schema(
        operation_id="webmail_quota",
        tags=TAGS,
        summary="Your mailbox's quota",
        description="Storage used and allowed (null when the mailbox has no limit).",
        responses={200: serializers.WebmailQuotaSerializer, 503: UNAVAILABLE},
    )
    def get(self, request):
        quota = _run(request, lambda client, user: folder_ops.quota(client))
        if quota:
            quota = {key: quota[key] for key in ("usage", "limit", "percent")}
        return Response(quota)


def _date(request, name):
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({name: ["Enter a date as YYYY-MM-DD."]}) from None


def _positive(request, name, default, maximum):
    value = request.query_params.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValidationError({name: ["Enter a whole number."]}) from None
    if not 1 <= number <= maximum:
        raise ValidationError({name: ["Enter a number from 1 to %d." % maximum]})
    return number


FOLDER_PARAMETER = OpenApiParameter(
    "folder", OpenApiTypes.STR, description="Full name of the folder (default INBOX)."
)


class MessageListView(_Base):
    @extend_schema(
        operation_id="webmail_messages_list",
        tags=TAGS,
        summary="List the messages of a folder",
        description="One page of the folder's messages, sorted and searched by the IMAP server.",
        parameters=[
            FOLDER_PARAMETER,
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number (from 1)."),
            OpenApiParameter(
                "page_size", OpenApiTypes.INT, description="Messages per page (1 to 500)."
            ),
            OpenApiParameter(
                "sort",
                OpenApiTypes.STR,
                enum=["date", "-date", "from", "-from", "subject", "-subject", "size", "-size"],
                description="Sort key; a leading - reverses (default -date).",
            ),
            OpenApiParameter("q", OpenApiTypes.STR, description="Text searched."),
            OpenApiParameter(
                "in",
                OpenApiTypes.STR,
                many=True,
                enum=list(message_ops.SEARCH_FIELDS),
                description="Where the text is searched (default from and subject).",
            ),
            OpenApiParameter(
                "since", OpenApiTypes.DATE, description="Messages dated from this day."
            ),
            OpenApiParameter(
                "before", OpenApiTypes.DATE, description="Messages dated up to this day."
            ),
        ],
        responses={200: serializers.WebmailMessagePageSerializer, 503: UNAVAILABLE},
    )
    def get(self, request):
        user = _mailbox_user(request)
        params = request.query_params
        sort = params.get("sort", "-date")
        if sort.lstrip("-") not in message_ops.SORT_KEYS:
            raise ValidationError({"sort": ["Unknown sort key."]})
        fields = params.getlist("in")
        if any(name not in message_ops.SEARCH_FIELDS for name in fields):
            raise ValidationError({"in": ["Choose among from, to, subject, body."]})
        search = message_ops.Search(
            text=params.get("q", ""),
            fields=tuple(fields) or ("from", "subject"),
            since=_date(request, "since"),
            before=_date(request, "before"),
        )
        per_page = _positive(
            request, "page_size", user_value(user, "messages_per_page") or 40, 500
        )
        number = _positive(request, "page", 1, 10**6)
        folder = params.get("folder") or "INBOX"
        page = _run(
            request,
            lambda client, user: message_ops.list_messages(
                client, folder, sort=sort, search=search, page=number, per_page=per_page
            ),
        )
        return Response(
            {
                "count": page.total,
                "page": page.number,
                "pages": page.pages,
                "results": [item.as_dict() for item in page.items],
            }
        )


class MessageDetailView(_Base):
    @extend_schema(
        operation_id="webmail_messages_retrieve",
        tags=TAGS,
        summary="Read a message",
        description="Headers, text, sanitised HTML and attachments; marks it as read.",
        parameters=[FOLDER_PARAMETER],
        responses={200: serializers.WebmailMessageSerializer, 503: UNAVAILABLE},
    )
    def get(self, request, uid):
        folder = request.query_params.get("folder") or "INBOX"
        parsed = _run(
            request,
            lambda client, user: parts.open_message(client, folder, uid, mark_seen=True),
            mark_seen=True,
        )
        cleaned = clean_html(parsed.html) if parsed.html is not None else None
        query = urlencode({"folder": folder})
        return Response(
            {
                "uid": uid,
                "subject": parsed.headers["subject"],
                "sender": parsed.headers["from"],
                "to": parsed.headers["to"],
                "cc": parsed.headers["cc"],
                "date": parsed.headers["date"],
                "text": parsed.text,
                "html": cleaned.html if cleaned else None,
                "blocked_images": cleaned.blocked_images if cleaned else 0,
                "attachments": [
                    {
                        **attachment.as_dict(),
                        "url": reverse("webmail:message_part", args=[uid, attachment.part])
                        + "?"
                        + query,
                    }
                    for attachment in parsed.attachments
                ],
            }
        )


def _selection_operation(operation_id, summary, description, serializer_class, function):
    class View(_Base):
        @extend_schema(
            operation_id=operation_id,
            tags=TAGS,
            summary=summary,
            description=description,
            request=serializer_class,
            responses={200: serializers.WebmailCountSerializer, 503: UNAVAILABLE},
        )
        def post(self, request):
            data = self.valid(serializer_class)
            count = _run(request, lambda client, user: function(client, user, data), "uids")
            return Response({"count": count})

    View.__name__ = "".join(part.title() for part in operation_id.split("_")) + "View"
    return View


MessageFlagView = _selection_operation(
    "webmail_messages_flag",
    "Set or remove a flag",
    "seen, flagged, answered or forwarded, on the selected messages.",
    serializers.WebmailFlagSerializer,
    lambda client, user, data: message_ops.set_flag(
        client, data["folder"], data["uids"], data["flag"], data["value"]
    ),
)
MessageMoveView = _selection_operation(
    "webmail_messages_move",
    "Move messages",
    "Moves the selected messages to another existing folder.",
    serializers.WebmailMoveSerializer,
    lambda client, user, data: message_ops.move(
        client, data["folder"], data["uids"], data["target"]
    ),
)
MessageDeleteView = _selection_operation(
    "webmail_messages_delete",
    "Delete messages",
    "Moves the selected messages to the Trash; in the Trash, deletes them for good.",
    serializers.WebmailSelectionSerializer,
    lambda client, user, data: message_ops.delete(client, user, data["folder"], data["uids"]),
)
MessageJunkView = _selection_operation(
    "webmail_messages_junk",
    "Mark messages as junk or not",
    "junk true moves them to the Junk folder; false moves them from it to INBOX.",
    serializers.WebmailJunkSerializer,
    lambda client, user, data: message_ops.mark_junk(
        client, user, data["folder"], data["uids"], data["junk"]
    ),
)
