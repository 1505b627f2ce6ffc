"""The Postfix maps of the relay domains application (see
docs/postfix.rst).
"""

from modoboa.core.postfix_maps import PostfixMap


class RelayDomainsMap(PostfixMap):
    """``relay_domains``: enabled relay domains."""

    filename = "sql-relaydomains.cf"
    postgres = "SELECT name FROM admin_domain WHERE name='%s' AND type='relaydomain' AND enabled"
    mysql = "SELECT name FROM admin_domain WHERE name='%s' AND type='relaydomain' AND enabled=1"
    sqlite = mysql


class SplitedDomainsTransportMap(PostfixMap):
    """``transport_maps`` (after sql-transport.cf): addresses of an
    enabled relay domain that have a local mailbox of an active account are
    delivered locally, to Dovecot's LMTP socket as the documented main.cf
    and Dovecot configuration name it; the rest of the domain is relayed.
    """

    filename = "sql-spliteddomains-transport.cf"
    postgres = (
        "SELECT 'lmtp:unix:private/dovecot-lmtp' FROM admin_mailbox mb "
        "INNER JOIN admin_domain dom ON dom.id=mb.domain_id "
        "INNER JOIN core_user u ON u.id=mb.user_id "
        "WHERE mb.address='%u' AND dom.name='%d' AND dom.type='relaydomain' "
        "AND dom.enabled AND u.is_active"
    )
    mysql = (
        "SELECT 'lmtp:unix:private/dovecot-lmtp' FROM admin_mailbox mb "
        "INNER JOIN admin_domain dom ON dom.id=mb.domain_id "
        "INNER JOIN core_user u ON u.id=mb.user_id "
        "WHERE mb.address='%u' AND dom.name='%d' AND dom.type='relaydomain' "
        "AND dom.enabled=1 AND u.is_active=1"
    )
    sqlite = mysql


class RelayRecipientVerificationMap(PostfixMap):
    """``check_recipient_access``: ``reject_unverified_recipient`` for the
    relay domains that verify their recipients.
    """

    filename = "sql-relay-recipient-verification.cf"
    postgres = "SELECT action FROM relaydomains_recipientaccess WHERE pattern='%d'"
    mysql = postgres
    sqlite = postgres


def register_postfix_maps(sender, **kwargs):
    """``register_postfix_maps`` receiver."""
    return [RelayDomainsMap, SplitedDomainsTransportMap, RelayRecipientVerificationMap]
