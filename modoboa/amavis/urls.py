"""Console URLs of the quarantine (mounted under /quarantine/)."""

from django.urls import path

from . import views

app_name = "amavis"

urlpatterns = [
    path("", views.index, name="index"),
    path("lists/", views.lists, name="lists"),
    path("bulk/", views.bulk, name="bulk"),
    path("self/<str:mail_id>/", views.self_service, name="self_service"),
    path("<str:mail_id>/", views.detail, name="detail"),
    path("<str:mail_id>/<str:name>/", views.action, name="action"),
]
