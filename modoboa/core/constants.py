"""Constants shared by the core application."""

from django.utils.translation import gettext_lazy as _

SUPERADMINS = "SuperAdmins"
RESELLERS = "Resellers"
DOMAINADMINS = "DomainAdmins"
SIMPLEUSERS = "SimpleUsers"

ROLES = (
    (SIMPLEUSERS, _("Simple user")),
    (DOMAINADMINS, _("Domain administrator")),
    (RESELLERS, _("Reseller")),
    (SUPERADMINS, _("Super administrator")),
)
ROLE_LABELS = dict(ROLES)
ADMIN_ROLES = (SUPERADMINS, RESELLERS, DOMAINADMINS)
GROUP_ROLES = (SIMPLEUSERS, DOMAINADMINS, RESELLERS)

LANGUAGES = (
    ("cs", "čeština"),
    ("de", "Deutsch"),
    ("en", "English"),
    ("el_GR", "ελληνικά"),
    ("es", "español"),
    ("fr", "français"),
    ("it", "italiano"),
    ("ja_JP", "日本語"),
    ("nl", "Nederlands"),
    ("pt_PT", "português"),
    ("pt_BR", "português (Brasil)"),
    ("pl_PL", "polski"),
    ("ro_RO", "Română"),
    ("ru", "русский"),
    ("sv", "svenska"),
    ("zh_TW", "繁體中文"),
)

# Permissions given to each group by load_initial_data, as
# (app_label, model, codename) triples.
_DOMAIN_ADMIN_PERMISSIONS = [
    ("core", "user", "add_user"),
    ("core", "user", "change_user"),
    ("core", "user", "delete_user"),
    ("admin", "domain", "view_domain"),
    ("admin", "domain", "view_domains"),
    ("admin", "mailbox", "add_mailbox"),
    ("admin", "mailbox", "change_mailbox"),
    ("admin", "mailbox", "delete_mailbox"),
    ("admin", "mailbox", "view_mailboxes"),
    ("admin", "alias", "add_alias"),
    ("admin", "alias", "change_alias"),
    ("admin", "alias", "delete_alias"),
    ("admin", "alias", "view_aliases"),
    ("admin", "senderaddress", "add_senderaddress"),
    ("admin", "senderaddress", "change_senderaddress"),
    ("admin", "senderaddress", "delete_senderaddress"),
]

GROUP_PERMISSIONS = {
    SIMPLEUSERS: [],
    DOMAINADMINS: _DOMAIN_ADMIN_PERMISSIONS,
    RESELLERS: _DOMAIN_ADMIN_PERMISSIONS
    + [
        ("admin", "domain", "add_domain"),
        ("admin", "domain", "change_domain"),
        ("admin", "domain", "delete_domain"),
        ("admin", "domainalias", "add_domainalias"),
        ("admin", "domainalias", "change_domainalias"),
        ("admin", "domainalias", "delete_domainalias"),
    ],
}
