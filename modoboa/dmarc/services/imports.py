"""Storing aggregate reports: one mail in, what happened to each report out.

A report is stored in one transaction or not at all. Records whose
``header_from`` is not hosted here (the domain itself, one of its domain
aliases or a parent domain of them) are dropped; a report left without
record is dropped too. A report already stored (same reporter e-mail
address and report id) is skipped.
"""

import email.utils
import logging
import random
import time
from dataclasses import dataclass, field

from django.db import IntegrityError, OperationalError, transaction

from modoboa.admin.models import Domain, DomainAlias

from .. import parser
from ..models import Record, Report, Reporter, Result
from . import daily

logger = logging.getLogger("modoboa.dmarc")

LOCK_RETRIES = 10


@dataclass
class ImportOutcome:
    """What an import did, one line per report file."""

    imported: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    foreign: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def extend(self, other):
        for name in ("imported", "duplicates", "foreign", "errors"):
            getattr(self, name).extend(getattr(other, name))

    @property
    def lines(self):
        return (
            ["imported: %s" % item for item in self.imported]
            + ["duplicate skipped: %s" % item for item in self.duplicates]
            + ["not for a local domain: %s" % item for item in self.foreign]
            + ["rejected: %s" % item for item in self.errors]
        )


def _candidates(name):
    """``name`` and its parent domains, longest first (not the TLD)."""
    labels = name.split(".")
    return [".".join(labels[index:]) for index in range(len(labels) - 1)]


def local_domains(names):
    """``{header_from: Domain}`` for the names hosted here (directly, as a
    domain alias, or under one of them), in two queries.
    """
    candidates = {name: _candidates(name) for name in names}
    wanted = {candidate for values in candidates.values() for candidate in values}
    if not wanted:
        return {}
    domains = {d.name: d for d in Domain.objects.filter(name__in=wanted)}
    for alias in DomainAlias.objects.filter(name__in=wanted).select_related("target"):
        domains.setdefault(alias.name, alias.target)
    result = {}
    for name, values in candidates.items():
        for candidate in values:
            if candidate in domains:
                result[name] = domains[candidate]
                break
    return result


def _write(report, records, domains):
    reporter = Reporter.objects.filter(email=report.email).first()
    if (
        reporter is not None
        and Report.objects.filter(reporter=reporter, report_id=report.report_id).exists()
    ):
        return "duplicate"
    try:
        with transaction.atomic():
            if reporter is None:
                reporter, _created = Reporter.objects.get_or_create(
                    email=report.email, defaults={"org_name": report.org_name}
                )
            stored = Report.objects.create(
                report_id=report.report_id,
                reporter=reporter,
                start_date=report.start_date,
                end_date=report.end_date,
                policy_domain=report.policy_domain,
                policy_adkim=report.policy_adkim,
                policy_aspf=report.policy_aspf,
                policy_p=report.policy_p,
                policy_sp=report.policy_sp,
                policy_pct=report.policy_pct,
            )
            rows = Record.objects.bulk_create(
                Record(
                    report=stored,
                    source_ip=record.source_ip,
                    count=record.count,
                    disposition=record.disposition,
                    dkim_result=record.dkim_result,
                    spf_result=record.spf_result,
                    header_from=domains[record.header_from],
                    reason_type=record.reason_type,
                    reason_comment=record.reason_comment,
                )
                for record in records
            )
            if rows and rows[0].pk is None:
                # Engines without RETURNING leave the keys unset: read them
                # back, in insertion order.
                rows = list(Record.objects.filter(report=stored).order_by("pk"))
            Result.objects.bulk_create(
                Result(record=row, type=result.type, domain=result.domain, result=result.result)
                for row, record in zip(rows, records, strict=True)
                for result in record.results
            )
            day = daily.day_of(stored.start_date)
            contributions = daily.Contributions()
            for record in records:
                contributions.add(
                    domains[record.header_from].pk,
                    day,
                    record.source_ip,
                    record.disposition,
                    record.dkim_result,
                    record.spf_result,
                    record.count,
                )
            contributions.save()
    except IntegrityError:
        # Another import stored the same report meanwhile.
        return "duplicate"
    return "imported"


def store_report(report):
    """Store a :class:`~modoboa.dmarc.parser.ParsedReport`.

    Return ``"imported"``, ``"duplicate"`` or ``"foreign"``. On SQLite,
    whose writers lock the whole database, a write that meets another
    import's lock (several Postfix pipes at once) is tried again, and so is
    a deadlock of two imports updating the same daily summary rows.
    """
    domains = local_domains({record.header_from for record in report.records})
    records = [record for record in report.records if record.header_from in domains]
    if not records:
        return "foreign"
    for attempt in range(LOCK_RETRIES):
        try:
            return _write(report, records, domains)
        except OperationalError as exc:
            # SQLite's busy database; a deadlock of two imports elsewhere.
            transient = any(word in str(exc).lower() for word in ("locked", "deadlock"))
            if not transient or attempt == LOCK_RETRIES - 1:
                raise
            time.sleep(0.1 * (attempt + 1) + random.random() * 0.1)  # noqa: S311
    raise AssertionError("unreachable")


def import_report_file(report_file, fallback_email=""):
    """Parse and store one :class:`~modoboa.dmarc.parser.ReportFile`."""
    outcome = ImportOutcome()
    if report_file.error:
        outcome.errors.append(report_file.error)
        return outcome
    try:
        report = parser.parse_report(report_file.data, fallback_email=fallback_email)
    except parser.ReportError as exc:
        outcome.errors.append("%s: %s" % (report_file.name, exc))
        return outcome
    label = "%s report %s (%s)" % (report.org_name, report.report_id, report.policy_domain)
    status = store_report(report)
    {"imported": outcome.imported, "duplicate": outcome.duplicates, "foreign": outcome.foreign}[
        status
    ].append(label)
    return outcome


def _sender(raw):
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0][:65536]
    message = email.message_from_bytes(head + b"\n\n")
    try:
        return email.utils.parseaddr(str(message.get("From", "")))[1].lower()[:254]
    except (TypeError, ValueError):
        return ""


def import_mail(raw):
    """Import the reports of the mail ``raw`` (bytes); log and return an
    :class:`ImportOutcome`. Never raises on bad content.
    """
    outcome = ImportOutcome()
    try:
        files = parser.extract_reports(raw)
    except parser.ReportError as exc:
        outcome.errors.append(str(exc))
        files = []
    fallback = _sender(raw)
    if not files and not outcome.errors:
        outcome.errors.append("no report (zip, gzip or XML) in the mail")
    for report_file in files:
        outcome.extend(import_report_file(report_file, fallback_email=fallback))
    for item in outcome.imported:
        logger.info("DMARC %s imported", item)
    for item in outcome.duplicates:
        logger.info("DMARC %s already imported, skipped", item)
    for item in outcome.foreign:
        logger.info("DMARC %s dropped: no record for a local domain", item)
    for item in outcome.errors:
        logger.warning("DMARC report rejected: %s", item)
    return outcome
