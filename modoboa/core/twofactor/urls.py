"""URLs of the two-factor login: the code page and the set-up pages."""

from django.urls import path

from . import views

app_name = "twofactor"

urlpatterns = [
    path("accounts/login/verify/", views.verify, name="verify"),
    path("user/twofactor/", views.setup, name="setup"),
    path("user/twofactor/enable/", views.enable, name="enable"),
    path("user/twofactor/confirm/", views.confirm, name="confirm"),
    path("user/twofactor/codes/", views.recovery_codes, name="recovery_codes"),
    path("user/twofactor/regenerate/", views.regenerate, name="regenerate"),
    path("user/twofactor/disable/", views.disable, name="disable"),
]
