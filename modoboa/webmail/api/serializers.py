"""Serializers of the webmail's endpoints (folders and messages)."""

from rest_framework import serializers

from .. import messages as message_ops


class WebmailFolderSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Full name of the folder (Unicode).")
    label = serializers.CharField(help_text="Its own name, without its parents'.")
    depth = serializers.IntegerField(help_text="0 at the top, 1 for a sub-folder...")
    special = serializers.CharField(
        help_text="inbox, sent, drafts, trash, junk, or empty for other folders."
    )
    selectable = serializers.BooleanField(help_text="Whether it can hold messages.")
    total = serializers.IntegerField(help_text="Number of messages.")
    unseen = serializers.IntegerField(help_text="Number of unread messages.")


class WebmailQuotaSerializer(serializers.Serializer):
    usage = serializers.IntegerField(help_text="Storage used, in kilobytes.")
    limit = serializers.IntegerField(help_text="Storage allowed, in kilobytes.")
    percent = serializers.IntegerField(help_text="Usage in percent of the limit.")


class WebmailFolderCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, help_text="Name of the new folder.")
    parent = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=1000,
        help_text="Full name of the parent folder (empty: at the top).",
    )


class WebmailFolderNameSerializer(serializers.Serializer):
    folder = serializers.CharField(max_length=1000, help_text="Full name of the folder.")


class WebmailFolderRenameSerializer(WebmailFolderNameSerializer):
    new_name = serializers.CharField(
        max_length=200, help_text="Its new own name (it stays under the same parent)."
    )


class WebmailCreatedFolderSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Full name of the folder.")


class WebmailCountSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Number of messages concerned.")


class WebmailAddressSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Display name (may be empty).")
    address = serializers.CharField(help_text="Mail address.")


class WebmailMessageSummarySerializer(serializers.Serializer):
    uid = serializers.IntegerField(help_text="UID of the message in its folder.")
    subject = serializers.CharField(help_text="Subject, decoded.")
    sender = WebmailAddressSerializer(many=True, help_text="From addresses.")
    to = WebmailAddressSerializer(many=True, help_text="To addresses.")
    date = serializers.CharField(allow_null=True, help_text="Date (ISO 8601).")
    size = serializers.IntegerField(help_text="Size in bytes.")
    seen = serializers.BooleanField(help_text="Read.")
    flagged = serializers.BooleanField(help_text="Flagged.")
    answered = serializers.BooleanField(help_text="Answered.")
    forwarded = serializers.BooleanField(help_text="Forwarded.")


class WebmailMessagePageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Number of matching messages.")
    page = serializers.IntegerField(help_text="This page's number.")
    pages = serializers.IntegerField(help_text="Number of pages.")
    results = WebmailMessageSummarySerializer(many=True, help_text="The messages of this page.")


class WebmailAttachmentSerializer(serializers.Serializer):
    part = serializers.CharField(help_text="Path of the part in the message.")
    filename = serializers.CharField(help_text="Safe file name.")
    content_type = serializers.CharField(help_text="Declared content type.")
    size = serializers.IntegerField(help_text="Approximate size in bytes.")
    in_message = serializers.CharField(
        help_text="Subject of the attached message holding it (empty: the message itself)."
    )
    url = serializers.CharField(help_text="Download URL (session authentication).")


class WebmailMessageSerializer(serializers.Serializer):
    uid = serializers.IntegerField(help_text="UID of the message in its folder.")
    subject = serializers.CharField(help_text="Subject, decoded.")
    sender = serializers.CharField(help_text="From header, decoded.")
    to = serializers.CharField(help_text="To header, decoded.")
    cc = serializers.CharField(help_text="Cc header, decoded.")
    date = serializers.CharField(help_text="Date header.")
    text = serializers.CharField(help_text="The text/plain body (may be empty).")
    html = serializers.CharField(
        allow_null=True,
        help_text="The HTML body, sanitised, remote images removed (null: none).",
    )
    blocked_images = serializers.IntegerField(help_text="Remote images removed.")
    attachments = WebmailAttachmentSerializer(many=True, help_text="Attachments, nested ones too.")


class WebmailSelectionSerializer(serializers.Serializer):
    folder = serializers.CharField(max_length=1000, help_text="Folder of the messages.")
    uids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**32 - 1),
        min_length=1,
        max_length=message_ops.MAX_UIDS,
        help_text="UIDs of the messages.",
    )


class WebmailFlagSerializer(WebmailSelectionSerializer):
    flag = serializers.ChoiceField(
        choices=sorted(message_ops.FLAGS), help_text="seen, flagged, answered or forwarded."
    )
    value = serializers.BooleanField(default=True, help_text="Set (true) or remove (false).")


class WebmailMoveSerializer(WebmailSelectionSerializer):
    target = serializers.CharField(max_length=1000, help_text="Destination folder.")


class WebmailJunkSerializer(WebmailSelectionSerializer):
    junk = serializers.BooleanField(
        default=True, help_text="true: to the Junk folder; false: from it to INBOX."
    )
