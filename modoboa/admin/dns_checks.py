"""DNS look-ups of ``modo check_mx`` and of the authorized-MX rule: MX
resolution and DNSBL queries, through one configurable resolver.

``settings.DNS_NAMESERVERS`` (a list of ``"address"`` or
``"address:port"``, ``"[v6 address]:port"`` for IPv6) replaces the
system's resolvers; the tests point it at a DNS server on the loopback.

Failures (time-outs, SERVFAIL, refused queries) raise :class:`DNSCheckError`
with a readable reason; a domain without MX is an empty answer, not an
error.
"""

import ipaddress
from concurrent.futures import ThreadPoolExecutor, wait

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver
from django.conf import settings

#: Answers that DNSBLs use to say "your query was refused", not "listed".
DNSBL_ERROR_NETWORKS = [ipaddress.ip_network("127.255.255.0/24")]

RESERVED_TLDS = ("example", "invalid", "localhost", "test")


class DNSCheckError(Exception):
    """A DNS query failed (no answer in time, SERVFAIL, refused...)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def has_reserved_tld(name):
    """Tell whether ``name`` belongs to a TLD reserved by RFC 2606."""
    return name.rstrip(".").rsplit(".", 1)[-1].lower() in RESERVED_TLDS


def _parse_nameserver(value):
    value = str(value).strip()
    if value.startswith("["):
        host, _sep, port = value[1:].partition("]")
        port = port.lstrip(":")
    elif value.count(":") == 1:
        host, port = value.split(":")
    else:
        host, port = value, ""
    ipaddress.ip_address(host)
    return host, int(port) if port else 53


def get_resolver(timeout=3.0):
    """Return a resolver whose every query gives up after ``timeout`` s."""
    nameservers = getattr(settings, "DNS_NAMESERVERS", None)
    if nameservers:
        resolver = dns.resolver.Resolver(configure=False)
        parsed = [_parse_nameserver(value) for value in nameservers]
        resolver.nameservers = [host for host, _port in parsed]
        resolver.nameserver_ports = dict(parsed)
    else:
        try:
            resolver = dns.resolver.Resolver()
        except dns.resolver.NoResolverConfiguration:
            resolver = dns.resolver.Resolver(configure=False)
            resolver.nameservers = ["127.0.0.1"]
    resolver.timeout = timeout
    resolver.lifetime = timeout
    resolver.cache = None
    return resolver


def _query(resolver, name, rdtype):
    """Return the answer's records, [] when the name or type has none."""
    try:
        return list(resolver.resolve(name, rdtype, search=False))
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.resolver.LifetimeTimeout:
        raise DNSCheckError("no answer within %ss for %s/%s" % (resolver.lifetime, name, rdtype))
    except dns.resolver.NoNameservers as exc:
        reason = "SERVFAIL or refused"
        for _server, _tcp, _port, error in exc.kwargs.get("errors", []):
            if error:
                reason = str(error)
                break
        raise DNSCheckError("%s/%s: %s" % (name, rdtype, reason)) from None
    except dns.exception.DNSException as exc:
        raise DNSCheckError("%s/%s: %s" % (name, rdtype, exc)) from None
    except OSError as exc:
        raise DNSCheckError("%s/%s: %s" % (name, rdtype, exc)) from None


def resolve_mx(name, resolver=None):
    """Return ``[(mx host, ip address)]`` of domain ``name``, IPv4 and
    IPv6, in MX preference order. Raise DNSCheckError when the MX query
    itself fails; an MX host whose addresses cannot be resolved is left out.
    """
    resolver = resolver or get_resolver()
    records = sorted(_query(resolver, name, "MX"), key=lambda r: (r.preference, str(r.exchange)))
    result = []
    for record in records:
        if record.exchange == dns.name.root:
            # A "null MX" (RFC 7505): the domain accepts no mail.
            continue
        host = str(record.exchange).rstrip(".").lower()
        for rdtype in ("A", "AAAA"):
            try:
                addresses = _query(resolver, host, rdtype)
            except DNSCheckError:
                continue
            for address in addresses:
                if (host, address.address) not in result:
                    result.append((host, address.address))
    return result


def dnsbl_query_name(address, provider):
    """``<reversed address>.<provider>``: dotted octets for IPv4, nibbles
    for IPv6 (RFC 5782).
    """
    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        reversed_ip = ".".join(reversed(str(ip).split(".")))
    else:
        reversed_ip = ".".join(reversed(ip.exploded.replace(":", "")))
    return "%s.%s" % (reversed_ip, provider.strip("."))


def query_dnsbl(address, provider, resolver):
    """Return the listing of ``address`` at ``provider``: the A record the
    list answered (listed), or "" (not listed).
    """
    records = _query(resolver, dnsbl_query_name(address, provider), "A")
    for record in records:
        value = ipaddress.ip_address(record.address)
        if any(value in network for network in DNSBL_ERROR_NETWORKS):
            raise DNSCheckError("%s refused the query (%s)" % (provider, value))
    return records[0].address if records else ""


def check_dnsbl(addresses, providers, timeout=3.0, resolver=None, max_workers=32):
    """Ask every provider about every address at once.

    Return ``{(address, provider): status or DNSCheckError}``; a query
    still running when ``timeout`` expires gets a DNSCheckError.
    """
    resolver = resolver or get_resolver(timeout)
    jobs = [(address, provider) for address in addresses for provider in providers]
    results = {}
    if not jobs:
        return results
    pool = ThreadPoolExecutor(max_workers=min(max_workers, len(jobs)))
    try:
        futures = {pool.submit(query_dnsbl, a, p, resolver): (a, p) for a, p in jobs}
        done, _pending = wait(futures, timeout=timeout + 0.5)
        for future, job in futures.items():
            if future not in done:
                results[job] = DNSCheckError("no answer within %ss" % timeout)
                continue
            try:
                results[job] = future.result()
            except DNSCheckError as exc:
                results[job] = exc
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return results
