"""Account pages: the creation wizard, the tabbed edit form, the detail
page and deletion.
"""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from modoboa.core import constants as core_constants
from modoboa.core.models import User
from modoboa.lib.exceptions import ModoboaException
from modoboa.lib.views import check_access, dispatch_service_error, perm_required
from modoboa.limits import services as limits_services
from modoboa.parameters import tools as param_tools

from .. import services, signals
from ..forms.account import (
    AccountGeneralForm,
    AccountMailForm,
    AccountPermissionsForm,
    AccountProfileForm,
    DeleteForm,
)
from .common import extra_tabs, requested_domain, signal_entries
from .identities import sidebar_context

FIELD_MAP = {
    "password": "password1",
    "new_password": "password1",
    "senderaddress": "senderaddress",
    "sender_addresses": "senderaddress",
}


def _show_created_password(request, account):
    if getattr(account, "clear_password", None):
        messages.info(
            request,
            _("The password of %(user)s is: %(password)s")
            % {"user": account.username, "password": account.clear_password},
        )


@sensitive_post_parameters("password1", "password2")
@perm_required("core.add_user")
@require_http_methods(["GET", "POST"])
def account_add(request):
    """The wizard: General, then Mail."""
    user = request.user
    data = request.POST if request.method == "POST" else None
    general = AccountGeneralForm(data, user=user)
    mail = AccountMailForm(data)
    domain = requested_domain(request) if data is None else None
    if domain:
        # Opened from a domain: the address starts in that domain.
        general.initial["username"] = "@" + domain
        general.fields["username"].widget.attrs["data-caret-start"] = ""
    status = 200
    if request.method == "POST":
        if general.is_valid() and mail.is_valid():
            role = general.role_value
            email = mail.cleaned_data["email"]
            if role == core_constants.SIMPLEUSERS and not email:
                email = general.cleaned_data["username"]
            mailbox = None
            if email:
                mailbox = dict(mail.mailbox_kwargs(), address=email)
            try:
                account = services.create_account(
                    acting_user=user,
                    username=general.cleaned_data["username"],
                    password=general.cleaned_data.get("password1"),
                    random_password=general.cleaned_data.get("random_password", False),
                    role=role,
                    first_name=general.cleaned_data["first_name"],
                    last_name=general.cleaned_data["last_name"],
                    is_active=general.cleaned_data["is_active"],
                    master_user=general.cleaned_data.get("master_user", False),
                    mailbox=mailbox,
                    aliases=mail.cleaned_data["aliases"],
                    sender_addresses=mail.cleaned_data["senderaddress"],
                )
            except ModoboaException as exc:
                dispatch_service_error([general, mail], exc, FIELD_MAP)
            else:
                messages.success(request, _("Account %s created") % account.username)
                _show_created_password(request, account)
                return redirect("admin:account_detail", pk=account.pk)
        status = 400
    context = sidebar_context(request, "add_account")
    context.update({"general": general, "mail": mail})
    return render(request, "admin/account_add.html", context, status=status)


def _get_account(request, pk):
    account = get_object_or_404(
        User.objects.select_related("mailbox__domain").prefetch_related("groups"), pk=pk
    )
    if account.pk != request.user.pk:
        check_access(request.user, account)
    return account


def _show_permissions_tab(user, account):
    if account.role == core_constants.DOMAINADMINS:
        return user.has_perm("admin.add_domain") and account.pk != user.pk
    if account.role == core_constants.RESELLERS:
        return user.is_superuser
    return False


@sensitive_post_parameters("password1", "password2")
@perm_required("core.change_user")
@require_http_methods(["GET", "POST"])
def account_edit(request, pk):
    """Tabs: General, Profile, Mail, Permissions and extension tabs."""
    user = request.user
    account = _get_account(request, pk)
    data = request.POST if request.method == "POST" else None
    general = AccountGeneralForm(data, user=user, account=account, prefix="general")
    profile = AccountProfileForm(data, account=account, prefix="profile")
    mail = AccountMailForm(data, account=account, prefix="mail")
    permissions = None
    if _show_permissions_tab(user, account):
        permissions = AccountPermissionsForm(data, account=account, prefix="permissions")
    tabs = extra_tabs(
        signals.extra_account_forms,
        signals.get_account_form_instances,
        user,
        account,
        data,
        account=account,
    )
    forms = [general, profile, mail] + ([permissions] if permissions else [])
    status = 200
    if request.method == "POST":
        valid = all([form.is_valid() for form in forms] + [t["form"].is_valid() for t in tabs])
        if valid:
            changes = {
                "username": general.cleaned_data["username"],
                "first_name": general.cleaned_data["first_name"],
                "last_name": general.cleaned_data["last_name"],
                **profile.cleaned_data,
            }
            if not general.fields["is_active"].disabled:
                changes["is_active"] = general.cleaned_data["is_active"]
            if "role" in general.fields:
                changes["role"] = general.cleaned_data["role"]
            if "master_user" in general.fields:
                changes["master_user"] = general.cleaned_data["master_user"]
            if general.cleaned_data.get("password1"):
                changes["password"] = general.cleaned_data["password1"]
            changes["email"] = mail.cleaned_data["email"] or None
            changes.update(mail.mailbox_kwargs())
            changes["aliases"] = mail.cleaned_data["aliases"]
            changes["sender_addresses"] = mail.cleaned_data["senderaddress"]
            changes["create_alias_with_old_address"] = mail.cleaned_data.get(
                "create_alias_with_old_address", False
            )
            if permissions is not None:
                changes["domains"] = permissions.cleaned_data["domains"]
            try:
                with transaction.atomic():
                    account = services.update_account(account, acting_user=user, **changes)
                    for tab in tabs:
                        tab["form"].save(acting_user=user)
            except ModoboaException as exc:
                dispatch_service_error(
                    forms + [t["form"] for t in tabs],
                    exc,
                    dict(FIELD_MAP, aliases="aliases", domains="domains"),
                )
            else:
                messages.success(request, _("Account %s modified") % account.username)
                if account.pk == user.pk and changes.get("password"):
                    from django.contrib.auth import update_session_auth_hash

                    update_session_auth_hash(request, account)
                return redirect("admin:account_detail", pk=account.pk)
        status = 400
    context = sidebar_context(request, "list")
    context.update(
        {
            "account": account,
            "general": general,
            "profile": profile,
            "mail": mail,
            "permissions": permissions,
            "tabs": tabs,
        }
    )
    return render(request, "admin/account_edit.html", context, status=status)


@perm_required("core.add_user")
@require_GET
def account_detail(request, pk):
    account = _get_account(request, pk)
    mailbox = account.mailbox_or_none
    context = sidebar_context(request, "list")
    limits = []
    if account.role in (core_constants.RESELLERS, core_constants.DOMAINADMINS):
        if limits_services.admin_limits_enabled():
            limits = limits_services.user_limits_summary(account)
    domains = []
    if account.role in (core_constants.RESELLERS, core_constants.DOMAINADMINS):
        from ..models import Domain

        domains = list(Domain.objects.get_for_admin(account).order_by("name")[:200])
    context.update(
        {
            "account": account,
            "mailbox": mailbox,
            "aliases": mailbox.alias_addresses if mailbox else [],
            "forward": services.get_forward(mailbox) if mailbox else ([], False),
            "sender_addresses": list(mailbox.senderaddress_set.values_list("address", flat=True))
            if mailbox
            else [],
            "domains": domains,
            "limits": limits,
            "widgets": signal_entries(
                signals.extra_account_dashboard_widgets, user=request.user, account=account
            ),
        }
    )
    return render(request, "admin/account_detail.html", context)


@perm_required("core.delete_user")
@require_http_methods(["GET", "POST"])
def account_delete(request, pk):
    account = _get_account(request, pk)
    form = DeleteForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_account(
                account, acting_user=request.user, keepdir=form.cleaned_data["keepdir"]
            )
        except ModoboaException as exc:
            form.add_error(None, exc.message)
            status = exc.http_code
        else:
            messages.success(request, _("Account %s deleted") % account.username)
            return redirect("admin:identity_list")
    context = sidebar_context(request, "list")
    context.update(
        {
            "object": account,
            "form": form,
            "handle_mailboxes": param_tools.get_global_parameter("handle_mailboxes", app="admin"),
            "has_mailbox": account.mailbox_or_none is not None,
        }
    )
    return render(request, "admin/account_delete.html", context, status=status)
