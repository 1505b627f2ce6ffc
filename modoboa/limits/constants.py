"""Definitions of the per-administrator and per-domain limits."""

from django.utils.translation import gettext_lazy as _

# name -> counted model, label, roles the limit applies to, and how it is
# counted ("count" of owned objects, or "sum" of a field of owned objects).
USER_LIMIT_DEFINITIONS = {
    "domains": {
        "model": ("admin", "domain"),
        "label": _("Domains"),
        "help": _("Maximum number of domains this user can create"),
        "roles": ("Resellers",),
        "type": "count",
    },
    "domain_aliases": {
        "model": ("admin", "domainalias"),
        "label": _("Domain aliases"),
        "help": _("Maximum number of domain aliases this user can create"),
        "roles": ("Resellers",),
        "type": "count",
    },
    "mailboxes": {
        "model": ("admin", "mailbox"),
        "label": _("Mailboxes"),
        "help": _("Maximum number of mailboxes this user can create"),
        "roles": ("Resellers", "DomainAdmins"),
        "type": "count",
    },
    "mailbox_aliases": {
        "model": ("admin", "alias"),
        "label": _("Mailbox aliases"),
        "help": _("Maximum number of mailbox aliases this user can create"),
        "roles": ("Resellers", "DomainAdmins"),
        "type": "count",
    },
    "domain_admins": {
        "model": ("core", "user"),
        "label": _("Domain admins"),
        "help": _("Maximum number of domain administrators this user can create"),
        "roles": ("Resellers",),
        "type": "count",
        "extra_filter": {"groups__name": "DomainAdmins"},
    },
    "quota": {
        "model": ("admin", "domain"),
        "label": _("Quota"),
        "help": _("Quota shared between domains of this reseller. A value of 0 means no quota."),
        "roles": ("Resellers",),
        "type": "sum",
        "field": "quota",
    },
}

DOMAIN_LIMIT_DEFINITIONS = {
    "domain_aliases": {
        "label": _("Domain aliases"),
        "help": _("Maximum number of allowed aliases for this domain"),
    },
    "mailboxes": {
        "label": _("Mailboxes"),
        "help": _("Maximum number of allowed mailboxes for this domain"),
    },
    "mailbox_aliases": {
        "label": _("Mailbox aliases"),
        "help": _("Maximum number of allowed aliases for this domain"),
    },
    "domain_admins": {
        "label": _("Domain admins"),
        "help": _("Maximum number of allowed administrators for this domain"),
    },
}
