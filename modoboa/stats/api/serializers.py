"""Serializers of the statistics API: the query parameters and the rows."""

from rest_framework import serializers

from .. import forms
from ..models import COUNTERS, Maillog


class StatisticsQuerySerializer(serializers.Serializer):
    scope = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=253,
        help_text="A domain or domain alias name, or 'global' (super administrators)",
    )
    graph = serializers.ChoiceField(
        choices=["traffic", "accounts"], required=False, default="traffic"
    )
    period = serializers.ChoiceField(
        choices=[value for value, _label in forms.PERIOD_CHOICES], required=False, default="day"
    )
    start = serializers.DateField(required=False, help_text="First day of a custom period")
    end = serializers.DateField(required=False, help_text="Last day of a custom period")


class PointSerializer(serializers.Serializer):
    time = serializers.IntegerField(help_text="UNIX time of the start of the point")


for _name in COUNTERS + ("new_accounts",):
    PointSerializer._declared_fields[_name] = serializers.IntegerField(required=False)


class SeriesSerializer(serializers.Serializer):
    scope = serializers.CharField(required=False)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    step = serializers.IntegerField(help_text="Seconds covered by one point")
    points = PointSerializer(many=True)


class MaillogQuerySerializer(serializers.Serializer):
    sender = serializers.CharField(required=False, allow_blank=True, max_length=254)
    rcpt = serializers.CharField(required=False, allow_blank=True, max_length=254)
    queue_id = serializers.CharField(required=False, allow_blank=True, max_length=32)
    status = serializers.ChoiceField(
        choices=[value for value, _label in forms.STATUS_CHOICES], required=False
    )
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    page = serializers.IntegerField(required=False, min_value=1, max_value=100000, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=100)


class MaillogSerializer(serializers.ModelSerializer):
    class Meta:
        model = Maillog
        fields = (
            "id",
            "queue_id",
            "date",
            "sender",
            "rcpt",
            "original_rcpt",
            "size",
            "status",
            "relay",
            "answer",
        )


class MaillogPageSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    has_next = serializers.BooleanField()
    results = MaillogSerializer(many=True)
