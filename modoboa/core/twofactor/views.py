"""The code page of the login and the set-up pages of the user area."""

from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from modoboa.core import signals
from modoboa.core.auth import (
    LoginRefused,
    check_second_factor,
    django_language,
    login_succeeded,
    record_failure,
    throttle,
)
from modoboa.lib.exceptions import BadRequest, ModoboaException
from modoboa.lib.views import apply_service_error, safe_next_url

from . import login as twofactor_login
from . import services
from .forms import CodeForm, ConfirmForm

_CODES_KEY = "_twofactor_new_codes"


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    """Second step of the login: the TOTP or a recovery code."""
    from modoboa.core.views.auth import first_login_home, set_language_cookie

    state = twofactor_login.pending(request)
    if state is None:
        return redirect("core:login")
    user, data = state
    status = 200
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            try:
                valid = check_second_factor(request, user, form.cleaned_data["code"])
            except LoginRefused as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                if valid:
                    twofactor_login.clear(request)
                    home = first_login_home(user)
                    auth.login(request, user, backend=data.get("backend"))
                    if not data.get("remember"):
                        request.session.set_expiry(0)
                    login_succeeded(request, user)
                    signals.user_login.send(sender="login", username=user.username, password=None)
                    code = django_language(user.language)
                    if code:
                        translation.activate(code)
                    target = safe_next_url(request, data.get("next"), home)
                    return set_language_cookie(redirect(target), user)
                form.add_error("code", _("Invalid code"))
                status = 401
    return render(request, "twofactor/verify.html", {"form": form}, status=status)


def _context(section="twofactor", **extra):
    extra.update({"sidebar_template": "core/_user_menu.html", "section": section})
    return extra


@login_required
@require_http_methods(["GET"])
def setup(request):
    user = request.user
    context = _context(
        enrolled=services.is_enrolled(user),
        required=services.is_required(user),
        enrolment_forced=twofactor_login.enrolment_required(request),
        regenerate_form=CodeForm(prefix="regenerate"),
        disable_form=CodeForm(prefix="disable"),
    )
    if context["enrolled"]:
        context["remaining_codes"] = services.remaining_recovery_codes(user)
    return render(request, "twofactor/setup.html", context)


def _render_enrolment(request, device, form, status=200):
    context = _context(
        device=device,
        secret=services.secret_base32(device),
        qr_code=services.qr_code_svg(device),
        uri=services.provisioning_uri(device),
        form=form,
    )
    return render(request, "twofactor/enable.html", context, status=status)


@login_required
@require_POST
def enable(request):
    """Start the set-up: a new key, shown as a QR code."""
    try:
        device = services.start_enrolment(request.user)
    except ModoboaException as exc:
        messages.error(request, exc.message)
        return redirect("twofactor:setup")
    return _render_enrolment(request, device, ConfirmForm())


@sensitive_post_parameters("code")
@login_required
@require_POST
def confirm(request):
    """Finish the set-up with a first code; show the recovery codes."""
    device = services.pending_device(request.user)
    if device is None:
        return redirect("twofactor:setup")
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            codes = services.confirm_enrolment(request.user, form.cleaned_data["code"])
        except ModoboaException as exc:
            apply_service_error(form, exc)
        else:
            twofactor_login.enrolment_done(request)
            request.session[_CODES_KEY] = codes
            messages.success(request, _("Two-factor authentication enabled"))
            return redirect("twofactor:recovery_codes")
    return _render_enrolment(request, device, form, status=400)


@login_required
@require_http_methods(["GET"])
@never_cache
def recovery_codes(request):
    """The new recovery codes, shown once."""
    codes = request.session.pop(_CODES_KEY, None)
    if not codes:
        return redirect("twofactor:setup")
    return render(request, "twofactor/recovery_codes.html", _context(codes=codes))


def _code_action(request, action, success_message, prefix):
    """Run ``action(user, code)``; wrong codes count as login failures, so
    a stolen session cannot guess its way to turning the second factor off.
    """
    form = CodeForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            throttle(request, request.user.username)
            result = action(request.user, form.cleaned_data["code"])
        except LoginRefused as exc:
            messages.error(request, exc.message)
        except BadRequest as exc:
            record_failure(request, request.user.username)
            messages.error(request, exc.message)
        except ModoboaException as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, success_message)
            return result
    else:
        messages.error(request, _("Enter a code"))
    return None


@sensitive_post_parameters("regenerate-code")
@login_required
@require_POST
def regenerate(request):
    codes = _code_action(
        request,
        services.regenerate_recovery_codes,
        _("New recovery codes generated"),
        "regenerate",
    )
    if codes:
        request.session[_CODES_KEY] = codes
        return redirect("twofactor:recovery_codes")
    return redirect("twofactor:setup")


@sensitive_post_parameters("disable-code")
@login_required
@require_POST
def disable(request):
    _code_action(request, services.disable, _("Two-factor authentication disabled"), "disable")
    return redirect("twofactor:setup")
