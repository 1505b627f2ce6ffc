"""API routes of the credentials documents (under /api/v1/)."""

from django.urls import path

from .api import views

urlpatterns = [
    path("credentials/<int:pk>/", views.take_document, name="credentials_document"),
]
