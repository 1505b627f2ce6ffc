"""Console URLs of the statistics (mounted under /stats/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("graph/", views.graph, name="graph"),
    path("maillog/", views.maillog, name="maillog"),
]
