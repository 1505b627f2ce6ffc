"""URLs of the admin application's console pages (mounted at /admin/)."""

from django.urls import path
from django.views.generic import RedirectView

from .views import accounts, aliases, domains, identities, import_export

app_name = "admin"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:domain_list"), name="index"),
    path("domains/", domains.domain_list, name="domain_list"),
    path("domains/quotas/", domains.domain_quota_list, name="domain_quota_list"),
    path("domains/flatlist/", domains.domain_flat_list, name="domain_flat_list"),
    path("domains/new/", domains.domain_add, name="domain_add"),
    path("domains/import/", import_export.domain_import, name="domain_import"),
    path("domains/export/", import_export.domain_export, name="domain_export"),
    path("domains/<int:pk>/", domains.domain_detail, name="domain_detail"),
    path("domains/<int:pk>/edit/", domains.domain_edit, name="domain_change"),
    path("domains/<int:pk>/delete/", domains.domain_delete, name="domain_delete"),
    path("domains/<int:pk>/dns/check/", domains.domain_dns_check, name="domain_dns_check"),
    path("domains/<int:pk>/mx/", domains.domain_mx, name="mx_domain_detail"),
    path("domains/<int:pk>/dnsbl/", domains.domain_dnsbl, name="dnsbl_domain_detail"),
    path(
        "domains/<int:pk>/dkim/regenerate/",
        domains.domain_dkim_regenerate,
        name="domain_dkim_regenerate",
    ),
    path("permissions/remove/", domains.permission_remove, name="permission_remove"),
    path("identities/", identities.identity_list, name="identity_list"),
    path("identities/quotas/", identities.identity_quota_list, name="identity_quota_list"),
    path("identities/delete/", identities.identity_delete, name="identity_delete"),
    path("identities/import/", import_export.identity_import, name="identity_import"),
    path("identities/export/", import_export.identity_export, name="identity_export"),
    path("imports/<int:pk>/", import_export.import_job, name="import_job"),
    path("accounts/new/", accounts.account_add, name="account_add"),
    path("accounts/<int:pk>/", accounts.account_detail, name="account_detail"),
    path("accounts/<int:pk>/edit/", accounts.account_edit, name="account_change"),
    path("accounts/<int:pk>/delete/", accounts.account_delete, name="account_delete"),
    path("aliases/new/", aliases.alias_add, name="alias_add"),
    path("aliases/delete/", aliases.alias_delete, name="alias_delete"),
    path("aliases/<int:pk>/", aliases.alias_detail, name="alias_detail"),
    path("aliases/<int:pk>/edit/", aliases.alias_edit, name="alias_change"),
]
