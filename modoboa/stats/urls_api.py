"""API URLs of the statistics (joined to /api/v1/)."""

from django.urls import path

from .api import views

urlpatterns = [
    path("statistics/", views.StatisticsView.as_view(), name="statistics"),
    path("maillog/", views.MaillogView.as_view(), name="maillog"),
]
