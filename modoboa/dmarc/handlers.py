"""Receivers of the core and admin signals."""

from django.db.models import Exists, OuterRef, Subquery

from modoboa.admin import signals as admin_signals
from modoboa.core import access

from . import dns as dmarc_dns
from .models import DomainRecord, Record, Report


def check_dmarc_record(sender, domain, resolver, report, **kwargs):
    """``modo check_mx``: read the domain's DMARC record too."""
    row = dmarc_dns.check_domain(domain, resolver)
    if row.error:
        report.errors.append("DMARC %s: %s" % (domain.name, row.error))


def domain_list_badge(sender, user, **kwargs):
    """The DMARC badge of the domain list (no query per domain)."""
    rows = DomainRecord.objects.filter(domain=OuterRef("pk"))
    return {
        "annotations": {
            "dmarc_checked": Exists(rows),
            "dmarc_policy": Subquery(rows.values("policy")[:1]),
            "dmarc_error": Subquery(rows.values("error")[:1]),
        },
        "template": "dmarc/_domain_badge.html",
    }


def domain_widget(sender, user, domain, **kwargs):
    """The DMARC card of the domain's page: its record and the report link."""
    from django.db.models import Max

    latest = Record.objects.filter(header_from=domain).aggregate(last=Max("report__end_date"))
    return [
        {
            "template": "dmarc/_domain_widget.html",
            "context": {
                "record": DomainRecord.objects.filter(domain=domain).first(),
                "latest": latest["last"],
            },
        }
    ]


def _report_filter(user):
    return Exists(
        Record.objects.filter(
            report=OuterRef("pk"), header_from_id__in=access.accessible_domain_ids(user)
        )
    )


def connect():
    admin_signals.domain_dns_checked.connect(check_dmarc_record, dispatch_uid="dmarc_dns_check")
    admin_signals.domain_list_dns_badges.connect(domain_list_badge, dispatch_uid="dmarc_badge")
    admin_signals.extra_domain_dashboard_widgets.connect(
        domain_widget, dispatch_uid="dmarc_widget"
    )
    access.register(Report, _report_filter)
