"""Pages of the webmail (mounted under /webmail/, namespace ``webmail``).

The writing side's pages (``compose/urls.py``) are joined here in the
nested namespace ``webmail:compose``.
"""

from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("", include(("modoboa.webmail.compose.urls", "compose"), namespace="compose")),
]
