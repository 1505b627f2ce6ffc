"""Serializers of the filter set endpoints."""

from rest_framework import serializers


class FilterSetSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="Name of the filter set (script).")
    active = serializers.BooleanField(
        default=False, help_text="Whether this set filters the incoming mail."
    )


class ConditionSerializer(serializers.Serializer):
    field = serializers.CharField(max_length=100, help_text="A header name, 'body' or 'size'.")
    operator = serializers.CharField(
        max_length=20,
        help_text="contains, notcontains, is, notis, matches, notmatches; over or under "
        "for a size.",
    )
    value = serializers.CharField(
        max_length=1000,
        allow_blank=True,
        trim_whitespace=False,
        default="",
        help_text="The value compared.",
    )
    part = serializers.CharField(
        max_length=20, default="all", help_text="all, localpart or domain (From, To, Cc)."
    )


class ActionSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=20, help_text="fileinto, redirect, reject, discard, flag, keep or stop."
    )
    argument = serializers.CharField(
        max_length=1000,
        allow_blank=True,
        trim_whitespace=False,
        default="",
        help_text="Folder, address or rejection text.",
    )
    copy = serializers.BooleanField(
        default=False, help_text="Keep the message too (fileinto, redirect)."
    )


class RuleSerializer(serializers.Serializer):
    """A filter the form can edit; the message filters' service checks the
    values (the same rules as the console's form).
    """

    name = serializers.CharField(max_length=200, help_text="Name of the filter.")
    match = serializers.CharField(max_length=20, default="all", help_text="all, any or always.")
    enabled = serializers.BooleanField(default=True, help_text="Whether the filter applies.")
    conditions = ConditionSerializer(many=True, default=list, help_text="The conditions.")
    actions = ActionSerializer(many=True, help_text="The actions, in order.")


class RuleAnswerSerializer(RuleSerializer):
    index = serializers.IntegerField(
        read_only=True, help_text="Position of the filter in the set (from 0)."
    )


class RuleMoveSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(
        choices=("up", "down"), help_text="Swap the filter with the one before or after it."
    )


class ScriptSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True, help_text="Name of the filter set.")
    active = serializers.BooleanField(read_only=True, help_text="Whether it is active.")
    content = serializers.CharField(
        trim_whitespace=False, allow_blank=True, help_text="The Sieve script, as stored."
    )
    rules = RuleSerializer(
        many=True,
        read_only=True,
        help_text="The filters the console's form can edit (the rest of the script is "
        "kept as written).",
    )
