"""Console URLs of the DMARC extension (namespace ``dmarc``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("domains/<int:pk>/", views.domain_report, name="domain_report"),
    path("domains/<int:pk>/sources/<str:kind>/", views.domain_sources, name="domain_sources"),
]
