"""Email providers (old IMAP servers), the domains they serve, and the
mailboxes being migrated from them.

The three tables keep the names and columns of 1.10's extension
(``modoboa_imap_migration_*``) so that a taken-over database keeps its
rows; the job state (status, counts, per-folder progress) is this
release's.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

SECURITY_NONE = "none"
SECURITY_STARTTLS = "starttls"
SECURITY_TLS = "tls"
SECURITY_CHOICES = (
    (SECURITY_NONE, _("None")),
    (SECURITY_STARTTLS, "STARTTLS"),
    (SECURITY_TLS, "SSL/TLS"),
)

PENDING = "pending"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
CANCELLED = "cancelled"
STATUS_CHOICES = (
    (PENDING, _("Pending")),
    (RUNNING, _("Running")),
    (DONE, _("Done")),
    (FAILED, _("Failed")),
    (CANCELLED, _("Cancelled")),
)
ENDED = (DONE, FAILED, CANCELLED)


class EmailProvider(models.Model):
    """An old IMAP server mail is migrated from."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    address = models.CharField(_("address"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=143)
    # 1.10's column: implicit TLS. ``security`` says it all; ``secured``
    # follows it.
    secured = models.BooleanField(default=False)
    security = models.CharField(
        _("security"), max_length=8, choices=SECURITY_CHOICES, default=SECURITY_NONE
    )
    verify_certificate = models.BooleanField(_("verify the certificate"), default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.secured = self.security == SECURITY_TLS
        super().save(*args, **kwargs)


class EmailProviderDomain(models.Model):
    """A domain served by a provider, and the local domain it becomes."""

    name = models.CharField(_("name"), max_length=253, unique=True)
    provider = models.ForeignKey(EmailProvider, on_delete=models.CASCADE, related_name="domains")
    # Empty: the local domain has the same name.
    new_domain = models.ForeignKey(
        "admin.Domain", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def local_domain_name(self):
        return self.new_domain.name if self.new_domain_id else self.name


class Migration(models.Model):
    """A mailbox whose mail is copied from an old server (a job)."""

    provider = models.ForeignKey(
        EmailProvider, on_delete=models.CASCADE, null=True, blank=True, related_name="migrations"
    )
    mailbox = models.ForeignKey("admin.Mailbox", on_delete=models.CASCADE, related_name="+")
    # The login on the old server.
    username = models.CharField(max_length=254, unique=True)
    # The old password, encrypted (modoboa.lib.encryption); empty once the
    # job ended.
    _password = models.CharField(max_length=255, blank=True, default="")

    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=PENDING)
    cancel_requested = models.BooleanField(default=False)
    include_folders = models.TextField(blank=True, default="")
    exclude_folders = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True, null=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True)
    folders_total = models.PositiveIntegerField(default=0)
    folders_done = models.PositiveIntegerField(default=0)
    folders_failed = models.PositiveIntegerField(default=0)
    messages_total = models.PositiveIntegerField(default=0)
    messages_done = models.PositiveIntegerField(default=0)
    messages_copied = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["status"], name="imap_migration_status")]

    def __str__(self):
        return self.username

    @property
    def has_password(self):
        return bool(self._password)

    @property
    def progress(self):
        """Percentage of the messages of the current run processed."""
        if self.status == DONE:
            return 100
        if not self.messages_total:
            return 0
        return min(100, int(self.messages_done * 100 / self.messages_total))


class MigrationFolder(models.Model):
    """Where the copy of one folder of a migration stands."""

    migration = models.ForeignKey(Migration, on_delete=models.CASCADE, related_name="folders")
    name = models.CharField(max_length=255)
    uidvalidity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)
    # UID ranges above last_uid already handled ("a-b,c-d"): batches that
    # parallel writers finished before an earlier one.
    done_ranges = models.TextField(blank=True, default="")
    copied = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["migration", "name"], name="imap_migration_folder_uniq"
            )
        ]
