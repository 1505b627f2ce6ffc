"""The user area: profile, preferences, API access and forward."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from modoboa.core import signals
from modoboa.core.auth import django_language
from modoboa.core.forms import APIAccessForm, ForwardForm, ProfileForm
from modoboa.lib import cryptutils
from modoboa.lib.exceptions import ModoboaException
from modoboa.lib.views import apply_service_error, superuser_required
from modoboa.parameters import tools as param_tools

from .auth import set_language_cookie

SIDEBAR = "core/_user_menu.html"


def password_change_allowed(user):
    """False when an ``allow_password_change`` receiver answers True
    (upstream's inverted meaning: True hides the fields).
    """
    for _receiver, hide in signals.allow_password_change.send(sender="profile", user=user):
        if hide:
            return False
    return True


def _context(request, section, **extra):
    extra.update({"sidebar_template": SIDEBAR, "section": section})
    return extra


@login_required
@require_GET
def index(request):
    return redirect("core:user_profile")


@sensitive_post_parameters("oldpassword", "newpassword", "confirmation")
@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    from modoboa.admin import services

    user = request.user
    allow_password = password_change_allowed(user)
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "language": user.language,
        "phone_number": user.phone_number or "",
        "secondary_email": user.secondary_email or "",
    }
    if request.method == "POST":
        form = ProfileForm(
            request.POST, user=user, initial=initial, allow_password_change=allow_password
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    services.update_profile(
                        user,
                        acting_user=user,
                        first_name=data["first_name"],
                        last_name=data["last_name"],
                        language=data["language"],
                        phone_number=data["phone_number"],
                        secondary_email=data["secondary_email"],
                    )
                    if allow_password and data.get("newpassword"):
                        services.change_own_password(
                            user, data["oldpassword"], data["newpassword"]
                        )
                        update_session_auth_hash(request, user)
                        if user.mailbox_or_none is not None:
                            cryptutils.store_password(request, data["newpassword"])
            except ModoboaException as exc:
                apply_service_error(
                    form, exc, {"password": "oldpassword", "new_password": "newpassword"}
                )
            else:
                user.refresh_from_db()
                # Said in the language just chosen: the next page speaks it.
                language = django_language(user.language) or translation.get_language()
                with translation.override(language):
                    messages.success(request, _("Profile updated"))
                return set_language_cookie(redirect("core:user_profile"), user)
    else:
        form = ProfileForm(user=user, initial=initial, allow_password_change=allow_password)
    return render(request, "core/user_profile.html", _context(request, "profile", form=form))


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    """The user-level parameter forms registered by applications."""
    if request.method == "POST":
        forms = param_tools.registry.get_forms("user", request.POST, user=request.user)
        if all(entry["form"].is_valid() for entry in forms):
            with transaction.atomic():
                for entry in forms:
                    entry["form"].save()
            messages.success(request, _("Preferences saved"))
            return redirect("core:user_preferences")
    else:
        forms = param_tools.registry.get_forms("user", user=request.user)
    return render(
        request, "core/user_preferences.html", _context(request, "preferences", forms=forms)
    )


@superuser_required
@require_http_methods(["GET", "POST"])
def api_access(request):
    """Enable or disable the API token of a super administrator."""
    from modoboa.core import services as core_services

    user = request.user
    token = core_services.get_api_token(user)
    if request.method == "POST":
        form = APIAccessForm(request.POST)
        if form.is_valid():
            core_services.set_api_access(
                user, form.cleaned_data["enable_api_access"], acting_user=user
            )
            messages.success(request, _("API access updated"))
            return redirect("core:user_api_access")
    else:
        form = APIAccessForm(initial={"enable_api_access": token is not None})
    return render(
        request,
        "core/user_api_access.html",
        _context(request, "api", form=form, token=token),
    )


@login_required
@require_http_methods(["GET", "POST"])
def forward(request):
    """The forward of the connected user's mailbox."""
    from modoboa.admin import services

    mailbox = request.user.mailbox_or_none
    if mailbox is None:
        raise PermissionDenied(_("Only accounts with a mailbox can define a forward."))
    recipients, keep = services.get_forward(mailbox)
    if request.method == "POST":
        form = ForwardForm(request.POST)
        if form.is_valid():
            try:
                services.set_forward(
                    mailbox,
                    form.cleaned_data["dest"],
                    form.cleaned_data["keepcopies"],
                    acting_user=request.user,
                )
            except ModoboaException as exc:
                apply_service_error(form, exc, {"recipients": "dest", "address": "dest"})
            else:
                messages.success(request, _("Forward updated"))
                return redirect("core:user_forward")
    else:
        form = ForwardForm(initial={"dest": ", ".join(recipients), "keepcopies": keep})
    return render(request, "core/user_forward.html", _context(request, "forward", form=form))
