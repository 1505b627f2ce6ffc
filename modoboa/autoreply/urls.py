"""The away message page (mounted under /autoreply/)."""

from django.urls import path

from . import views

urlpatterns = [path("", views.index, name="index")]
