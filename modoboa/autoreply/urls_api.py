"""API URLs of the away messages (joined to /api/v1/)."""

from django.urls import path

from .api import views

urlpatterns = [
    path("autoreply/<int:pk>/", views.ARmessageView.as_view(), name="autoreply-detail"),
]
