"""Domains: the mail domains hosted (or relayed) by this platform."""

from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .base import AdminObject

DKIM_KEY_LENGTHS = ((1024, "1024"), (2048, "2048"), (4096, "4096"))

DOMAIN_TYPES = (("domain", _("Domain")), ("relaydomain", _("Relay domain")))


class Domain(AdminObject):
    """A mail domain."""

    name = models.CharField(
        _("name"),
        max_length=100,
        unique=True,
        help_text=_("The domain name"),
    )
    quota = models.PositiveIntegerField(
        default=0,
        help_text=_("Quota in MB shared by mailboxes. A value of 0 means no quota."),
    )
    default_mailbox_quota = models.PositiveIntegerField(
        _("Default mailbox quota"),
        default=0,
        help_text=_("Default quota in MB applied to mailboxes. A value of 0 means no quota."),
    )
    enabled = models.BooleanField(
        _("enabled"),
        default=True,
        help_text=_("Check to activate this domain"),
    )
    type = models.CharField(default="domain", max_length=20, choices=DOMAIN_TYPES)
    enable_dns_checks = models.BooleanField(
        _("Enable DNS checks"),
        default=True,
        help_text=_("Check to enable DNS checks for this domain"),
    )
    transport = models.OneToOneField(
        "transport.Transport", null=True, blank=True, on_delete=models.SET_NULL
    )
    enable_dkim = models.BooleanField(
        _("Enable DKIM signing"),
        default=False,
        help_text=_("If you activate this feature, a DKIM key will be generated for this domain."),
    )
    dkim_key_selector = models.CharField(_("Key selector"), max_length=30, default="modoboa")
    dkim_key_length = models.PositiveIntegerField(
        _("Key length"), blank=True, null=True, choices=DKIM_KEY_LENGTHS
    )
    dkim_public_key = models.TextField(blank=True, default="")
    dkim_private_key_path = models.CharField(max_length=254, blank=True, default="")

    class Meta:
        db_table = "admin_domain"
        ordering = ["name"]
        permissions = (("view_domains", "View domains"),)

    def __str__(self):
        return self.name

    @property
    def is_relay(self):
        return self.type == "relaydomain"

    @property
    def tags(self):
        tags = [{"name": self.type, "label": self.get_type_display(), "type": "dom"}]
        if self.transport_id:
            tags.append(
                {"name": self.transport.service, "label": self.transport.service, "type": "srv"}
            )
        return tags

    @property
    def admins(self):
        """Return the domain's administrators (non-superusers with access)."""
        from modoboa.core.access import domain_admins

        return domain_admins(self)

    @cached_property
    def allocated_quota(self):
        """Sum of the quotas (MB) given to this domain's mailboxes."""
        value = self.mailbox_set.aggregate(total=models.Sum("quota"))["total"]
        return value or 0

    @cached_property
    def used_quota_bytes(self):
        """Bytes stored by this domain's mailboxes, from ``admin_quota``."""
        from .mailbox import Quota

        value = Quota.objects.filter(username__endswith="@%s" % self.name).aggregate(
            total=models.Sum("bytes")
        )["total"]
        return value or 0

    @property
    def used_quota(self):
        """Megabytes stored by this domain's mailboxes."""
        return int(self.used_quota_bytes / 1048576)

    @property
    def allocated_quota_in_percent(self):
        if not self.quota:
            return 0
        return min(100, int(self.allocated_quota * 100 / self.quota))

    @property
    def used_quota_in_percent(self):
        if not self.quota:
            return 0
        return min(100, int(self.used_quota * 100 / self.quota))

    @property
    def bind_format_dkim_public_key(self):
        """The DKIM public key as a BIND TXT record (multi-line)."""
        if not self.dkim_public_key:
            return ""
        record = "v=DKIM1;k=rsa;p=%s" % self.dkim_public_key
        chunks = [record[i : i + 74] for i in range(0, len(record), 74)]
        body = "\n".join('  "%s"' % chunk for chunk in chunks)
        return "%s._domainkey.%s. IN TXT (\n%s)" % (self.dkim_key_selector, self.name, body)
