"""Mailboxes, their quota usage, extra sender addresses and pending
file-system operations.
"""

from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .base import AccessQuerySet, AdminObject


class Quota(models.Model):
    """Quota usage, written by Dovecot's dict quota (``admin_quota``).

    The defaults exist in the database itself so that Dovecot's plain
    INSERTs succeed on every engine.
    """

    username = models.EmailField(primary_key=True, max_length=254)
    bytes = models.BigIntegerField(default=0, db_default=0)
    messages = models.IntegerField(default=0, db_default=0)

    class Meta:
        db_table = "admin_quota"

    def __str__(self):
        return self.username


class Mailbox(AdminObject):
    """A mailbox: the local part of an address within a domain."""

    address = models.CharField(
        _("address"),
        max_length=252,
        help_text=_("Mailbox address (without the @domain.tld part)"),
    )
    quota = models.PositiveIntegerField(default=0)
    use_domain_quota = models.BooleanField(default=False)
    domain = models.ForeignKey("admin.Domain", on_delete=models.CASCADE)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class Meta:
        db_table = "admin_mailbox"
        permissions = (("view_mailboxes", "View mailboxes"),)
        constraints = [
            models.UniqueConstraint(
                fields=["address", "domain"], name="admin_mailbox_address_domain_uniq"
            )
        ]

    def __str__(self):
        return self.full_address

    @property
    def full_address(self):
        return "%s@%s" % (self.address, self.domain.name)

    @property
    def enabled(self):
        return self.user.is_active

    @cached_property
    def quota_value(self):
        return Quota.objects.filter(username=self.full_address).first()

    @property
    def used_bytes(self):
        value = self.quota_value
        return value.bytes if value else 0

    @property
    def used_space_in_percent(self):
        if not self.quota:
            return 0
        return min(100, int(self.used_bytes * 100 / (self.quota * 1048576)))

    @property
    def alias_addresses(self):
        """Addresses of the user-visible aliases that point to this mailbox."""
        from .alias import Alias

        return list(
            Alias.objects.filter(internal=False, aliasrecipient__r_mailbox=self).values_list(
                "address", flat=True
            )
        )

    def get_mail_home(self):
        """Return this mailbox's home as Dovecot computes it."""
        from modoboa.admin.lib import mail_home

        return mail_home(self)


class SenderAddress(models.Model):
    """An extra address a mailbox may send mail as."""

    address = models.EmailField(max_length=254)
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE)

    objects = AccessQuerySet.as_manager()

    class Meta:
        db_table = "admin_senderaddress"
        unique_together = (("address", "mailbox"),)

    def __str__(self):
        return self.address


class MailboxOperation(models.Model):
    """A rename or a deletion to carry out on a mail home."""

    mailbox = models.ForeignKey(Mailbox, blank=True, null=True, on_delete=models.SET_NULL)
    type = models.CharField(max_length=20, choices=(("rename", "rename"), ("delete", "delete")))
    argument = models.TextField()

    class Meta:
        db_table = "admin_mailboxoperation"

    def __str__(self):
        return "%s %s" % (self.type, self.argument)
