"""Root URL configuration of a Modoboa instance."""

from ckeditor_uploader import views as ckeditor_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.decorators.cache import never_cache
from django.views.i18n import JavaScriptCatalog

from modoboa.core.extensions import exts_pool

# Extensions load first: their API routes join /api/v1/ in urls_api.
exts_pool.load_all()

urlpatterns = [
    path("", include("modoboa.core.urls")),
    path("", include("modoboa.core.twofactor.urls")),
    path("admin/", include("modoboa.admin.urls")),
    path("", include("modoboa.urls_api")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    # Rich-text uploads for extensions' editors: any logged-in user, not
    # only Django "staff" as ckeditor_uploader's own URLs require.
    path("ckeditor/upload/", login_required(ckeditor_views.upload), name="ckeditor_upload"),
    path(
        "ckeditor/browse/",
        never_cache(login_required(ckeditor_views.browse)),
        name="ckeditor_browse",
    ),
]
urlpatterns += exts_pool.get_urls()
