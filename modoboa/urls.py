"""Root URL configuration of a Modoboa instance."""

from django.urls import include, path

from modoboa.core.extensions import exts_pool

urlpatterns = [
    path("", include("modoboa.core.urls")),
    path("admin/", include("modoboa.admin.urls")),
    path("", include("modoboa.urls_api")),
]

exts_pool.load_all()
urlpatterns += exts_pool.get_urls()
