"""Serializers of the calendar endpoints."""

from rest_framework import serializers


class CalendarSerializer(serializers.Serializer):
    pk = serializers.IntegerField(read_only=True, help_text="Identifier of the calendar.")
    name = serializers.CharField(max_length=200, help_text="Name of the calendar.")
    mailbox = serializers.CharField(
        max_length=254,
        required=False,
        allow_blank=True,
        help_text="Address of the owner mailbox (yours by default; administrators "
        "name a mailbox they manage).",
    )
    url = serializers.CharField(read_only=True, help_text="URL to give a CalDAV client.")


class SharedCalendarSerializer(serializers.Serializer):
    pk = serializers.IntegerField(read_only=True, help_text="Identifier of the calendar.")
    name = serializers.CharField(max_length=200, help_text="Name of the calendar.")
    domain = serializers.CharField(
        max_length=253, help_text="The domain whose mailboxes share this calendar."
    )
    url = serializers.CharField(read_only=True, help_text="URL to give a CalDAV client.")


class AccessRuleSerializer(serializers.Serializer):
    mailbox = serializers.CharField(
        max_length=254, help_text="Address of the mailbox the calendar is shared with."
    )
    read = serializers.BooleanField(default=True, help_text="It may read the events.")
    write = serializers.BooleanField(
        default=False, help_text="It may change the events (implies read)."
    )
