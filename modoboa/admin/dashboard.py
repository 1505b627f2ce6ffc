"""The administration's widgets on the dashboard.

Each widget answers a question an administrator opens the dashboard for:
how much of my resources is left, which domains are running out of
quota, what is waiting to be done (mailbox operations, DKIM keys), what
the DNS checks found, and what administrators did last. Every query is
bounded (a few rows, counts on indexed columns), whatever the number of
domains and mailboxes.
"""

from django.db import connections
from django.db.models import F, FloatField, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from modoboa.core import database_health, jobs, maps_freshness
from modoboa.core.models import Log
from modoboa.limits import services as limits_services

from .models import DNSBLResult, Domain, Mailbox, MailboxOperation, MXRecord

#: A domain is "close to its quota" from this share allocated to mailboxes.
QUOTA_WARNING_RATIO = 0.8
ROWS = 5


def domains_close_to_quota(user, limit=ROWS):
    """The domains ``user`` administers whose mailboxes' quotas take
    ``QUOTA_WARNING_RATIO`` or more of the domain's quota, fullest first.
    """
    allocated = (
        Mailbox.objects.filter(domain=OuterRef("pk"))
        .order_by()
        .values("domain")
        .annotate(total=Sum("quota"))
        .values("total")
    )
    return list(
        Domain.objects.get_for_admin(user)
        .filter(quota__gt=0)
        .annotate(allocated=Coalesce(Subquery(allocated, output_field=IntegerField()), Value(0)))
        .annotate(
            ratio=Cast(F("allocated"), FloatField()) / Cast(F("quota"), FloatField()),
        )
        .filter(ratio__gte=QUOTA_WARNING_RATIO)
        .order_by("-ratio", "name")[:limit]
    )


def pending_work(user):
    """What the cron jobs still have to do, in ``user``'s reach."""
    domains = Domain.objects.get_for_admin(user)
    now = timezone.now()
    work = {
        "dkim_keys": domains.filter(enable_dkim=True, dkim_public_key="").count(),
        "dnsbl_listed": DNSBLResult.objects.filter(domain__in=domains)
        .exclude(status="")
        .values("domain")
        .distinct()
        .count(),
        "mx_checked": MXRecord.objects.filter(domain__in=domains, updated__gt=now)
        .values("domain")
        .distinct()
        .count(),
    }
    # Renames and deletions on disk concern the whole mail store, and the
    # Postfix maps the whole instance.
    work["mailbox_operations"] = MailboxOperation.objects.count() if user.is_superuser else None
    work["database"] = database_health.check() if user.is_superuser else None
    maps_dir = maps_freshness.configured_dir()
    work["postfix_maps"] = (
        maps_freshness.check(maps_dir, connections["default"].settings_dict)
        if user.is_superuser and maps_dir
        else None
    )
    return work


def dashboard_widgets(sender, user, **kwargs):
    """Receiver of ``extra_admin_dashboard_widgets``."""
    widgets = []
    if not user.is_superuser and limits_services.admin_limits_enabled():
        widgets.append(
            {
                "column": "left",
                "template": "admin/dashboard/_resources.html",
                "context": {"pool": limits_services.user_limits_summary(user)},
            }
        )
    widgets.append(
        {
            "column": "left",
            "template": "admin/dashboard/_quota.html",
            "context": {
                "domains": [
                    {"domain": domain, "percent": min(100, int(domain.ratio * 100))}
                    for domain in domains_close_to_quota(user)
                ],
                "threshold": int(QUOTA_WARNING_RATIO * 100),
            },
        }
    )
    widgets.append(
        {
            "column": "right",
            "template": "admin/dashboard/_pending.html",
            "context": pending_work(user),
        }
    )
    if user.is_superuser:
        # Cron runs for the whole instance: only its operator sees it.
        widgets.append(
            {
                "column": "right",
                "template": "admin/dashboard/_jobs.html",
                "context": {"jobs": jobs.overview()},
            }
        )
        widgets.append(
            {
                "column": "right",
                "template": "admin/dashboard/_log.html",
                "context": {"lines": list(Log.objects.order_by("-date_created", "-pk")[:ROWS])},
            }
        )
    return widgets
