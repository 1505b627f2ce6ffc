"""URLs of the core application's console pages."""

from django.urls import path  # noqa: F401

app_name = "core"

urlpatterns = []
