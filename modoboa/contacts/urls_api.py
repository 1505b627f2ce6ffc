"""API URLs of the address book (joined to /api/v1/)."""

from django.urls import path

from .api import views

urlpatterns = [
    path("contacts/", views.ContactListView.as_view(), name="contacts-list"),
    path("contacts/<int:pk>/", views.ContactDetailView.as_view(), name="contacts-detail"),
    path("contact-categories/", views.CategoryListView.as_view(), name="contact-categories-list"),
    path(
        "contact-categories/<int:pk>/",
        views.CategoryDetailView.as_view(),
        name="contact-categories-detail",
    ),
]
