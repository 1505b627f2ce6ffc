"""Transports: how Postfix delivers mail for a given pattern."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Transport(models.Model):
    """A ``transport_maps`` entry: ``pattern`` -> ``service:next_hop``."""

    pattern = models.CharField(_("pattern"), max_length=254, unique=True)
    service = models.CharField(_("service"), max_length=30)
    next_hop = models.CharField(_("next hop"), max_length=100, blank=True, default="")
    _settings = models.JSONField(default=dict, db_column="_settings")

    class Meta:
        db_table = "transport_transport"
        ordering = ["pattern"]

    def __str__(self):
        return self.pattern
