"""Serializers of the DMARC endpoints (read only)."""

from rest_framework import serializers

from ..models import Report


class ReportSerializer(serializers.ModelSerializer):
    """An aggregate report received about a hosted domain."""

    pk = serializers.IntegerField(read_only=True, help_text="Identifier of the report.")
    report_id = serializers.CharField(read_only=True, help_text="Report id given by the reporter.")
    org_name = serializers.CharField(
        source="reporter.org_name", read_only=True, help_text="Organisation that sent the report."
    )
    email = serializers.CharField(
        source="reporter.email", read_only=True, help_text="Address of the reporter."
    )
    start_date = serializers.DateTimeField(read_only=True, help_text="Start of the period.")
    end_date = serializers.DateTimeField(read_only=True, help_text="End of the period.")
    policy_domain = serializers.CharField(
        read_only=True, help_text="Domain whose published policy was applied."
    )
    policy_adkim = serializers.CharField(read_only=True, help_text="DKIM alignment mode (r or s).")
    policy_aspf = serializers.CharField(read_only=True, help_text="SPF alignment mode (r or s).")
    policy_p = serializers.CharField(read_only=True, help_text="Policy of the domain.")
    policy_sp = serializers.CharField(read_only=True, help_text="Policy of its subdomains.")
    policy_pct = serializers.IntegerField(
        read_only=True, help_text="Percentage of messages the policy applies to."
    )

    class Meta:
        model = Report
        fields = (
            "pk",
            "report_id",
            "org_name",
            "email",
            "start_date",
            "end_date",
            "policy_domain",
            "policy_adkim",
            "policy_aspf",
            "policy_p",
            "policy_sp",
            "policy_pct",
        )


class SourceSerializer(serializers.Serializer):
    ip = serializers.CharField(help_text="Source IP address.")
    hostname = serializers.CharField(help_text="Reverse DNS name (empty when not looked up).")
    total = serializers.IntegerField(help_text="Messages from this source.")
    spf_pass = serializers.IntegerField(help_text="Messages whose SPF passed aligned.")
    spf_fail = serializers.IntegerField(help_text="Messages whose SPF failed.")
    dkim_pass = serializers.IntegerField(help_text="Messages whose DKIM passed aligned.")
    dkim_fail = serializers.IntegerField(help_text="Messages whose DKIM failed.")
    none = serializers.IntegerField(help_text="Messages delivered (disposition none).")
    quarantine = serializers.IntegerField(help_text="Messages quarantined.")
    reject = serializers.IntegerField(help_text="Messages rejected.")


class OrganisationSerializer(serializers.Serializer):
    name = serializers.CharField(
        help_text="Organisation (domain of the reverse DNS name), or 'Unresolved'."
    )
    total = serializers.IntegerField(help_text="Messages from its sources.")
    sources = SourceSerializer(many=True, help_text="Its sources, largest first.")


class BucketSerializer(serializers.Serializer):
    day = serializers.DateField(help_text="First day of the bucket (a day or a week).")
    fully = serializers.IntegerField(help_text="Messages fully aligned (DKIM and SPF pass).")
    partially = serializers.IntegerField(help_text="Messages partially aligned.")
    failed = serializers.IntegerField(help_text="Messages failing DKIM and SPF.")


class SummarySerializer(serializers.Serializer):
    """The aggregated results of a domain over a period."""

    domain = serializers.CharField(help_text="The domain.")
    start = serializers.DateField(help_text="First day of the period.")
    end = serializers.DateField(help_text="Last day of the period (included).")
    total = serializers.IntegerField(help_text="Messages reported.")
    fully = serializers.IntegerField(help_text="Messages fully aligned (DKIM and SPF pass).")
    partially = serializers.IntegerField(help_text="Messages passing only DKIM or only SPF.")
    failed = serializers.IntegerField(help_text="Messages failing both.")
    bucket = serializers.CharField(help_text="Size of the buckets: 'day' or 'week'.")
    buckets = BucketSerializer(many=True, help_text="Volumes per day (or week).")
    trusted = OrganisationSerializer(
        many=True, help_text="Sources of messages that passed DMARC, by organisation."
    )
    threats = OrganisationSerializer(
        many=True, help_text="Sources of messages that failed DMARC, by organisation."
    )
    trusted_truncated = serializers.BooleanField(
        help_text="True when only the 100 largest trusted sources are listed."
    )
    threats_truncated = serializers.BooleanField(
        help_text="True when only the 100 largest threat sources are listed."
    )


class SourcePageSerializer(serializers.Serializer):
    """A page of the sources of a domain over a period."""

    domain = serializers.CharField(help_text="The domain.")
    start = serializers.DateField(help_text="First day of the period.")
    end = serializers.DateField(help_text="Last day of the period (included).")
    kind = serializers.CharField(help_text="'trusted' (passed DMARC) or 'threats'.")
    page = serializers.IntegerField(help_text="This page's number (from 1).")
    next_page = serializers.IntegerField(
        allow_null=True, help_text="The following page's number, null on the last page."
    )
    sources = SourceSerializer(many=True, help_text="Up to 100 sources, largest first.")


def summary_data(domain, summary):
    def organisations(groups):
        return [
            {"name": group.name, "total": group.total, "sources": [vars(s) for s in group.sources]}
            for group in groups
        ]

    return {
        "domain": domain.name,
        "start": summary.period.start,
        "end": summary.period.end,
        "total": summary.total,
        "fully": summary.fully,
        "partially": summary.partially,
        "failed": summary.failed,
        "bucket": summary.bucket,
        "buckets": [
            {"day": day, "fully": fully, "partially": partially, "failed": failed}
            for day, fully, partially, failed in summary.buckets
        ],
        "trusted": organisations(summary.trusted),
        "threats": organisations(summary.threats),
        "trusted_truncated": summary.trusted_more,
        "threats_truncated": summary.threats_more,
    }
