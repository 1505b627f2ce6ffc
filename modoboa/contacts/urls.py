"""Console URLs of the address book (under /contacts/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.contact_list, name="contact_list"),
    path("new/", views.contact_form, name="contact_create"),
    path("<int:pk>/edit/", views.contact_form, name="contact_edit"),
    path("<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("categories/new/", views.category_create, name="category_create"),
    path("categories/<int:pk>/delete/", views.category_delete, name="category_delete"),
    path("import/", views.contact_import, name="contact_import"),
    path("export/", views.contact_export, name="contact_export"),
]
