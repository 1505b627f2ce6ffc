"""API URLs of the webmail (joined to /api/v1/): the connected user's own
folders and messages; the writing side's endpoints come from
``compose/urls_api.py``.
"""

from django.urls import include, path

urlpatterns = [
    path("", include("modoboa.webmail.compose.urls_api")),
]
