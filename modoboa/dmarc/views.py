"""The report page of a domain: one period (a week by default), its
totals, sources and chart.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from modoboa.admin.models import Domain
from modoboa.core import access
from modoboa.parameters import tools as param_tools

from .chart import chart_svg
from .services import summary as summary_service


def get_domain(user, pk):
    """The domain ``pk`` when ``user`` may see its reports (its
    administrators, its reseller, superadmins), else 404.
    """
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(access.filter_for_admin(user, Domain.objects.all()), pk=pk)


def get_period(params, domain):
    """The period asked by ``params``, else the week of the domain's latest
    report; with the PeriodError of a bad request (or None).
    """
    error = None
    if any(params.get(name) for name in ("week", "start", "end")):
        try:
            return summary_service.parse_period(params), None
        except summary_service.PeriodError as exc:
            error = exc
    day = summary_service.latest_day(domain)
    return summary_service.parse_period({}, default_day=day), error


@login_required
@require_GET
def domain_report(request, pk):
    domain = get_domain(request.user, pk)
    period, error = get_period(request.GET, domain)
    rlookups = param_tools.get_global_parameter("enable_rlookups", app="dmarc")
    summary = summary_service.summarize(domain, period, rlookups=rlookups)
    base = reverse("dmarc:domain_report", args=[domain.pk])
    context = {
        "domain": domain,
        "summary": summary,
        "period": period,
        "error": error,
        "previous_url": "%s?%s" % (base, urlencode(period.shifted(-1).query())),
        "next_url": "%s?%s" % (base, urlencode(period.shifted(1).query())),
        "chart": chart_svg(summary),
        "more_urls": {
            kind: "%s?%s"
            % (
                reverse("dmarc:domain_sources", args=[domain.pk, kind]),
                urlencode({**period.query(), "page": 2}),
            )
            for kind in summary_service.KINDS
        },
    }
    status = 400 if error else 200
    return render(request, "dmarc/domain_report.html", context, status=status)


@login_required
@require_GET
def domain_sources(request, pk, kind):
    """Every source of a period (trusted or threats), a page at a time."""
    domain = get_domain(request.user, pk)
    if kind not in summary_service.KINDS:
        raise Http404
    period, error = get_period(request.GET, domain)
    try:
        page = summary_service.parse_page(request.GET.get("page"))
    except summary_service.PeriodError as exc:
        page, error = 1, exc
    passed = summary_service.KINDS[kind]
    sources, has_next = summary_service.sources_page(domain, period, passed, page)
    rlookups = param_tools.get_global_parameter("enable_rlookups", app="dmarc")
    base = reverse("dmarc:domain_sources", args=[domain.pk, kind])

    def page_url(number):
        return "%s?%s" % (base, urlencode({**period.query(), "page": number}))

    context = {
        "domain": domain,
        "period": period,
        "error": error,
        "kind": kind,
        "page": page,
        "organisations": summary_service.group_sources(sources, rlookups=rlookups),
        "previous_url": page_url(page - 1) if page > 1 else None,
        "next_url": page_url(page + 1) if has_next else None,
        "report_url": "%s?%s"
        % (reverse("dmarc:domain_report", args=[domain.pk]), urlencode(period.query())),
    }
    status = 400 if error else 200
    return render(request, "dmarc/domain_sources.html", context, status=status)
