"""Domain pages: list, quotas, wizard, edit, detail, delete, DNS and DKIM."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import (
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, StrIndex, Substr
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from modoboa.core.models import User
from modoboa.lib.exceptions import ModoboaException
from modoboa.lib.listing import Listing
from modoboa.lib.views import check_access, dispatch_service_error, perm_required
from modoboa.limits import services as limits_services
from modoboa.parameters import tools as param_tools
from modoboa.relaydomains.forms import TransportForm
from modoboa.transport.backends import manager as transport_manager

from .. import dns_checks, dns_records, mx_checks, services, signals
from ..forms.domain import DomainDeleteForm, DomainGeneralForm, DomainOptionsForm
from ..models import DNSBLResult, Domain, DomainAlias, Mailbox, MXRecord, Quota
from .common import extra_content, extra_tabs, pool_usage, signal_entries

SIDEBAR = "admin/_domains_menu.html"
FILTERS_SESSION_KEY = "domain_filters"
FILTER_NAMES = ("searchquery", "domfilter", "srvfilter")
ADMIN_FIELD_MAP = {"username": "dom_admin_username", "email": "dom_admin_username"}


def _sidebar_context(request, section):
    user = request.user
    return {
        "sidebar_template": SIDEBAR,
        "section": section,
        "pool": pool_usage(user),
        "extra_menu": signal_entries(signals.extra_domain_menu_entries, user=user),
        "extra_content": extra_content(user, "domains", section),
    }


def filtered_domains(user, params):
    """The domains ``user`` reaches, filtered as the list page does."""
    queryset = Domain.objects.get_for_admin(user)
    search = (params.get("searchquery") or "").strip().lower()
    if search:
        queryset = queryset.filter(
            Q(name__contains=search)
            | Exists(DomainAlias.objects.filter(target=OuterRef("pk"), name__contains=search))
        )
    domfilter = params.get("domfilter")
    if domfilter in ("domain", "relaydomain"):
        queryset = queryset.filter(type=domfilter)
    srvfilter = params.get("srvfilter")
    if srvfilter:
        queryset = queryset.filter(transport__service=srvfilter)
    extra = {name: params.get(name) for name in signal_entries(signals.extra_domain_filters)}
    for _receiver, result in signals.extra_domain_qset_filters.send(
        sender="console", domfilter=domfilter, extrafilters=extra
    ):
        if result:
            queryset = queryset.filter(**result)
    return queryset


def _remember_filters(request):
    filters = {name: request.GET.get(name, "") for name in FILTER_NAMES if request.GET.get(name)}
    # Saving an unchanged session would cost a write (and a commit) per page.
    if request.session.get(FILTERS_SESSION_KEY) != filters:
        request.session[FILTERS_SESSION_KEY] = filters


@perm_required("admin.view_domains")
@require_GET
def domain_list(request):
    _remember_filters(request)
    now = timezone.now()
    badges, annotations = [], {}
    for _receiver, result in signals.domain_list_dns_badges.send(
        sender="domain_list", user=request.user
    ):
        if result:
            annotations.update(result.get("annotations", {}))
            badges.append(result["template"])
    queryset = (
        filtered_domains(request.user, request.GET)
        .select_related("transport")
        .annotate(
            has_valid_mx=Exists(MXRecord.objects.filter(domain=OuterRef("pk"), updated__gt=now)),
            dnsbl_listed=Exists(
                DNSBLResult.objects.filter(domain=OuterRef("pk")).exclude(status="")
            ),
            dnsbl_checked=Exists(DNSBLResult.objects.filter(domain=OuterRef("pk"))),
        )
        .annotate(**annotations)
        .prefetch_related("domainalias_set")
    )
    listing = Listing(
        request,
        queryset,
        sort_fields={"name": "name", "tags": ("type", "name")},
        default_sort="name",
    )
    admin_params = param_tools.get_global_parameters("admin")
    context = _sidebar_context(request, "list")
    context.update(
        {
            "listing": listing,
            "filters": {name: request.GET.get(name, "") for name in FILTER_NAMES},
            "services": transport_manager.get_backend_choices(),
            "show_mx": admin_params.get("enable_mx_checks"),
            "show_dnsbl": admin_params.get("enable_dnsbl_checks"),
            "dns_badges": badges,
            "awaiting_since": now - timezone.timedelta(hours=24),
        }
    )
    return render(request, "admin/domain_list.html", context)


def _used_bytes_by_domain(domains):
    """``{domain name: bytes}`` for a page of domains, in one query that
    only reads the ``admin_quota`` rows of their mailboxes (by primary key).
    """
    from django.db.models.functions import Concat

    if not domains:
        return {}
    addresses = (
        Mailbox.objects.filter(domain__in=[d.pk for d in domains])
        .annotate(full=Concat("address", Value("@"), "domain__name"))
        .values("full")
    )
    rows = (
        Quota.objects.filter(username__in=addresses)
        .annotate(dom=Substr("username", StrIndex("username", Value("@")) + 1))
        .values("dom")
        .annotate(total=Sum("bytes"))
        .order_by()
    )
    return {row["dom"]: row["total"] or 0 for row in rows}


@perm_required("admin.add_domain")
@require_GET
def domain_quota_list(request):
    allocated = (
        Mailbox.objects.filter(domain=OuterRef("pk"))
        .order_by()
        .values("domain")
        .annotate(total=Sum("quota"))
        .values("total")
    )
    queryset = (
        filtered_domains(request.user, request.GET)
        .exclude(quota=0)
        .annotate(allocated=Coalesce(Subquery(allocated, output_field=IntegerField()), Value(0)))
    )
    listing = Listing(
        request,
        queryset,
        sort_fields={"name": "name", "quota": "quota", "allocated_quota": "allocated"},
        default_sort="name",
    )
    domains = list(listing.items)
    used = _used_bytes_by_domain(domains)
    rows = []
    for domain in domains:
        used_mb = int(used.get(domain.name, 0) / 1048576)
        rows.append(
            {
                "domain": domain,
                "used": used_mb,
                "allocated": domain.allocated,
                "used_percent": min(100, int(used_mb * 100 / domain.quota)),
                "allocated_percent": min(100, int(domain.allocated * 100 / domain.quota)),
            }
        )
    context = _sidebar_context(request, "quotas")
    context.update({"listing": listing, "rows": rows, "filters": request.GET})
    return render(request, "admin/domain_quota_list.html", context)


@perm_required("core.add_user")
@require_GET
def domain_flat_list(request):
    """Names of the domains the user reaches (for autocompletion)."""
    names = (
        Domain.objects.get_for_admin(request.user).order_by("name").values_list("name", flat=True)
    )
    search = (request.GET.get("q") or "").strip().lower()
    if search:
        names = names.filter(name__startswith=search)
    return JsonResponse(list(names[:100]), safe=False)


@perm_required("admin.add_domain")
@require_http_methods(["GET", "POST"])
def domain_add(request):
    """The creation wizard: General, Transport (relay domains), Options."""
    user = request.user
    limits_services.check_user_limit(user, "domains")
    admin_params = param_tools.get_global_parameters("admin")
    if request.method == "POST":
        general = DomainGeneralForm(request.POST)
        transport = TransportForm(request.POST, prefix="transport")
        options = DomainOptionsForm(request.POST)
        is_relay = request.POST.get("type") == "relaydomain"
        valid = all(
            [general.is_valid(), options.is_valid(), transport.is_valid() if is_relay else True]
        )
        if valid:
            try:
                domain = services.create_domain(
                    acting_user=user,
                    aliases=general.cleaned_data["aliases"],
                    transport=transport.to_service() if is_relay else None,
                    domain_admin=options.domain_admin(),
                    **general.service_kwargs(),
                )
            except ModoboaException as exc:
                dispatch_service_error([general, transport, options], exc, ADMIN_FIELD_MAP)
            else:
                messages.success(request, _("Domain %s created") % domain.name)
                return redirect("admin:domain_detail", pk=domain.pk)
        status = 400
    else:
        general = DomainGeneralForm(
            initial={
                "quota": admin_params.get("default_domain_quota", 0),
                "default_mailbox_quota": admin_params.get("default_mailbox_quota", 0),
                "dkim_key_length": admin_params.get("dkim_default_key_length"),
            }
        )
        transport = TransportForm(prefix="transport")
        options = DomainOptionsForm()
        status = 200
    context = _sidebar_context(request, "add")
    context.update({"general": general, "transport": transport, "options": options})
    return render(request, "admin/domain_add.html", context, status=status)


def _get_domain(request, pk):
    domain = get_object_or_404(Domain.objects.select_related("transport"), pk=pk)
    check_access(request.user, domain)
    return domain


def _sync_domain_aliases(domain, wanted, acting_user):
    current = {alias.name: alias for alias in domain.domainalias_set.all()}
    for name, alias in current.items():
        if name not in wanted:
            services.delete_domain_alias(alias, acting_user=acting_user)
    for name in wanted:
        if name not in current:
            services.create_domain_alias(acting_user=acting_user, name=name, target=domain)


@perm_required("admin.view_domains", "admin.change_domain")
@require_http_methods(["GET", "POST"])
def domain_edit(request, pk):
    """The tabbed form: General plus the extension tabs."""
    user = request.user
    domain = _get_domain(request, pk)
    data = request.POST if request.method == "POST" else None
    general = DomainGeneralForm(data, domain=domain)
    tabs = extra_tabs(
        signals.extra_domain_forms,
        signals.get_domain_form_instances,
        user,
        domain,
        data,
        domain=domain,
    )
    status = 200
    if request.method == "POST":
        general_valid = general.is_valid()
        general_data = general.cleaned_data if general_valid else {}
        relevant = [
            tab
            for tab in tabs
            if not hasattr(tab["form"], "is_relevant") or tab["form"].is_relevant(general_data)
        ]
        if general_valid and all([tab["form"].is_valid() for tab in relevant]):
            try:
                with transaction.atomic():
                    kwargs = general.service_kwargs()
                    for tab in relevant:
                        if hasattr(tab["form"], "domain_update_kwargs"):
                            kwargs.update(tab["form"].domain_update_kwargs())
                    services.update_domain(domain, acting_user=user, **kwargs)
                    domain.refresh_from_db()
                    # Limits first, so the aliases added below count against
                    # the new values.
                    for tab in relevant:
                        tab["form"].save(acting_user=user)
                    if user.has_perm("admin.add_domainalias"):
                        _sync_domain_aliases(domain, general_data["aliases"], user)
            except ModoboaException as exc:
                dispatch_service_error([general] + [tab["form"] for tab in tabs], exc)
            else:
                messages.success(request, _("Domain %s modified") % domain.name)
                return redirect("admin:domain_detail", pk=domain.pk)
        status = 400
        # Tabs that do not apply (a relay tab of a plain domain) show no
        # errors.
        for tab in tabs:
            if tab not in relevant:
                tab["form"] = tab["cls"](user, tab["instance"], None, prefix=tab["id"])
    context = _sidebar_context(request, "list")
    context.update({"domain": domain, "general": general, "tabs": tabs})
    return render(request, "admin/domain_edit.html", context, status=status)


@perm_required("admin.view_domain")
@require_GET
def domain_detail(request, pk):
    domain = _get_domain(request, pk)
    now = timezone.now()
    mx_records = list(domain.mxrecord_set.order_by("name"))
    dnsbl = list(DNSBLResult.objects.filter(domain=domain).exclude(status=""))
    dnsbl_checked = DNSBLResult.objects.filter(domain=domain).exists()
    widgets = signal_entries(
        signals.extra_domain_dashboard_widgets, user=request.user, domain=domain
    )
    limits = []
    if limits_services.domain_limits_enabled():
        limits = limits_services.domain_limits_summary(domain)
    admins = list(domain.admins.prefetch_related("groups").order_by("username"))
    context = _sidebar_context(request, "list")
    context.update(
        {
            "domain": domain,
            "domain_aliases": list(domain.domainalias_set.all()),
            "mailbox_count": domain.mailbox_set.count(),
            "alias_count": domain.alias_set.filter(internal=False).count(),
            "mx_records": mx_records,
            "valid_mx": [mx for mx in mx_records if mx.updated > now],
            "awaiting_checks": not any(mx.updated > now for mx in mx_records)
            and domain.creation > now - timezone.timedelta(hours=24),
            "dnsbl_listed": dnsbl,
            "dnsbl_checked": dnsbl_checked,
            "admins": admins,
            "widgets": widgets,
            "limits": limits,
            "admin_params": param_tools.get_global_parameters("admin"),
            "dns_records": dns_records.last_results(domain),
        }
    )
    return render(request, "admin/domain_detail.html", context)


@perm_required("admin.view_domain")
@require_POST
def domain_dns_check(request, pk):
    """Check now the MX, DNSBL and SPF/DKIM/DMARC records of one domain."""
    domain = _get_domain(request, pk)
    if dns_checks.has_reserved_tld(domain.name):
        messages.warning(
            request,
            _("%s belongs to a reserved top-level domain: it is not checked.") % domain.name,
        )
    else:
        reports = mx_checks.run(domains=[domain.pk], skip_admin_emails=True)
        problems = reports[0].errors + reports[0].mx_problems if reports else []
        if problems:
            messages.warning(request, _("DNS checks done: %s") % "; ".join(problems))
        else:
            messages.success(request, _("DNS checks done"))
    return redirect("admin:domain_detail", pk=domain.pk)


@perm_required("admin.view_domain")
@require_GET
def domain_mx(request, pk):
    domain = _get_domain(request, pk)
    context = _sidebar_context(request, "list")
    context.update(
        {
            "domain": domain,
            "mx_records": domain.mxrecord_set.order_by("name"),
            "now": timezone.now(),
        }
    )
    return render(request, "admin/domain_mx.html", context)


@perm_required("admin.view_domain")
@require_GET
def domain_dnsbl(request, pk):
    domain = _get_domain(request, pk)
    results = (
        DNSBLResult.objects.filter(domain=domain)
        .select_related("mx")
        .order_by("provider", "mx__name")
    )
    context = _sidebar_context(request, "list")
    context.update({"domain": domain, "results": results})
    return render(request, "admin/domain_dnsbl.html", context)


@perm_required("admin.change_domain")
@require_POST
def domain_dkim_regenerate(request, pk):
    domain = _get_domain(request, pk)
    services.regenerate_dkim_key(domain, acting_user=request.user)
    messages.success(request, _("A new DKIM key will be generated shortly"))
    return redirect("admin:domain_detail", pk=domain.pk)


@perm_required("admin.delete_domain")
@require_http_methods(["GET", "POST"])
def domain_delete(request, pk):
    domain = _get_domain(request, pk)
    handle_mailboxes = param_tools.get_global_parameter("handle_mailboxes", app="admin")
    form = DomainDeleteForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_domain(
                domain, acting_user=request.user, keepdir=form.cleaned_data["keepdir"]
            )
        except ModoboaException as exc:
            form.add_error(None, exc.message)
            status = exc.http_code
        else:
            messages.success(request, _("Domain %s deleted") % domain.name)
            return redirect("admin:domain_list")
    context = _sidebar_context(request, "list")
    context.update({"domain": domain, "form": form, "handle_mailboxes": handle_mailboxes})
    return render(request, "admin/domain_delete.html", context, status=status)


@perm_required("admin.add_domain")
@require_POST
def permission_remove(request):
    """Stop an account from administering a domain (detail page action)."""
    domain = get_object_or_404(Domain, pk=request.POST.get("domid") or 0)
    account = get_object_or_404(User, pk=request.POST.get("daid") or 0)
    check_access(request.user, domain)
    if not request.user.is_superuser and not request.user.can_access(account):
        raise PermissionDenied(_("You are not allowed to access this object."))
    services.remove_domain_admin(domain, account, acting_user=request.user)
    messages.success(request, _("Permission removed"))
    return redirect(reverse("admin:domain_detail", args=[domain.pk]))
