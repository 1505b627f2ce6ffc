"""The admin service layer: every write to domains, aliases, accounts and
mailboxes goes through these functions (see STYLE.md).
"""

from .accounts import (
    change_own_password,
    create_account,
    delete_account,
    set_account_password,
    update_account,
    update_profile,
)
from .aliases import (
    create_alias,
    delete_alias,
    delete_aliases,
    get_forward,
    set_forward,
    set_recipients,
    update_alias,
)
from .domain_aliases import create_domain_alias, delete_domain_alias, update_domain_alias
from .domains import (
    add_domain_admin,
    create_domain,
    delete_domain,
    regenerate_dkim_key,
    remove_domain_admin,
    set_administered_domains,
    update_domain,
)
from .mailboxes import (
    create_mailbox,
    delete_mailbox,
    rename_mailbox,
    set_mailbox_aliases,
    set_sender_addresses,
    update_quota,
)
from .sender_addresses import (
    create_sender_address,
    delete_sender_address,
    update_sender_address,
)

__all__ = [
    "add_domain_admin",
    "change_own_password",
    "create_account",
    "create_alias",
    "create_domain",
    "create_domain_alias",
    "create_mailbox",
    "create_sender_address",
    "delete_account",
    "delete_alias",
    "delete_aliases",
    "delete_domain",
    "delete_domain_alias",
    "delete_mailbox",
    "delete_sender_address",
    "get_forward",
    "regenerate_dkim_key",
    "remove_domain_admin",
    "rename_mailbox",
    "set_account_password",
    "set_administered_domains",
    "set_forward",
    "set_mailbox_aliases",
    "set_recipients",
    "set_sender_addresses",
    "update_account",
    "update_alias",
    "update_domain",
    "update_domain_alias",
    "update_profile",
    "update_quota",
    "update_sender_address",
]
