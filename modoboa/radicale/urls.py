"""Console URLs of the calendars (under /calendars/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.calendar_list, name="calendar_list"),
    path("auth/", views.auth_check, name="auth_check"),
    path("<int:pk>/share/", views.calendar_share, name="calendar_share"),
    path("<str:kind>/<int:pk>/delete/", views.calendar_delete, name="calendar_delete"),
]
