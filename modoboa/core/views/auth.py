"""Login, logout and password reset."""

import logging

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from modoboa.core import signals
from modoboa.core.auth import (
    LoginRefused,
    SecondFactorRequired,
    authenticate_user,
    check_password_reset,
    django_language,
)
from modoboa.core.forms import LoginForm, PasswordResetForm, SetPasswordForm
from modoboa.lib.views import safe_next_url

auth_logger = logging.getLogger("modoboa.auth")


def set_language_cookie(response, user):
    """Remember ``user``'s language for the pages that follow."""
    code = django_language(user.language)
    if code:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def first_login_home(user):
    """Where ``user`` goes after login when no ``next`` is given.

    A mailbox owner's first login lands on the profile, so they can add a
    secondary email for password recovery; administrators go to their
    dashboard, where their work is.
    """
    if user.last_login is None and not user.is_admin:
        return reverse("core:user_profile")
    return reverse("core:root")


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login(request):
    """The login page. A failure answers 401, as upstream did."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    status = 200
    error = None
    if request.method == "POST":
        form = LoginForm(request.POST)
        if form.is_valid():
            try:
                user = authenticate_user(
                    request, form.cleaned_data["username"], form.cleaned_data["password"]
                )
            except SecondFactorRequired as exc:
                return redirect(exc.url)
            except LoginRefused as exc:
                user = None
                error = exc.message
                status = exc.status
            if user is not None:
                # Read before login() sets it: a first login lands on the
                # profile, so the user can complete it.
                home = first_login_home(user)
                auth.login(request, user)
                if not form.cleaned_data["rememberme"]:
                    request.session.set_expiry(0)
                signals.user_login.send(
                    sender="login",
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                )
                target = safe_next_url(request, next_url, home)
                return set_language_cookie(redirect(target), user)
            if error is None:
                error = translation.gettext(
                    "Your username and password didn't match. Please try again."
                )
                status = 401
        else:
            status = 401
    else:
        form = LoginForm()
    return render(
        request,
        "registration/login.html",
        {"form": form, "next": safe_next_url(request, next_url, ""), "error": error},
        status=status,
    )


@require_POST
@csrf_protect
def logout(request):
    """Log out (POST only, so no page can log a user out behind its back)."""
    if request.user.is_authenticated:
        username = request.user.username
        signals.user_logout.send(sender="logout", request=request)
        auth.logout(request)
        auth_logger.info("User '%s' successfully logged out", username)
    return redirect("core:login")


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("core:password_reset_done")

    def form_valid(self, form):
        try:
            check_password_reset(self.request, form.cleaned_data["email"])
        except LoginRefused as exc:
            form.add_error(None, exc.message)
            return self.render_to_response(self.get_context_data(form=form), status=exc.status)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("core:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
