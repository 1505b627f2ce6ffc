"""Cached MX records and DNSBL results of the hosted domains."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import AccessQuerySet


class MXRecordQuerySet(AccessQuerySet):
    def has_valid(self):
        """Tell whether a non-expired record exists."""
        return self.filter(updated__gt=timezone.now()).exists()


class MXRecord(models.Model):
    """A resolved MX of a domain; valid while ``updated`` is in the future."""

    domain = models.ForeignKey("admin.Domain", on_delete=models.CASCADE)
    name = models.CharField(max_length=254)
    address = models.GenericIPAddressField()
    managed = models.BooleanField(default=False)
    updated = models.DateTimeField()

    objects = MXRecordQuerySet.as_manager()

    class Meta:
        db_table = "admin_mxrecord"

    def __str__(self):
        return "%s (%s) for %s" % (self.name, self.address, self.domain)

    @property
    def is_valid(self):
        return self.updated > timezone.now()


class DNSBLResult(models.Model):
    """The answer of a DNSBL provider about one MX of a domain."""

    domain = models.ForeignKey("admin.Domain", on_delete=models.CASCADE)
    provider = models.CharField(max_length=254, db_index=True)
    mx = models.ForeignKey(MXRecord, on_delete=models.CASCADE)
    status = models.CharField(max_length=45, blank=True, db_index=True)

    objects = AccessQuerySet.as_manager()

    class Meta:
        db_table = "admin_dnsblresult"
        unique_together = (("domain", "provider", "mx"),)

    def __str__(self):
        return "%s: %s" % (self.provider, self.status or _("not listed"))
