"""Aliases and their recipients."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import AdminObject


class Alias(AdminObject):
    """An address that forwards mail to one or more recipients.

    ``@domain.tld`` is a catch-all. Internal aliases are made by the
    platform itself: one per mailbox (its own address) and one per domain
    alias (``@alias.tld`` to ``@target.tld``).
    """

    address = models.CharField(
        _("address"),
        max_length=254,
        help_text=_(
            "The alias address. To create a catchall alias, just enter the domain name "
            "(@domain.tld)."
        ),
    )
    domain = models.ForeignKey("admin.Domain", null=True, blank=True, on_delete=models.CASCADE)
    enabled = models.BooleanField(
        _("enabled"), default=True, help_text=_("Check to activate this alias")
    )
    internal = models.BooleanField(default=False)
    # Set when the alias was switched off because the account it delivers
    # to was disabled: enabling that account again switches on only those.
    disabled_with_account = models.BooleanField(default=False, db_default=False)
    description = models.TextField(_("Description"), blank=True, default="")
    expire_at = models.DateTimeField(
        _("Expire at"), blank=True, null=True, help_text=_("An expiration date for this alias")
    )

    class Meta:
        db_table = "admin_alias"
        ordering = ["address"]
        unique_together = (("address", "internal"),)
        permissions = (("view_aliases", "View aliases"),)

    def __str__(self):
        return self.address

    @property
    def objectname(self):
        return "MailboxAlias"

    @property
    def identity(self):
        return self.address

    @property
    def name_or_rcpt(self):
        recipients = [r.address for r in self.aliasrecipient_set.all()]
        if not recipients:
            return "---"
        if len(recipients) > 1:
            return "%s, ..." % recipients[0]
        return recipients[0]

    @property
    def tags(self):
        return [{"name": "alias", "label": _("alias"), "type": "idt"}]

    @property
    def is_catchall(self):
        return self.address.startswith("@")

    @property
    def recipients(self):
        return [r.address for r in self.aliasrecipient_set.all()]

    @property
    def recipients_count(self):
        return self.aliasrecipient_set.count()


class AliasRecipient(models.Model):
    """One recipient of an alias: a local mailbox, a local alias or an
    external address.
    """

    address = models.EmailField(max_length=254)
    alias = models.ForeignKey(Alias, on_delete=models.CASCADE)
    r_mailbox = models.ForeignKey("admin.Mailbox", blank=True, null=True, on_delete=models.CASCADE)
    r_alias = models.ForeignKey(
        Alias,
        related_name="alias_recipient_aliases",
        blank=True,
        null=True,
        on_delete=models.CASCADE,
    )

    class Meta:
        db_table = "modoboa_admin_aliasrecipient"
        unique_together = (("alias", "r_mailbox"), ("alias", "r_alias"))

    def __str__(self):
        return self.address
