"""Console URLs of the IMAP migration (under /imap_migration/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.migration_list, name="migration_list"),
    path("new/", views.migration_create, name="migration_create"),
    path("<int:pk>/", views.migration_detail, name="migration_detail"),
    path("<int:pk>/cancel/", views.migration_cancel, name="migration_cancel"),
    path("<int:pk>/restart/", views.migration_restart, name="migration_restart"),
    path("<int:pk>/delete/", views.migration_delete, name="migration_delete"),
    path("providers/", views.provider_list, name="provider_list"),
    path("providers/new/", views.provider_create, name="provider_create"),
    path("providers/<int:pk>/", views.provider_edit, name="provider_edit"),
    path("providers/<int:pk>/delete/", views.provider_delete, name="provider_delete"),
]
