"""What the API of the IMAP migration reads and answers."""

from rest_framework import serializers

from ..models import SECURITY_CHOICES, STATUS_CHOICES


class ProviderDomainSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=253)
    new_domain = serializers.CharField(
        max_length=253, required=False, allow_blank=True, allow_null=True
    )


class ProviderSerializer(serializers.Serializer):
    pk = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=50)
    address = serializers.CharField(max_length=255)
    port = serializers.IntegerField(min_value=1, max_value=65535, default=143)
    security = serializers.ChoiceField(choices=SECURITY_CHOICES, default="none")
    verify_certificate = serializers.BooleanField(default=True)
    domains = ProviderDomainSerializer(many=True, required=False)

    def to_representation(self, instance):
        return {
            "pk": instance.pk,
            "name": instance.name,
            "address": instance.address,
            "port": instance.port,
            "security": instance.security,
            "verify_certificate": instance.verify_certificate,
            "domains": [
                {
                    "name": domain.name,
                    "new_domain": domain.new_domain.name if domain.new_domain_id else None,
                }
                for domain in instance.domains.all()
            ],
        }


class MigrationAccountSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="Address on the old server")
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    local_address = serializers.CharField(
        max_length=254, required=False, allow_blank=True, help_text="Default: mapped domain"
    )


class MigrationsCreateSerializer(serializers.Serializer):
    accounts = MigrationAccountSerializer(many=True, required=False)
    csv = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Lines 'old address,old password[,local address]' (instead of accounts)",
    )
    include_folders = serializers.ListField(
        child=serializers.CharField(max_length=255), required=False
    )
    exclude_folders = serializers.ListField(
        child=serializers.CharField(max_length=255), required=False
    )


class RestartSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)


class MigrationSerializer(serializers.Serializer):
    """A job as the API shows it (the old password never)."""

    pk = serializers.IntegerField()
    username = serializers.CharField()
    mailbox = serializers.CharField()
    provider = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    cancel_requested = serializers.BooleanField()
    password_stored = serializers.BooleanField()
    include_folders = serializers.ListField(child=serializers.CharField())
    exclude_folders = serializers.ListField(child=serializers.CharField())
    created = serializers.DateTimeField(allow_null=True)
    started = serializers.DateTimeField(allow_null=True)
    finished = serializers.DateTimeField(allow_null=True)
    folders_total = serializers.IntegerField()
    folders_done = serializers.IntegerField()
    folders_failed = serializers.IntegerField()
    messages_total = serializers.IntegerField()
    messages_done = serializers.IntegerField()
    messages_copied = serializers.IntegerField()
    progress = serializers.IntegerField()
    last_error = serializers.CharField()

    def to_representation(self, instance):
        return {
            "pk": instance.pk,
            "username": instance.username,
            "mailbox": "%s@%s" % (instance.mailbox.address, instance.mailbox.domain.name),
            "provider": instance.provider.name if instance.provider_id else None,
            "status": instance.status,
            "cancel_requested": instance.cancel_requested,
            "password_stored": instance.has_password,
            "include_folders": [p for p in instance.include_folders.splitlines() if p],
            "exclude_folders": [p for p in instance.exclude_folders.splitlines() if p],
            "created": instance.created.isoformat() if instance.created else None,
            "started": instance.started.isoformat() if instance.started else None,
            "finished": instance.finished.isoformat() if instance.finished else None,
            "folders_total": instance.folders_total,
            "folders_done": instance.folders_done,
            "folders_failed": instance.folders_failed,
            "messages_total": instance.messages_total,
            "messages_done": instance.messages_done,
            "messages_copied": instance.messages_copied,
            "progress": instance.progress,
            "last_error": instance.last_error,
        }


class ProviderPageSerializer(serializers.Serializer):
    """A page of providers."""

    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = ProviderSerializer(many=True)


class MigrationPageSerializer(serializers.Serializer):
    """A page of migration jobs."""

    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = MigrationSerializer(many=True)
