"""``modo repair``: autoreply recipients left on mailbox aliases (1.10's
check) whose away message is missing or off, or any of them once the
Sieve mode is chosen.
"""

from modoboa.admin.models import AliasRecipient
from modoboa.admin.repair import KnownProblem, register

from . import services
from .models import ARmessage


@register
class StaleAutoreplyRecipients(KnownProblem):
    name = "stale_autoreply_recipients"
    description = "Autoreply recipients without an enabled away message"

    def find(self):
        candidates = AliasRecipient.objects.filter(
            alias__internal=True, address__contains="@%s" % services.TRANSPORT_PREFIX
        ).select_related("alias")
        if services.parameter("mode") != "pipe":
            return list(candidates)
        enabled = {
            message.mbox.full_address
            for message in ARmessage.objects.filter(enabled=True).select_related("mbox__domain")
        }
        return [
            recipient
            for recipient in candidates
            if recipient.address.rsplit("@", 1)[0] not in enabled
        ]

    def fix(self, occurrences):
        AliasRecipient.objects.filter(pk__in=[row.pk for row in occurrences]).delete()

    def describe(self, occurrence):
        return "%s -> %s" % (occurrence.alias.address, occurrence.address)
