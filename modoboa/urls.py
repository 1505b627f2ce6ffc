"""Root URL configuration of a Modoboa instance."""

from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from modoboa.core.extensions import exts_pool
from modoboa.core.views import uploads

# Extensions load first: their API routes join /api/v1/ in urls_api.
exts_pool.load_all()

urlpatterns = [
    path("", include("modoboa.core.urls")),
    path("", include("modoboa.core.twofactor.urls")),
    path("admin/", include("modoboa.admin.urls")),
    path("", include("modoboa.urls_api")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    # Rich-text uploads for extensions' editors: any logged-in user, not
    # only Django "staff" as ckeditor_uploader's own URLs require (CSRF
    # protected, unlike ckeditor_uploader's own view).
    path("ckeditor/upload/", uploads.upload, name="ckeditor_upload"),
    path("ckeditor/browse/", uploads.browse, name="ckeditor_browse"),
]
urlpatterns += exts_pool.get_urls()
