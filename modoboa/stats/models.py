"""Tables of the statistics application.

1.10 kept its counters in RRD files and had no table; here they are SQL
rows (see docs/decisions.rst):

- ``stats_counter``: traffic counters of one period (a minute or an hour)
  for one scope (a domain or domain alias name, or ``""`` for the whole
  server);
- ``stats_accountcounter``: accounts created per hour (``update_statistics``);
- ``stats_maillog``: one row per delivery attempt, rejection or greylisting;
- ``stats_logstate``: where ``logparser`` stopped in each log file;
- ``stats_queueentry``: messages whose sender and size were read but whose
  deliveries are not all logged yet (so a run can stop between the two).
"""

from django.db import models

GLOBAL = ""  # scope of the server-wide counters

# Counter columns, in the order of 1.10's RRD data sources.
COUNTERS = (
    "sent",
    "recv",
    "bounced",
    "reject",
    "spam",
    "virus",
    "greylist",
    "size_sent",
    "size_recv",
)
MINUTE = 60
HOUR = 3600


class Counter(models.Model):
    """Traffic of ``domain`` during the ``step`` seconds from ``start``."""

    step = models.PositiveIntegerField()
    domain = models.CharField(max_length=253, blank=True)
    # UNIX time of the period's start.
    start = models.BigIntegerField()
    sent = models.BigIntegerField(default=0)
    recv = models.BigIntegerField(default=0)
    bounced = models.BigIntegerField(default=0)
    reject = models.BigIntegerField(default=0)
    spam = models.BigIntegerField(default=0)
    virus = models.BigIntegerField(default=0)
    greylist = models.BigIntegerField(default=0)
    size_sent = models.BigIntegerField(default=0)
    size_recv = models.BigIntegerField(default=0)

    class Meta:
        db_table = "stats_counter"
        constraints = [
            models.UniqueConstraint(
                fields=["step", "domain", "start"], name="stats_counter_period"
            )
        ]


class AccountCounter(models.Model):
    """Accounts created during the hour starting at ``start``."""

    start = models.BigIntegerField(unique=True)
    new_accounts = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "stats_accountcounter"


class Maillog(models.Model):
    """One delivery attempt (or a refusal) read from the log."""

    queue_id = models.CharField(max_length=32, blank=True, db_index=True)
    date = models.DateTimeField()
    sender = models.CharField(max_length=254, blank=True)
    rcpt = models.CharField(max_length=254, blank=True)
    original_rcpt = models.CharField(max_length=254, blank=True)
    size = models.BigIntegerField(default=0)
    status = models.CharField(max_length=16)
    relay = models.CharField(max_length=255, blank=True)
    answer = models.TextField(blank=True)
    from_domain = models.CharField(max_length=253, blank=True)
    to_domain = models.CharField(max_length=253, blank=True)

    class Meta:
        db_table = "stats_maillog"
        # Every search is newest first, ties broken by the id: each
        # filter's index ends with (date, id), so a page is read in order
        # from the index, and the ids of a deep page are found by walking
        # the index alone before the rows are read (see services.page_of
        # and docs/benchmarks.rst). An administrator's status search has
        # its own (domain, status, date, id) indexes.
        indexes = [
            models.Index(fields=["date", "id"], name="stats_maillog_date"),
            models.Index(fields=["from_domain", "date", "id"], name="stats_maillog_from"),
            models.Index(fields=["to_domain", "date", "id"], name="stats_maillog_to"),
            models.Index(fields=["sender", "date", "id"], name="stats_maillog_sender"),
            models.Index(fields=["rcpt", "date", "id"], name="stats_maillog_rcpt"),
            models.Index(fields=["original_rcpt", "date", "id"], name="stats_maillog_orig_rcpt"),
            models.Index(fields=["status", "date", "id"], name="stats_maillog_status"),
            models.Index(
                fields=["from_domain", "status", "date", "id"], name="stats_maillog_from_st"
            ),
            models.Index(fields=["to_domain", "status", "date", "id"], name="stats_maillog_to_st"),
        ]


class LogState(models.Model):
    """Where the parser stopped in ``path``: the file's inode, the first
    bytes of the file (to notice a file truncated and rewritten in place)
    and the offset after the last line read.
    """

    path = models.CharField(max_length=255, unique=True)
    inode = models.BigIntegerField(default=0)
    head = models.CharField(max_length=64, blank=True)
    offset = models.BigIntegerField(default=0)
    last_run = models.DateTimeField(null=True)

    class Meta:
        db_table = "stats_logstate"


class QueueEntry(models.Model):
    """A message in Postfix's queue, known from its ``from=`` line."""

    queue_id = models.CharField(max_length=32, unique=True)
    sender = models.CharField(max_length=254, blank=True)
    size = models.BigIntegerField(default=0)
    date = models.DateTimeField()

    class Meta:
        db_table = "stats_queueentry"
