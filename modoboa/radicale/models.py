"""1.10's calendar tables: user calendars, shared calendars, sharing rules."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserCalendar(models.Model):
    """A calendar of one mailbox, which it may share with others."""

    name = models.CharField(_("name"), max_length=200)
    mailbox = models.ForeignKey("admin.Mailbox", on_delete=models.CASCADE)

    class Meta:
        # 1.10's table, without a unique constraint of its own: the service
        # layer refuses a second calendar of the same name.
        db_table = "modoboa_radicale_usercalendar"

    def __str__(self):
        return self.name

    @property
    def path(self):
        """The collection's path on the Radicale server (1.10's layout)."""
        return "%s/user/%s/%s" % (self.mailbox.domain.name, self.mailbox.address, self.name)


class SharedCalendar(models.Model):
    """A calendar every mailbox of a domain reads and writes."""

    name = models.CharField(_("name"), max_length=200)
    domain = models.ForeignKey("admin.Domain", on_delete=models.CASCADE)

    class Meta:
        db_table = "modoboa_radicale_sharedcalendar"

    def __str__(self):
        return self.name

    @property
    def path(self):
        return "%s/shared/%s" % (self.domain.name, self.name)


class AccessRule(models.Model):
    """What a mailbox may do with another mailbox's calendar."""

    mailbox = models.ForeignKey("admin.Mailbox", on_delete=models.CASCADE)
    calendar = models.ForeignKey(UserCalendar, on_delete=models.CASCADE, related_name="rules")
    read = models.BooleanField(default=False)
    write = models.BooleanField(default=False)
    last_update = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "modoboa_radicale_accessrule"
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "calendar"], name="radicale_rule_uniq")
        ]

    def __str__(self):
        return "%s: %s" % (self.mailbox, self.calendar)


class PendingOperation(models.Model):
    """A move or a removal of collections on the Radicale server, recorded
    with the change that causes it, run once that change is committed (for
    a short time) and else by ``generate_rights``. While it waits, its old
    address or domain name is given to no one.
    """

    MOVE = "move"
    REMOVE = "remove"

    action = models.CharField(max_length=6, choices=[(MOVE, MOVE), (REMOVE, REMOVE)])
    #: The address or domain name whose collections are moved or removed.
    old_name = models.CharField(max_length=254, db_index=True)
    new_name = models.CharField(max_length=254, blank=True, default="")
    #: ``[old path, new path]`` pairs (a removal: ``[old path, ""]``).
    paths = models.JSONField(default=list)
    created = models.DateTimeField(default=timezone.now)
    last_attempt = models.DateTimeField(default=timezone.now)
    #: Runs that tried it and failed (0: not tried yet).
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    #: The run working on it (a random token; blank: none), until
    #: ``claimed_until`` (a run that died leaves it to the next one then).
    claimed_by = models.CharField(max_length=32, blank=True, default="")
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "modoboa_radicale_pendingoperation"
        ordering = ["pk"]

    def __str__(self):
        if self.action == self.MOVE:
            return "move %s -> %s" % (self.old_name, self.new_name)
        return "remove %s" % self.old_name
