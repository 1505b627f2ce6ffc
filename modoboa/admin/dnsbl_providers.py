"""The DNS block lists ``modo check_mx`` asks by default.

Public lists that answer queries without registration for moderate
volumes. ``settings.DNSBL_PROVIDERS`` (a list of zone names) replaces this
list. A few lists (Spamhaus among them) refuse queries that come through
large public resolvers; their refusal codes are not taken as listings (see
``dns_checks.DNSBL_ERROR_NETWORKS``).
"""

from django.conf import settings

DNSBL_PROVIDERS = [
    "zen.spamhaus.org",
    "b.barracudacentral.org",
    "bl.spamcop.net",
    "psbl.surriel.com",
    "bl.mailspike.net",
    "dnsbl-1.uceprotect.net",
    "dnsbl-2.uceprotect.net",
    "dnsbl-3.uceprotect.net",
    "dnsbl.dronebl.org",
    "all.s5h.net",
    "db.wpbl.info",
    "dnsbl.spfbl.net",
    "noptr.spamrats.com",
    "dyna.spamrats.com",
    "spam.spamrats.com",
    "truncate.gbudb.net",
    "bl.blocklist.de",
    "rbl.interserver.net",
    "ips.backscatterer.org",
]


def get_providers():
    """The providers in use: the setting when defined, else the list above."""
    value = getattr(settings, "DNSBL_PROVIDERS", None)
    if value is None:
        return list(DNSBL_PROVIDERS)
    if isinstance(value, str):
        value = value.split()
    return [name.strip().strip(".").lower() for name in value if name and name.strip()]
