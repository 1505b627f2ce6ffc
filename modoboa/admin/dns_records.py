"""The SPF, DKIM and DMARC records a domain publishes, read and judged.

Receivers decide whether to trust a domain's mail from these three TXT
records; a postmaster wants to know, for each, whether it is published,
whether it parses, and (for DKIM) whether it is the key Modoboa signs
with. The checks run on demand ("Check now" on a domain's page) and with
``modo check_mx``; their result is kept in the cache for a day, so the
domain page shows the last one without querying the DNS itself.
"""

import base64
import binascii
import re
from dataclasses import asdict, dataclass

from django.core.cache import cache
from django.utils.translation import gettext as _

from . import dns_checks

OK = "ok"
WARNING = "warning"
ERROR = "error"
MISSING = "missing"

CACHE_TTL = 24 * 3600

# RFC 7208 section 4.6.1: mechanisms and modifiers of an SPF record.
_SPF_TERM_RE = re.compile(
    r"^(?:[+\-~?]?(?:all|include:\S+|a(?::\S+)?(?:/\d+)?(?://\d+)?|mx(?::\S+)?(?:/\d+)?"
    r"(?://\d+)?|ptr(?::\S+)?|ip4:[0-9./]+|ip6:[0-9a-fA-F:./]+|exists:\S+)"
    r"|(?:redirect|exp)=\S+|[a-zA-Z][a-zA-Z0-9_.-]*=\S*)$",
    re.IGNORECASE,
)
_DMARC_POLICIES = ("none", "quarantine", "reject")


@dataclass
class RecordCheck:
    """What the DNS says about one record of a domain."""

    kind: str
    name: str
    status: str
    message: str
    record: str = ""


def _txt_records(resolver, name):
    """Return the TXT strings published at ``name`` (each record's
    character-strings joined, as RFC 7208 and RFC 6376 read them).
    """
    records = []
    for answer in dns_checks._query(resolver, name, "TXT"):
        records.append(b"".join(answer.strings).decode("utf-8", "replace"))
    return records


def _tags(record):
    """Parse ``tag=value; tag=value`` (DKIM and DMARC) into a dict."""
    tags = {}
    for part in record.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            tags[key.strip().lower()] = value.strip()
    return tags


def check_spf(domain_name, resolver):
    """Judge the SPF record of ``domain_name``."""
    records = [
        text
        for text in _txt_records(resolver, domain_name)
        if text.lower() == "v=spf1" or text.lower().startswith("v=spf1 ")
    ]
    if not records:
        return RecordCheck("spf", domain_name, MISSING, _("No SPF record is published."))
    if len(records) > 1:
        return RecordCheck(
            "spf",
            domain_name,
            ERROR,
            _("Several SPF records are published: receivers treat this as an error."),
            " | ".join(records),
        )
    record = records[0]
    terms = record.split()[1:]
    bad = [term for term in terms if not _SPF_TERM_RE.match(term)]
    if bad:
        return RecordCheck(
            "spf", domain_name, ERROR, _("Invalid term: %s") % ", ".join(bad), record
        )
    final = [term.lower() for term in terms if term.lower().lstrip("+-~?") == "all"]
    if any(term in ("all", "+all") for term in final):
        return RecordCheck(
            "spf",
            domain_name,
            WARNING,
            _("'+all' lets any server on the Internet send as this domain."),
            record,
        )
    if not final and not any(term.lower().startswith("redirect=") for term in terms):
        return RecordCheck(
            "spf",
            domain_name,
            WARNING,
            _("The record ends without an 'all' mechanism: other servers are not refused."),
            record,
        )
    return RecordCheck("spf", domain_name, OK, _("Published and valid."), record)


def _normalised_key(value):
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def check_dkim(domain, resolver):
    """Judge the DKIM record of ``domain`` against the key Modoboa signs
    with; None when the domain does not sign.
    """
    if not domain.enable_dkim:
        return None
    name = "%s._domainkey.%s" % (domain.dkim_key_selector, domain.name)
    records = [text for text in _txt_records(resolver, name) if "p=" in text]
    if not records:
        return RecordCheck("dkim", name, MISSING, _("No DKIM record is published."))
    record = records[0]
    tags = _tags(record)
    if tags.get("v", "DKIM1") != "DKIM1":
        return RecordCheck("dkim", name, ERROR, _("Unknown version: %s") % tags["v"], record)
    published = tags.get("p", "")
    if not published:
        return RecordCheck(
            "dkim", name, ERROR, _("The published key is revoked (empty p=)."), record
        )
    published_key = _normalised_key(published)
    if published_key is None:
        return RecordCheck(
            "dkim", name, ERROR, _("The published key is not valid base64."), record
        )
    if not domain.dkim_public_key:
        return RecordCheck(
            "dkim", name, WARNING, _("Modoboa has not generated this domain's key yet."), record
        )
    if published_key != _normalised_key(domain.dkim_public_key):
        return RecordCheck(
            "dkim",
            name,
            ERROR,
            _("The published key is not the key Modoboa signs with: publish the new record."),
            record,
        )
    return RecordCheck(
        "dkim", name, OK, _("Published; it matches the key Modoboa signs with."), record
    )


def check_dmarc(domain_name, resolver):
    """Judge the DMARC record of ``domain_name``."""
    name = "_dmarc.%s" % domain_name
    records = [text for text in _txt_records(resolver, name) if text.startswith("v=DMARC1")]
    if not records:
        return RecordCheck("dmarc", name, MISSING, _("No DMARC record is published."))
    if len(records) > 1:
        return RecordCheck(
            "dmarc",
            name,
            ERROR,
            _("Several DMARC records are published: receivers ignore them all."),
            " | ".join(records),
        )
    record = records[0]
    policy = _tags(record).get("p", "").lower()
    if policy not in _DMARC_POLICIES:
        return RecordCheck(
            "dmarc", name, ERROR, _("The policy (p=) must be none, quarantine or reject."), record
        )
    if policy == "none":
        return RecordCheck(
            "dmarc",
            name,
            WARNING,
            _("Policy 'none': receivers report but act on nothing."),
            record,
        )
    return RecordCheck("dmarc", name, OK, _("Published, policy '%s'.") % policy, record)


def _cache_key(domain):
    # The creation time too: a domain deleted and made again starts afresh.
    return "modoboa.admin.dns_records.%d.%s" % (domain.pk, domain.creation.timestamp())


def check_records(domain, resolver=None, timeout=3.0):
    """Check the three records of ``domain``, remember and return the
    results (a DNS failure is a result too, never an exception).
    """
    resolver = resolver or dns_checks.get_resolver(timeout)
    results = []
    for kind, check in (
        ("spf", lambda: check_spf(domain.name, resolver)),
        ("dkim", lambda: check_dkim(domain, resolver)),
        ("dmarc", lambda: check_dmarc(domain.name, resolver)),
    ):
        try:
            result = check()
        except dns_checks.DNSCheckError as exc:
            result = RecordCheck(kind, domain.name, ERROR, _("DNS query failed: %s") % exc.reason)
        if result is not None:
            results.append(result)
    cache.set(_cache_key(domain), [asdict(result) for result in results], CACHE_TTL)
    return results


def last_results(domain):
    """Return the results of the last check of ``domain`` (or [])."""
    return [RecordCheck(**values) for values in cache.get(_cache_key(domain)) or []]
