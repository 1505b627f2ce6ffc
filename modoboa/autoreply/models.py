"""Away messages, with 1.10's tables (``postfix_autoreply_*``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ARmessage(models.Model):
    """The away message of a mailbox."""

    mbox = models.ForeignKey("admin.Mailbox", on_delete=models.CASCADE)
    subject = models.CharField(
        _("subject"), max_length=255, help_text=_("The subject that will appear in sent emails")
    )
    content = models.TextField(
        _("content"), help_text=_("The content that will appear in sent emails")
    )
    enabled = models.BooleanField(
        _("enabled"), default=False, help_text=_("Activate/Deactivate your auto reply")
    )
    fromdate = models.DateTimeField(_("from"), default=None, null=True)
    untildate = models.DateTimeField(_("until"), default=None, null=True, blank=True)

    class Meta:
        db_table = "postfix_autoreply_armessage"

    def __str__(self):
        return "Away message of %s" % self.mbox


class ARhistoric(models.Model):
    """When the last reply to a sender was sent (pipe mode)."""

    armessage = models.ForeignKey(ARmessage, on_delete=models.CASCADE)
    last_sent = models.DateTimeField(auto_now=True)
    sender = models.CharField(max_length=254)

    class Meta:
        db_table = "postfix_autoreply_arhistoric"
        unique_together = (("armessage", "sender"),)


class Transport(models.Model):
    """``autoreply.<domain>`` -> ``autoreply:`` (pipe mode's transport map)."""

    domain = models.CharField(max_length=253, db_index=True)
    method = models.CharField(max_length=255)

    class Meta:
        db_table = "postfix_autoreply_transport"
