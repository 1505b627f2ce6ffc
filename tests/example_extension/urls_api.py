"""API URLs of the example extension (joined to /api/v1/)."""

from django.urls import path

from . import views

urlpatterns = [path("example/ping/", views.api_ping, name="example-ping")]
