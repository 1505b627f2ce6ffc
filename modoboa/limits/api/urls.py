"""Routes of the limits endpoints (mounted under ``/api/v1/``)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("resources", views.ResourcesViewSet, basename="resources")

urlpatterns = router.urls
