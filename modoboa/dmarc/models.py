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


class DailySource(models.Model):
    """The messages of one source, one day, one evaluation, summed over
    every report about a local domain (kept up to date by the import).

    A period's page groups these rows (a few per source and day) instead
    of the reports' records (one per reporter, report and source): the
    yearly view costs the number of sources seen each day, not the number
    of records. ``day`` is the UTC day a report starts, as on the page.
    """

    header_from = models.ForeignKey("admin.Domain", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    source_ip = models.GenericIPAddressField()
    disposition = models.CharField(max_length=10, choices=DISPOSITIONS)
    dkim_result = models.CharField(max_length=4, choices=EVALUATED_RESULTS)
    spf_result = models.CharField(max_length=4, choices=EVALUATED_RESULTS)
    count = models.BigIntegerField(default=0)

    class Meta:
        db_table = "modoboa_dmarc_dailysource"
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "header_from",
                    "day",
                    "source_ip",
                    "disposition",
                    "dkim_result",
                    "spf_result",
                ],
                name="dmarc_dailysource_key",
            )
        ]
