"""Domain aliases: other names for a hosted domain."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import AdminObject


class DomainAlias(AdminObject):
    """Another name under which a domain receives mail."""

    name = models.CharField(_("name"), max_length=100, unique=True, help_text=_("The alias name"))
    target = models.ForeignKey(
        "admin.Domain",
        verbose_name=_("target"),
        help_text=_("The domain this alias points to"),
        on_delete=models.CASCADE,
    )
    enabled = models.BooleanField(
        _("enabled"), default=True, help_text=_("Check to activate this alias")
    )

    class Meta:
        db_table = "admin_domainalias"
        ordering = ["name"]
        permissions = (("view_domaliases", "View domain aliases"),)

    def __str__(self):
        return self.name
