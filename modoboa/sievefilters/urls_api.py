"""API URLs of the message filters (joined to /api/v1/)."""

from django.urls import path

from .api import views

urlpatterns = [
    path("filtersets/", views.FilterSetListView.as_view(), name="filtersets-list"),
    path("filtersets/<str:name>/", views.FilterSetDetailView.as_view(), name="filtersets-detail"),
    path(
        "filtersets/<str:name>/activate/",
        views.FilterSetActivateView.as_view(),
        name="filtersets-activate",
    ),
    path(
        "filtersets/<str:name>/rules/",
        views.RuleListView.as_view(),
        name="filtersets-rules-list",
    ),
    path(
        "filtersets/<str:name>/rules/<int:index>/",
        views.RuleDetailView.as_view(),
        name="filtersets-rules-detail",
    ),
    path(
        "filtersets/<str:name>/rules/<int:index>/move/",
        views.RuleMoveView.as_view(),
        name="filtersets-rules-move",
    ),
]
