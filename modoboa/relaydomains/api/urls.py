"""Routes of the relay domains endpoint (mounted under ``/api/v1/``)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("relaydomains", views.RelayDomainViewSet, basename="relaydomain")

urlpatterns = router.urls
