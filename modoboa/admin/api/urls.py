"""Routes of the admin endpoints (mounted under ``/api/v1/``)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("domains", views.DomainViewSet, basename="domain")
router.register("domainaliases", views.DomainAliasViewSet, basename="domainalias")
router.register("accounts", views.AccountViewSet, basename="account")
router.register("aliases", views.AliasViewSet, basename="alias")
router.register("senderaddresses", views.SenderAddressViewSet, basename="senderaddress")

urlpatterns = router.urls
