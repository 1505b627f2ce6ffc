"""The four tables of 1.10's modoboa-dmarc (same names and columns), plus
the DMARC record last seen in each local domain's DNS zone.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

DISPOSITIONS = (
    ("none", _("None")),
    ("quarantine", _("Quarantine")),
    ("reject", _("Reject")),
)
EVALUATED_RESULTS = (("pass", _("Pass")), ("fail", _("Fail")))
RESULT_TYPES = (("spf", "SPF"), ("dkim", "DKIM"))


class Reporter(models.Model):
    """An organisation that sends aggregate reports."""

    org_name = models.CharField(_("Name"), max_length=100)
    email = models.EmailField(unique=True)

    class Meta:
        db_table = "modoboa_dmarc_reporter"

    def __str__(self):
        return self.org_name


class Report(models.Model):
    """One aggregate report: a reporter's view of a domain over a period."""

    report_id = models.CharField(max_length=150)
    reporter = models.ForeignKey(Reporter, on_delete=models.CASCADE)
    start_date = models.DateTimeField()
    end_date = models.DateTimeField()
    policy_domain = models.CharField(max_length=100)
    policy_adkim = models.CharField(max_length=1)
    policy_aspf = models.CharField(max_length=1)
    policy_p = models.CharField(max_length=10)
    policy_sp = models.CharField(max_length=10)
    policy_pct = models.SmallIntegerField()

    class Meta:
        db_table = "modoboa_dmarc_report"
        unique_together = [("reporter", "report_id")]
        indexes = [models.Index(fields=["start_date"], name="dmarc_report_start_idx")]

    def __str__(self):
        return self.report_id


class Record(models.Model):
    """A row of a report: the mails of one source IP evaluated the same way."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE)
    source_ip = models.GenericIPAddressField()
    count = models.IntegerField()
    disposition = models.CharField(max_length=10, choices=DISPOSITIONS)
    dkim_result = models.CharField(max_length=4, choices=EVALUATED_RESULTS)
    spf_result = models.CharField(max_length=4, choices=EVALUATED_RESULTS)
    header_from = models.ForeignKey("admin.Domain", on_delete=models.CASCADE)
    reason_type = models.CharField(max_length=15, blank=True)
    reason_comment = models.CharField(max_length=100, blank=True)

    class Meta:
        db_table = "modoboa_dmarc_record"
        indexes = [
            models.Index(fields=["header_from", "report"], name="dmarc_record_domain_idx"),
        ]


class Result(models.Model):
    """An authentication result (SPF or DKIM) of a record."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE)
    type = models.CharField(max_length=4, choices=RESULT_TYPES)
    domain = models.CharField(max_length=100, blank=True)
    result = models.CharField(max_length=9)

    class Meta:
        db_table = "modoboa_dmarc_result"


class DomainRecord(models.Model):
    """The ``_dmarc`` TXT record of a local domain, as ``modo check_mx``
    last read it (what the domain list shows).
    """

    domain = models.OneToOneField("admin.Domain", on_delete=models.CASCADE)
    record = models.CharField(max_length=512, blank=True)
    policy = models.CharField(max_length=10, blank=True)
    error = models.CharField(max_length=255, blank=True)
    checked = models.DateTimeField()

    class Meta:
        db_table = "modoboa_dmarc_domainrecord"


SCALES = (("d", _("Day")), ("m", _("Month")), ("y", _("Year")))


class DailyVolume(models.Model):
    """The messages reported about a local domain on one UTC day (the day
    a report starts), by alignment: what the totals and the chart of a
    period's page read (one row per day, whatever the number of records).
    """

    header_from = models.ForeignKey("admin.Domain", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    fully = models.BigIntegerField(default=0)
    partially = models.BigIntegerField(default=0)
    failed = models.BigIntegerField(default=0)

    class Meta:
        db_table = "modoboa_dmarc_dailyvolume"
        constraints = [
            models.UniqueConstraint(fields=["header_from", "day"], name="dmarc_dailyvolume_key")
        ]


class SourceVolume(models.Model):
    """The messages of one source about a local domain over one day, one
    calendar month or one calendar year (``scale``, from ``start``), those
    that passed DMARC (DKIM or SPF) apart from the others, with their SPF,
    DKIM and disposition counts.

    Each record adds to its day, its month and its year: a period is read
    as whole years, whole months and the days left over, and a calendar
    year is one row per source (the largest first straight from an index).
    """

    header_from = models.ForeignKey("admin.Domain", on_delete=models.CASCADE, related_name="+")
    scale = models.CharField(max_length=1, choices=SCALES)
    start = models.DateField()
    passed = models.BooleanField()
    source_ip = models.GenericIPAddressField()
    total = models.BigIntegerField(default=0)
    spf_pass = models.BigIntegerField(default=0)
    spf_fail = models.BigIntegerField(default=0)
    dkim_pass = models.BigIntegerField(default=0)
    dkim_fail = models.BigIntegerField(default=0)
    none = models.BigIntegerField(default=0)
    quarantine = models.BigIntegerField(default=0)
    reject = models.BigIntegerField(default=0)

    class Meta:
        db_table = "modoboa_dmarc_sourcevolume"
        constraints = [
            models.UniqueConstraint(
                fields=["header_from", "scale", "start", "passed", "source_ip"],
                name="dmarc_sourcevolume_key",
            )
        ]
        indexes = [
            models.Index(
                fields=["header_from", "scale", "start", "passed", "-total", "source_ip"],
                name="dmarc_sourcevolume_top_idx",
            ),
            models.Index(
                fields=["header_from", "passed", "source_ip", "scale", "start"],
                name="dmarc_sourcevolume_ip_idx",
            ),
        ]
