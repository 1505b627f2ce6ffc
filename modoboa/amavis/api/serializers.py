"""Serializers of the quarantine API (their help texts document the schema)."""

from rest_framework import serializers

from .. import constants


class QuarantineRowSerializer(serializers.Serializer):
    mail_id = serializers.CharField(help_text="Amavis' identifier of the message.")
    recipient = serializers.CharField(help_text="The recipient of this row.")
    sender = serializers.CharField(help_text="The From header of the message.")
    subject = serializers.CharField(help_text="The Subject header of the message.")
    type = serializers.CharField(
        help_text="Content type: %s."
        % ", ".join("%s %s" % (key, value) for key, value in constants.CONTENT_TYPES.items())
    )
    score = serializers.FloatField(allow_null=True, help_text="SpamAssassin's score.")
    date = serializers.DateTimeField(help_text="When Amavis received the message.")
    status = serializers.CharField(
        help_text="Release status: new, viewed, released, requested, spam, ham."
    )
    size = serializers.IntegerField(help_text="Size of the message in bytes.")


class AttachmentSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="File name (may be empty).")
    type = serializers.CharField(help_text="MIME type.")
    size = serializers.IntegerField(help_text="Size in bytes.")


class MessageSerializer(serializers.Serializer):
    mail_id = serializers.CharField(help_text="Amavis' identifier of the message.")
    recipients = serializers.ListField(
        child=serializers.CharField(), help_text="The recipients you may see."
    )
    headers = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="[name, value] pairs, in order.",
    )
    text = serializers.CharField(help_text="The text parts.")
    html = serializers.CharField(
        help_text="The HTML parts, sanitised: no script, no remote content."
    )
    attachments = AttachmentSerializer(many=True, help_text="Attachments (never served).")


class ActionSerializer(serializers.Serializer):
    rcpt = serializers.CharField(
        required=False, allow_blank=True, help_text="Only this recipient (default: all yours)."
    )
    level = serializers.ChoiceField(
        choices=["global", "domain", "user"],
        required=False,
        help_text="Bayes database to train (mark_spam and mark_ham).",
    )


class ActionResultSerializer(serializers.Serializer):
    result = serializers.CharField(
        help_text="released, requested, deleted, spam or ham (and the Bayes level)."
    )


class ContentFilterSerializer(serializers.Serializer):
    virus = serializers.ChoiceField(
        choices=["yes", "no", "default"], required=False, help_text="Virus filter."
    )
    spam = serializers.ChoiceField(
        choices=["yes", "no", "default"], required=False, help_text="Spam filter."
    )
    banned = serializers.ChoiceField(
        choices=["yes", "no", "default"], required=False, help_text="Banned files filter."
    )
    spam_tag2_level = serializers.FloatField(
        required=False, allow_null=True, help_text="Score from which mail is marked as spam."
    )
    spam_kill_level = serializers.FloatField(
        required=False, allow_null=True, help_text="Score from which mail is quarantined."
    )
    spam_subject_tag2 = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=64,
        help_text="Subject marker of spam.",
    )


class ListEntrySerializer(serializers.Serializer):
    owner = serializers.CharField(help_text="The recipient: @domain or an address.")
    sender = serializers.CharField(help_text="An address, @domain or @.domain.")
    kind = serializers.ChoiceField(choices=["allow", "block"], help_text="allow or block.")
