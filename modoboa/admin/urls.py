"""URLs of the admin application's console pages."""

from django.urls import path  # noqa: F401

app_name = "admin"

urlpatterns = []
