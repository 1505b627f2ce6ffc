"""Pipe mode's Postfix map: ``autoreply.<domain>`` -> ``autoreply:``.

List it in ``transport_maps`` (see docs/autoreply.rst). The lookup goes
through the index on ``postfix_autoreply_transport.domain``.
"""

from modoboa.core.postfix_maps import PostfixMap


class AutoreplyTransportMap(PostfixMap):
    filename = "sql-autoreplies-transport.cf"
    postgres = "SELECT method FROM postfix_autoreply_transport WHERE domain='%s'"
    mysql = postgres
    sqlite = postgres


def register_postfix_maps(sender, **kwargs):
    return [AutoreplyTransportMap]
