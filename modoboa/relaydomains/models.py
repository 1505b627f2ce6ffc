"""Recipient verification rules for relay domains."""

from django.db import models


class RecipientAccess(models.Model):
    """A ``check_recipient_access`` entry for a relay domain."""

    pattern = models.CharField(max_length=254, unique=True)
    action = models.CharField(max_length=40)

    class Meta:
        db_table = "relaydomains_recipientaccess"

    def __str__(self):
        return "%s %s" % (self.pattern, self.action)
