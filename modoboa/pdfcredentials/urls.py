"""Console URLs of the credentials documents (under /pdfcredentials/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<int:pk>/", views.download, name="download"),
]
