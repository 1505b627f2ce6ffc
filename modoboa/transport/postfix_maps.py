"""The Postfix map of the transport application (see docs/postfix.rst)."""

from modoboa.core.postfix_maps import PostfixMap


class TransportMap(PostfixMap):
    """``transport_maps``: ``service:next_hop`` of the pattern (a domain),
    through its unique index.
    """

    filename = "sql-transport.cf"
    postgres = "SELECT service || ':' || next_hop FROM transport_transport WHERE pattern='%s'"
    mysql = "SELECT CONCAT(service, ':', next_hop) FROM transport_transport WHERE pattern='%s'"
    sqlite = postgres


def register_postfix_maps(sender, **kwargs):
    """``register_postfix_maps`` receiver."""
    return [TransportMap]
