"""Resource limits of administrators and of domains."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class UserObjectLimit(models.Model):
    """How many objects of a kind an administrator may own.

    ``-1`` means unlimited and ``0`` means none (for the reseller ``quota``
    limit, 0 means no quota).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name = models.CharField(max_length=254)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    max_value = models.IntegerField(default=0)

    class Meta:
        db_table = "limits_userobjectlimit"
        unique_together = (("user", "name"),)

    def __str__(self):
        return "%s: %s=%s" % (self.user, self.name, self.max_value)

    @property
    def definition(self):
        from .constants import USER_LIMIT_DEFINITIONS

        return USER_LIMIT_DEFINITIONS[self.name]

    @property
    def label(self):
        return self.definition["label"]


class DomainObjectLimit(models.Model):
    """How many objects of a kind a domain may hold."""

    domain = models.ForeignKey("admin.Domain", on_delete=models.CASCADE)
    name = models.CharField(max_length=254)
    max_value = models.IntegerField(default=0)

    class Meta:
        db_table = "limits_domainobjectlimit"
        unique_together = (("domain", "name"),)

    def __str__(self):
        return "%s: %s=%s" % (self.domain, self.name, self.max_value)

    @property
    def definition(self):
        from .constants import DOMAIN_LIMIT_DEFINITIONS

        return DOMAIN_LIMIT_DEFINITIONS[self.name]

    @property
    def label(self):
        return self.definition["label"]
