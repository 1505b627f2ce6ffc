"""Serializer of the away message endpoint."""

from rest_framework import serializers


class ARmessageSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=255, help_text="Subject of the replies (one line).")
    content = serializers.CharField(
        trim_whitespace=False,
        help_text="Body of the replies; %(name)s, %(fromdate)s and %(untildate)s are replaced.",
    )
    enabled = serializers.BooleanField(help_text="Whether the replies are sent.")
    fromdate = serializers.DateTimeField(help_text="Replies are sent from this date.")
    untildate = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Replies stop at this date (none: no end)."
    )
