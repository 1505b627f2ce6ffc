"""Root URL configuration of a Modoboa instance."""

from django.urls import include, path

from modoboa.core.extensions import exts_pool

# Extensions load first: their API routes join /api/v1/ in urls_api.
exts_pool.load_all()

urlpatterns = [
    path("", include("modoboa.core.urls")),
    path("", include("modoboa.core.twofactor.urls")),
    path("admin/", include("modoboa.admin.urls")),
    path("", include("modoboa.urls_api")),
]
urlpatterns += exts_pool.get_urls()
