"""Console URLs of the calendars (under /calendars/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.calendar_list, name="calendar_list"),
    path("auth/", views.auth_check, name="auth_check"),
    path("<int:pk>/share/", views.calendar_share, name="calendar_share"),
    path("user/<int:pk>/delete/", views.user_calendar_delete, name="user_calendar_delete"),
    path("shared/<int:pk>/delete/", views.shared_calendar_delete, name="shared_calendar_delete"),
]
