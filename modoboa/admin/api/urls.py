"""Routes of the admin endpoints (mounted under ``/api/v1/``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import import_jobs, views

router = SimpleRouter()
router.register("domains", views.DomainViewSet, basename="domain")
router.register("domainaliases", views.DomainAliasViewSet, basename="domainalias")
router.register("accounts", views.AccountViewSet, basename="account")
router.register("aliases", views.AliasViewSet, basename="alias")
router.register("senderaddresses", views.SenderAddressViewSet, basename="senderaddress")

urlpatterns = router.urls + [
    path("imports/", import_jobs.ImportJobList.as_view(), name="import-job-list"),
    path("imports/<int:pk>/", import_jobs.ImportJobDetail.as_view(), name="import-job-detail"),
]
