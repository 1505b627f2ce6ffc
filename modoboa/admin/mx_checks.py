"""The work of ``modo check_mx``: refresh the cached MX records of the
hosted domains, ask the DNS block lists about them, store the results and
mail the new problems.
"""

import ipaddress
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.core import mail
from django.db import transaction
from django.utils import timezone

from modoboa.core import access
from modoboa.parameters import tools as param_tools

from . import dns_checks, dns_records, signals
from .dnsbl_providers import get_providers
from .lib import get_valid_mx_networks
from .models import DNSBLResult, Domain, MXRecord

logger = logging.getLogger("modoboa.admin")


@dataclass
class DomainReport:
    """What the checks found for one domain."""

    domain: Domain
    mx_problems: list = field(default_factory=list)
    new_listings: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    refreshed: bool = False
    records: list = field(default_factory=list)


def select_domains(names_or_ids=None):
    """The domains to check: those given (names or ids), else every enabled
    domain with DNS checks on; reserved TLDs are never checked.
    """
    if names_or_ids:
        ids = [int(v) for v in names_or_ids if str(v).isdigit()]
        names = [str(v).lower() for v in names_or_ids if not str(v).isdigit()]
        domains = Domain.objects.filter(pk__in=ids) | Domain.objects.filter(name__in=names)
    else:
        domains = Domain.objects.filter(enabled=True, enable_dns_checks=True)
    return [d for d in domains.order_by("name") if not dns_checks.has_reserved_tld(d.name)]


def _managed(address, networks):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def refresh_mx_records(domain, resolver, ttl, networks, report):
    """Return the domain's valid MX records, resolving them again when the
    cached ones have expired.
    """
    now = timezone.now()
    records = list(MXRecord.objects.filter(domain=domain, updated__gt=now))
    if records:
        return records
    try:
        pairs = dns_checks.resolve_mx(domain.name, resolver)
    except dns_checks.DNSCheckError as exc:
        report.errors.append("MX look-up failed: %s" % exc.reason)
        logger.error("MX look-up for domain %s failed: %s", domain.name, exc.reason)
        # The expired records stay until a look-up succeeds.
        return list(MXRecord.objects.filter(domain=domain))
    expiry = now + timedelta(seconds=ttl)
    with transaction.atomic():
        MXRecord.objects.filter(domain=domain).delete()
        MXRecord.objects.bulk_create(
            MXRecord(
                domain=domain,
                name=host,
                address=address,
                managed=_managed(address, networks),
                updated=expiry,
            )
            for host, address in pairs
        )
    # Read back: bulk-created rows lack their pk on some engines.
    records = list(MXRecord.objects.filter(domain=domain).order_by("pk"))
    report.refreshed = True
    if not records:
        report.mx_problems.append("Domain %s has no MX record" % domain.name)
    elif networks and not any(r.managed for r in records):
        report.mx_problems.append(
            "No MX record of domain %s points to an authorized server (%s)"
            % (domain.name, ", ".join("%s [%s]" % (r.name, r.address) for r in records))
        )
    return records


def check_dnsbl(domain, records, providers, timeout, resolver, report):
    """Query the providers about the domain's MX addresses and store the
    answers; new listings go to ``report.new_listings``.
    """
    addresses = sorted({r.address for r in records})
    answers = dns_checks.check_dnsbl(addresses, providers, timeout=timeout, resolver=resolver)
    previous = {(r.mx_id, r.provider): r.status for r in DNSBLResult.objects.filter(domain=domain)}
    failures = {}
    for record in records:
        for provider in providers:
            answer = answers.get((record.address, provider))
            if isinstance(answer, dns_checks.DNSCheckError):
                failures.setdefault(provider, answer.reason)
                continue
            if answer is None:
                continue
            old = previous.get((record.pk, provider))
            if old != answer:
                DNSBLResult.objects.update_or_create(
                    domain=domain, provider=provider, mx=record, defaults={"status": answer}
                )
            if answer and not old:
                report.new_listings.append(
                    "%s [%s] is listed by %s (%s)"
                    % (record.name, record.address, provider, answer)
                )
    for provider, reason in sorted(failures.items()):
        report.errors.append("DNSBL %s: %s" % (provider, reason))
        logger.warning("DNSBL query to %s for domain %s failed: %s", provider, domain.name, reason)


def _recipients(domain, emails, skip_admin_emails):
    recipients = list(emails or [])
    if not skip_admin_emails:
        for admin in access.domain_admins(domain).filter(mailbox__isnull=False, is_active=True):
            if admin.email and admin.email not in recipients:
                recipients.append(admin.email)
    return recipients


def send_alert(domain, subject, lines, emails, skip_admin_emails):
    """Mail ``lines`` to the addresses given and the domain's admins."""
    recipients = _recipients(domain, emails, skip_admin_emails)
    if not recipients:
        return False
    sender = param_tools.get_global_parameter("sender_address", app="core")
    body = "\n".join(["Modoboa found the following problem(s):", ""] + lines) + "\n"
    try:
        mail.send_mail(subject, body, sender, recipients)
    except (OSError, mail.BadHeaderError) as exc:
        logger.error("Failed to send the alert about %s: %s", domain.name, exc)
        return False
    return True


def run(
    *,
    domains=None,
    dnsbl=True,
    emails=(),
    skip_admin_emails=False,
    timeout=3.0,
    ttl=7200,
):
    """Check ``domains`` (names or ids; all by default); return the reports."""
    params = param_tools.get_global_parameters("admin")
    providers = get_providers()
    DNSBLResult.objects.exclude(provider__in=providers).delete()
    networks = get_valid_mx_networks()
    resolver = dns_checks.get_resolver(timeout)
    dnsbl = dnsbl and params["enable_dnsbl_checks"]
    reports = []
    for domain in select_domains(domains):
        report = DomainReport(domain)
        records = refresh_mx_records(domain, resolver, ttl, networks, report)
        if not report.errors:
            # A domain whose DNS does not answer would only time out again.
            report.records = dns_records.check_records(domain, resolver)
        if params["enable_mx_checks"] and report.mx_problems:
            send_alert(
                domain,
                "[modoboa] MX issue(s) for domain %s" % domain.name,
                report.mx_problems,
                emails,
                skip_admin_emails,
            )
        if dnsbl and records:
            check_dnsbl(domain, records, providers, timeout, resolver, report)
            if report.new_listings:
                send_alert(
                    domain,
                    "[modoboa] DNSBL issue(s) for domain %s" % domain.name,
                    report.new_listings,
                    emails,
                    skip_admin_emails,
                )
        if not report.errors:
            signals.domain_dns_checked.send(
                sender="check_mx", domain=domain, resolver=resolver, report=report
            )
        reports.append(report)
    return reports
