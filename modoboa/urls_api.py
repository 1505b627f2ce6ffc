"""URLs of the REST API (``/api/v1/``) and of its documentation.

The OpenAPI schema is served at ``/api/v1/schema/`` and
``/docs/api/schema/``, and rendered by Swagger UI at ``/docs/api/`` with
assets served locally (drf-spectacular-sidecar). Both are public: the
schema describes the shape of the API, not data, so a provisioning client
can read it before it has a token; every endpoint it documents still
requires authentication.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from modoboa.core.auth_api import ObtainTokenView
from modoboa.core.extensions import exts_pool
from modoboa.core.security_middleware import INLINE_STYLES_POLICY, content_security_policy
from modoboa.lib.api.views import not_found

api_patterns = [
    path("token/", ObtainTokenView.as_view(), name="token"),
    path("", include("modoboa.admin.api.urls")),
    path("", include("modoboa.limits.api.urls")),
    path("", include("modoboa.relaydomains.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Extensions add their endpoints through their ``urls_api`` module.
    *exts_pool.get_urls(category="api"),
    # Last: unknown paths (ending with a slash, so that APPEND_SLASH still
    # redirects the others) answer JSON too.
    re_path(r"^[\s\S]*/$", not_found),
]

urlpatterns = [
    path("api/v1/", include((api_patterns, "api"), namespace="api")),
    path("docs/api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, so the
    # page runs under a policy without inline scripts.
    path(
        "docs/api/",
        content_security_policy(INLINE_STYLES_POLICY)(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema", title="Modoboa API")
        ),
        name="api-docs",
    ),
]
