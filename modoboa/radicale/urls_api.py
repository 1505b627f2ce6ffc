"""API URLs of the calendars (joined to /api/v1/)."""

from django.urls import path

from .api import views

urlpatterns = [
    path("calendars/", views.CalendarListView.as_view(), name="calendars-list"),
    path("calendars/<int:pk>/", views.CalendarDetailView.as_view(), name="calendars-detail"),
    path("calendars/<int:pk>/rules/", views.AccessRuleListView.as_view(), name="calendars-rules"),
    path(
        "shared-calendars/", views.SharedCalendarListView.as_view(), name="shared-calendars-list"
    ),
    path(
        "shared-calendars/<int:pk>/",
        views.SharedCalendarDetailView.as_view(),
        name="shared-calendars-detail",
    ),
]
