"""Alias pages: creation, edition, detail and deletion."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from modoboa.lib.exceptions import ModoboaException
from modoboa.lib.views import apply_service_error, check_access, perm_required

from .. import services
from ..forms.alias import AliasForm
from ..models import Alias
from .common import requested_domain
from .identities import sidebar_context


@perm_required("admin.add_alias")
@require_http_methods(["GET", "POST"])
def alias_add(request):
    form = AliasForm(request.POST if request.method == "POST" else None, user=request.user)
    domain = requested_domain(request) if request.method == "GET" else None
    if domain:
        # Not "@domain" as a value: submitted as is, it would be a catch-all.
        form.fields["address"].widget.attrs["placeholder"] = _("name@%s") % domain
        form.initial["domain"] = domain
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                alias = services.create_alias(
                    acting_user=request.user,
                    address=data.get("address"),
                    recipients=data["recipients"],
                    enabled=data["enabled"],
                    description=data["description"],
                    expire_at=data["expire_at"],
                    random_address=data["random_address"],
                    domain=data.get("domain"),
                )
            except ModoboaException as exc:
                apply_service_error(form, exc, {"domain": "domain"})
            else:
                messages.success(request, _("Alias %s created") % alias.address)
                return redirect("admin:alias_detail", pk=alias.pk)
        status = 400
    context = sidebar_context(request, "add_alias")
    context.update({"form": form})
    return render(request, "admin/alias_form.html", context, status=status)


def _get_alias(request, pk):
    alias = get_object_or_404(Alias.objects.select_related("domain"), pk=pk, internal=False)
    check_access(request.user, alias)
    return alias


@perm_required("admin.change_alias")
@require_http_methods(["GET", "POST"])
def alias_edit(request, pk):
    alias = _get_alias(request, pk)
    form = AliasForm(
        request.POST if request.method == "POST" else None, user=request.user, alias=alias
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                alias = services.update_alias(
                    alias,
                    acting_user=request.user,
                    address=data["address"],
                    recipients=data["recipients"],
                    enabled=data["enabled"],
                    description=data["description"],
                    expire_at=data["expire_at"],
                )
            except ModoboaException as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Alias %s modified") % alias.address)
                return redirect("admin:alias_detail", pk=alias.pk)
        status = 400
    context = sidebar_context(request, "list")
    context.update({"form": form, "alias": alias})
    return render(request, "admin/alias_form.html", context, status=status)


@perm_required("admin.add_alias")
@require_GET
def alias_detail(request, pk):
    alias = _get_alias(request, pk)
    context = sidebar_context(request, "list")
    context.update({"alias": alias, "recipients": alias.aliasrecipient_set.order_by("address")})
    return render(request, "admin/alias_detail.html", context)


@perm_required("admin.delete_alias")
@require_http_methods(["GET", "POST"])
def alias_delete(request):
    """Delete the aliases of ``selection`` (comma-separated ids)."""
    raw = request.POST.get("selection") or request.GET.get("selection") or ""
    ids = [int(value) for value in raw.split(",") if value.strip().isdigit()]
    aliases = list(Alias.objects.get_for_admin(request.user).filter(pk__in=ids, internal=False))
    if not ids or len(aliases) != len(set(ids)):
        raise PermissionDenied(_("You are not allowed to access this object."))
    if request.method == "POST":
        count = services.delete_aliases([a.pk for a in aliases], acting_user=request.user)
        messages.success(request, _("%d aliases deleted") % count)
        return redirect("admin:identity_list")
    context = sidebar_context(request, "list")
    context.update({"aliases": aliases, "selection": ",".join(str(a.pk) for a in aliases)})
    return render(request, "admin/alias_delete.html", context)
