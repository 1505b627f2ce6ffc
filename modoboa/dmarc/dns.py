"""The DMARC record a domain publishes (``_dmarc.<domain>`` TXT), read by
``modo check_mx`` for the DMARC badge of the domain list.
"""

import dns.exception
import dns.resolver
from django.utils import timezone

from .models import DomainRecord


def parse_record(text):
    """``{tag: value}`` of a DMARC record (tags lowercased)."""
    tags = {}
    for item in text.split(";"):
        name, sep, value = item.partition("=")
        if sep:
            tags[name.strip().lower()] = value.strip()
    return tags


def lookup(name, resolver):
    """Return ``(record, policy, error)`` for the domain ``name``."""
    try:
        answer = resolver.resolve("_dmarc.%s" % name, "TXT", search=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return "", "", ""
    except dns.exception.Timeout:
        return "", "", "DNS query timed out"
    except dns.exception.DNSException as exc:
        return "", "", ("DNS query failed: %s" % exc)[:255]
    texts = [b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer]
    records = [text for text in texts if text.strip().lower().startswith("v=dmarc1")]
    if not records:
        return "", "", ""
    if len(records) > 1:
        return records[0][:512], "", "several DMARC records are published"
    tags = parse_record(records[0])
    policy = tags.get("p", "").lower()
    if policy not in ("none", "quarantine", "reject"):
        return records[0][:512], "", "the record has no valid p= tag"
    return records[0][:512], policy, ""


def check_domain(domain, resolver):
    """Read and store ``domain``'s DMARC record; return the DomainRecord."""
    record, policy, error = lookup(domain.name, resolver)
    row, _created = DomainRecord.objects.update_or_create(
        domain=domain,
        defaults={"record": record, "policy": policy, "error": error, "checked": timezone.now()},
    )
    return row
