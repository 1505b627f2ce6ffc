"""URL configuration of the $name Modoboa instance."""

from django.urls import include, path

urlpatterns = [
    path("", include("modoboa.urls")),
]
