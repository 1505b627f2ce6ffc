"""Console pages of the IMAP migration: the jobs (administrators, for the
mailboxes they reach) and the email providers (super administrators).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from modoboa.lib.exceptions import BadRequest, ModoboaException, NotFound
from modoboa.lib.views import apply_service_error

from . import services
from .forms import MigrationsForm, ProviderForm, RestartForm
from .models import EmailProvider

PER_PAGE = 50
MAX_CSV_BYTES = 2 * 1024 * 1024


def _require_admin(user):
    if not user.is_admin:
        raise PermissionDenied(_("Migrations are managed by administrators."))


def _require_superuser(user):
    if not user.is_superuser:
        raise PermissionDenied(_("Only super administrators manage email providers"))


def _migration(request, pk):
    _require_admin(request.user)
    try:
        return services.get_migration(request.user, pk)
    except NotFound:
        raise Http404 from None


@login_required
@require_GET
def migration_list(request):
    _require_admin(request.user)
    queryset = services.migrations_for(request.user).order_by("-pk")
    status = request.GET.get("status", "")
    if status:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "imap_migration/migration_list.html",
        {"page": page, "status": status, "is_superuser": request.user.is_superuser},
    )


@login_required
@require_http_methods(["GET", "POST"])
def migration_create(request):
    _require_admin(request.user)
    form = MigrationsForm()
    status = 200
    if request.method == "POST":
        form = MigrationsForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data.get("csv_file")
            try:
                if upload is not None:
                    if upload.size > MAX_CSV_BYTES:
                        raise BadRequest(_("The file is too large."), field="csv_file")
                    entries = services.parse_accounts(upload.read(), field="csv_file")
                else:
                    entries = services.parse_accounts(form.cleaned_data["accounts"])
                created = services.create_migrations(
                    acting_user=request.user,
                    entries=entries,
                    include_folders=form.cleaned_data["include_folders"],
                    exclude_folders=form.cleaned_data["exclude_folders"],
                )
            except ModoboaException as exc:
                apply_service_error(
                    form,
                    exc,
                    {"username": "accounts", "local_address": "accounts", "password": "accounts"},
                )
            else:
                messages.success(request, _("%d job(s) queued") % len(created))
                return redirect("modoboa_imap_migration:migration_list")
        status = 400
    return render(request, "imap_migration/migration_form.html", {"form": form}, status=status)


@login_required
@require_GET
def migration_detail(request, pk):
    migration = _migration(request, pk)
    return render(
        request,
        "imap_migration/migration_detail.html",
        {
            "migration": migration,
            "folders": migration.folders.all()[:500],
            "restart_form": RestartForm(),
        },
    )


@login_required
@require_POST
def migration_cancel(request, pk):
    migration = _migration(request, pk)
    try:
        services.cancel_migration(migration, acting_user=request.user)
    except ModoboaException as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Migration of %s cancelled") % migration.username)
    return redirect("modoboa_imap_migration:migration_detail", pk=migration.pk)


@login_required
@require_POST
def migration_restart(request, pk):
    migration = _migration(request, pk)
    form = RestartForm(request.POST)
    if form.is_valid():
        try:
            services.restart_migration(
                migration, acting_user=request.user, password=form.cleaned_data["password"]
            )
        except ModoboaException as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Migration of %s queued again") % migration.username)
    else:
        messages.error(request, _("Enter the old password."))
    return redirect("modoboa_imap_migration:migration_detail", pk=migration.pk)


@login_required
@require_POST
def migration_delete(request, pk):
    migration = _migration(request, pk)
    try:
        services.delete_migration(migration, acting_user=request.user)
    except ModoboaException as exc:
        messages.error(request, exc.message)
        return redirect("modoboa_imap_migration:migration_detail", pk=migration.pk)
    messages.success(request, _("Migration of %s deleted") % migration.username)
    return redirect("modoboa_imap_migration:migration_list")


# Providers --------------------------------------------------------------------


@login_required
@require_GET
def provider_list(request):
    _require_superuser(request.user)
    providers = EmailProvider.objects.prefetch_related("domains__new_domain").order_by("name")
    page = Paginator(providers, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "imap_migration/provider_list.html", {"page": page})


def _domains_text(provider):
    return "\n".join(
        "%s %s" % (d.name, d.new_domain.name) if d.new_domain_id else d.name
        for d in provider.domains.select_related("new_domain")
    )


def _provider_form(request, provider=None):
    _require_superuser(request.user)
    initial = {}
    if provider is not None:
        initial = {
            "name": provider.name,
            "address": provider.address,
            "port": provider.port,
            "security": provider.security,
            "verify_certificate": provider.verify_certificate,
            "domains": _domains_text(provider),
        }
    form = ProviderForm(initial=initial)
    status = 200
    if request.method == "POST":
        form = ProviderForm(request.POST)
        if form.is_valid():
            values = dict(form.cleaned_data)
            try:
                values["domains"] = services.parse_domains(values.pop("domains"))
                if provider is None:
                    provider = services.create_provider(acting_user=request.user, **values)
                else:
                    services.update_provider(provider, acting_user=request.user, **values)
            except ModoboaException as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Provider %s saved") % provider.name)
                return redirect("modoboa_imap_migration:provider_list")
        status = 400
    return render(
        request,
        "imap_migration/provider_form.html",
        {"form": form, "provider": provider},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def provider_create(request):
    return _provider_form(request)


@login_required
@require_http_methods(["GET", "POST"])
def provider_edit(request, pk):
    _require_superuser(request.user)
    return _provider_form(request, get_object_or_404(EmailProvider, pk=pk))


@login_required
@require_POST
def provider_delete(request, pk):
    _require_superuser(request.user)
    provider = get_object_or_404(EmailProvider, pk=pk)
    try:
        services.delete_provider(provider, acting_user=request.user)
    except ModoboaException as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Provider %s deleted") % provider.name)
    return redirect("modoboa_imap_migration:provider_list")
