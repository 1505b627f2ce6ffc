"""Pages of the message filters (mounted under /sfilters/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:name>/activate/", views.activate, name="activate"),
    path("<str:name>/delete/", views.delete, name="delete"),
    path("<str:name>/rename/", views.rename, name="rename"),
    path("<str:name>/download/", views.download, name="download"),
    path("<str:name>/raw/", views.raw, name="raw"),
    path("<str:name>/rules/new/", views.rule, name="rule_new"),
    path("<str:name>/rules/<int:index>/", views.rule, name="rule"),
    path(
        "<str:name>/rules/<int:index>/<str:operation>/",
        views.rule_action,
        name="rule_action",
    ),
]
