"""API routes of the IMAP migration (under /api/v1/)."""

from django.urls import path

from .api import views

urlpatterns = [
    path(
        "imap_migration/providers/",
        views.ProviderList.as_view(),
        name="imap_migration-provider-list",
    ),
    path(
        "imap_migration/providers/<int:pk>/",
        views.ProviderDetail.as_view(),
        name="imap_migration-provider-detail",
    ),
    path(
        "imap_migration/migrations/",
        views.MigrationList.as_view(),
        name="imap_migration-migration-list",
    ),
    path(
        "imap_migration/migrations/<int:pk>/",
        views.MigrationDetail.as_view(),
        name="imap_migration-migration-detail",
    ),
    path(
        "imap_migration/migrations/<int:pk>/cancel/",
        views.MigrationCancel.as_view(),
        name="imap_migration-migration-cancel",
    ),
    path(
        "imap_migration/migrations/<int:pk>/restart/",
        views.MigrationRestart.as_view(),
        name="imap_migration-migration-restart",
    ),
]
