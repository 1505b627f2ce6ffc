"""The Postfix maps of the admin application (see docs/postfix.rst).

Booleans are bare tests on PostgreSQL and ``=1`` elsewhere; SQLite has no
CONCAT() in Debian 12's 3.40 and MySQL has no ``||``; "now" is UTC
everywhere, as Django stores it (MySQL's NOW() would use the session time
zone). Every lookup goes through a unique index (domain, domain alias and
alias names, the (address, domain) pair of mailboxes, sender addresses) or
a foreign key index.
"""

from modoboa.core.postfix_maps import PostfixMap

# An alias is "live" when it is enabled and not expired.
_LIVE = {
    "postgres": "{a}.enabled AND ({a}.expire_at IS NULL OR {a}.expire_at > now())",
    "mysql": "{a}.enabled=1 AND ({a}.expire_at IS NULL OR {a}.expire_at > UTC_TIMESTAMP())",
    "sqlite": "{a}.enabled=1 AND ({a}.expire_at IS NULL OR {a}.expire_at > datetime('now'))",
}
_TRUE = {"postgres": "{c}", "mysql": "{c}=1", "sqlite": "{c}=1"}
_FALSE = {"postgres": "NOT {c}", "mysql": "{c}=0", "sqlite": "{c}=0"}
_ADDRESS = {
    "postgres": "mb.address || '@' || dom.name",
    "mysql": "CONCAT(mb.address, '@', dom.name)",
    "sqlite": "mb.address || '@' || dom.name",
}


class DomainsMap(PostfixMap):
    """``virtual_mailbox_domains``: enabled domains (not relay domains)."""

    filename = "sql-domains.cf"
    postgres = "SELECT name FROM admin_domain WHERE name='%s' AND type='domain' AND enabled"
    mysql = "SELECT name FROM admin_domain WHERE name='%s' AND type='domain' AND enabled=1"
    sqlite = mysql


class DomainAliasesMap(PostfixMap):
    """``virtual_alias_domains``: enabled domain aliases of enabled domains."""

    filename = "sql-domain-aliases.cf"
    postgres = (
        "SELECT dom.name FROM admin_domainalias domal "
        "INNER JOIN admin_domain dom ON dom.id=domal.target_id "
        "WHERE domal.name='%s' AND domal.enabled AND dom.enabled"
    )
    mysql = (
        "SELECT dom.name FROM admin_domainalias domal "
        "INNER JOIN admin_domain dom ON dom.id=domal.target_id "
        "WHERE domal.name='%s' AND domal.enabled=1 AND dom.enabled=1"
    )
    sqlite = mysql


def _aliases_query(engine):
    """Recipients of the address, from three kinds of aliases:

    - user-visible aliases (forwards, catch-alls, aliases): when live;
    - the internal alias of a domain alias (``@alias`` to ``@target``, no
      domain): when enabled;
    - the internal self-alias of a mailbox: unless a live user-visible
      alias bears the same address. That alias is the mailbox's forward: it
      lists the mailbox itself when local copies are kept, and must be the
      only answer otherwise. An expired or disabled forward gives the
      mailbox its mail back.

    Nothing is returned for an alias of a disabled domain (upstream did not
    check, quirk of §15).
    """
    live = _LIVE[engine]
    return (  # noqa: S608 - fixed fragments; Postfix escapes the key
        "SELECT alr.address FROM modoboa_admin_aliasrecipient alr "
        "INNER JOIN admin_alias al ON al.id=alr.alias_id "
        "LEFT JOIN admin_domain dom ON dom.id=al.domain_id "
        "WHERE al.address='%s' AND (al.domain_id IS NULL OR {dom_enabled}) AND ("
        "({not_internal} AND {live}) "
        "OR ({internal} AND al.domain_id IS NULL AND {enabled}) "
        "OR ({internal} AND al.domain_id IS NOT NULL AND NOT EXISTS ("
        "SELECT 1 FROM admin_alias fwd WHERE fwd.address=al.address "
        "AND {fwd_not_internal} AND {fwd_live})))"
    ).format(
        dom_enabled=_TRUE[engine].format(c="dom.enabled"),
        not_internal=_FALSE[engine].format(c="al.internal"),
        internal=_TRUE[engine].format(c="al.internal"),
        enabled=_TRUE[engine].format(c="al.enabled"),
        live=live.format(a="al"),
        fwd_not_internal=_FALSE[engine].format(c="fwd.internal"),
        fwd_live=live.format(a="fwd"),
    )


class AliasesMap(PostfixMap):
    """``virtual_alias_maps``: the recipients an address expands to."""

    filename = "sql-aliases.cf"
    postgres = _aliases_query("postgres")
    mysql = _aliases_query("mysql")
    sqlite = _aliases_query("sqlite")


class MaintainMap(PostfixMap):
    """``check_recipient_access``: a temporary refusal while the mail home
    of the mailbox is being renamed by ``handle_mailbox_operations``.
    """

    filename = "sql-maintain.cf"
    postgres = (
        "SELECT '450 Requested mail action not taken: mailbox unavailable' "
        "FROM admin_mailbox mb INNER JOIN admin_domain dom ON dom.id=mb.domain_id "
        "INNER JOIN admin_mailboxoperation mbop ON mbop.mailbox_id=mb.id "
        "WHERE mb.address='%u' AND dom.name='%d' LIMIT 1"
    )
    mysql = postgres
    sqlite = postgres


def _sender_login_query(engine):
    """The logins allowed to send as the address: the account with this
    address, the mailbox with this extra sender address, and the mailboxes
    a live alias with this address delivers to.
    """
    address = _ADDRESS[engine]
    return (  # noqa: S608 - fixed fragments; Postfix escapes the key
        "SELECT email FROM core_user WHERE email='%s' AND {active} "
        "UNION SELECT {address} FROM admin_senderaddress sad "
        "INNER JOIN admin_mailbox mb ON mb.id=sad.mailbox_id "
        "INNER JOIN admin_domain dom ON dom.id=mb.domain_id "
        "WHERE sad.address='%s' "
        "UNION SELECT {address} FROM admin_alias al "
        "INNER JOIN modoboa_admin_aliasrecipient alr ON alr.alias_id=al.id "
        "INNER JOIN admin_mailbox mb ON mb.id=alr.r_mailbox_id "
        "INNER JOIN admin_domain dom ON dom.id=mb.domain_id "
        "WHERE al.address='%s' AND {live}"
    ).format(
        active=_TRUE[engine].format(c="is_active"),
        address=address,
        live=_LIVE[engine].format(a="al"),
    )


class SenderLoginMap(PostfixMap):
    """``smtpd_sender_login_maps``: who may use an address as sender."""

    filename = "sql-sender-login-map.cf"
    postgres = _sender_login_query("postgres")
    mysql = _sender_login_query("mysql")
    sqlite = _sender_login_query("sqlite")


def register_postfix_maps(sender, **kwargs):
    """``register_postfix_maps`` receiver."""
    return [DomainsMap, DomainAliasesMap, AliasesMap, MaintainMap, SenderLoginMap]
