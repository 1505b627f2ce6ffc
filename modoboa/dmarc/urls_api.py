"""API routes of the DMARC extension (joined to /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import views

router = SimpleRouter()
router.register("dmarc/reports", views.ReportViewSet, basename="dmarc-report")

urlpatterns = [
    *router.urls,
    path(
        "dmarc/domains/<int:pk>/summary/",
        views.DomainSummaryView.as_view(),
        name="dmarc-domain-summary",
    ),
    path(
        "dmarc/domains/<int:pk>/sources/",
        views.DomainSourcesView.as_view(),
        name="dmarc-domain-sources",
    ),
]
