"""Reading aggregate reports (RFC 7489, appendix C) out of hostile mail.

Nothing here touches the database. :func:`extract_reports` finds the report
files of a mail (zip, gzip or plain XML parts, at any depth of a multipart
message, whatever content type the sender claims) and :func:`parse_report`
turns one XML document into a :class:`ParsedReport`.

Every read is bounded: the mail, each decompressed file, the number of
files, of records and of authentication results. XML is read with
defusedxml, which refuses DTDs and entities (billion laughs, external
entities). Problems raise :class:`ReportError` with a reason fit for a log.
"""

import datetime
import email
import email.policy
import gzip
import io
import ipaddress
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

MAX_MAIL_SIZE = 20 * 1024 * 1024
MAX_XML_SIZE = 20 * 1024 * 1024
MAX_FILES = 20
MAX_RECORDS = 100_000
MAX_RESULTS_PER_RECORD = 20

ZIP_MAGIC = b"PK\x03\x04"
GZIP_MAGIC = b"\x1f\x8b"

DISPOSITIONS = ("none", "quarantine", "reject")
ALIGNMENTS = ("r", "s")
POLICIES = ("none", "quarantine", "reject")
_token_re = re.compile(r"^[a-z]{1,9}$")


class ReportError(Exception):
    """A report (or a mail) that cannot be read; the text says why."""


@dataclass
class ParsedResult:
    type: str
    domain: str
    result: str


@dataclass
class ParsedRecord:
    source_ip: str
    count: int
    disposition: str
    dkim_result: str
    spf_result: str
    header_from: str
    reason_type: str = ""
    reason_comment: str = ""
    results: list = field(default_factory=list)


@dataclass
class ParsedReport:
    org_name: str
    email: str
    report_id: str
    start_date: datetime.datetime
    end_date: datetime.datetime
    policy_domain: str
    policy_adkim: str
    policy_aspf: str
    policy_p: str
    policy_sp: str
    policy_pct: int
    records: list = field(default_factory=list)


@dataclass
class ReportFile:
    """A report file found in a mail: its name and XML bytes, or the reason
    it could not be unpacked.
    """

    name: str
    data: bytes = b""
    error: str = ""


# Unpacking ------------------------------------------------------------------


def _bounded_read(stream, name):
    data = stream.read(MAX_XML_SIZE + 1)
    if len(data) > MAX_XML_SIZE:
        raise ReportError("%s: larger than %d bytes once decompressed" % (name, MAX_XML_SIZE))
    return data


def _gunzip(payload, name):
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(payload)) as stream:
            return _bounded_read(stream, name)
    except (OSError, EOFError, zlib.error) as exc:
        raise ReportError("%s: not a readable gzip file (%s)" % (name, exc)) from None


def _unzip(payload, name):
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
        members = [info for info in archive.infolist() if not info.is_dir()]
        if not members:
            raise ReportError("%s: empty zip archive" % name)
        if len(members) > MAX_FILES:
            raise ReportError("%s: more than %d files in the archive" % (name, MAX_FILES))
        files = []
        for info in members:
            member = "%s/%s" % (name, info.filename)
            if info.file_size > MAX_XML_SIZE:
                raise ReportError(
                    "%s: larger than %d bytes once decompressed" % (member, MAX_XML_SIZE)
                )
            with archive.open(info) as stream:
                # The declared size may lie: the read itself is bounded.
                files.append(ReportFile(member, _bounded_read(stream, member)))
        return files
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, zlib.error) as exc:
        raise ReportError("%s: not a readable zip archive (%s)" % (name, exc)) from None
    except NotImplementedError as exc:
        raise ReportError("%s: unsupported zip archive (%s)" % (name, exc)) from None


def _looks_like_xml(payload):
    head = payload[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<")


def unpack(payload, name, content_type=""):
    """Return the report files of one attachment (a list of ReportFile).

    The type is sniffed from the bytes, not taken from the sender's
    headers; ``content_type`` only decides whether an unknown part is worth
    a reason in the log.
    """
    name = name or "attachment"
    try:
        if payload.startswith(ZIP_MAGIC):
            return _unzip(payload, name)
        if payload.startswith(GZIP_MAGIC):
            data = _gunzip(payload, name)
            inner = name[:-3] if name.lower().endswith(".gz") else name
            return [ReportFile(inner, data)]
    except ReportError as exc:
        return [ReportFile(name, error=str(exc))]
    if _looks_like_xml(payload):
        if len(payload) > MAX_XML_SIZE:
            return [ReportFile(name, error="%s: larger than %d bytes" % (name, MAX_XML_SIZE))]
        return [ReportFile(name, payload)]
    lowered = (content_type or "").lower()
    if any(word in lowered for word in ("zip", "gzip", "xml")) or name.lower().endswith(
        (".zip", ".gz", ".xml")
    ):
        return [ReportFile(name, error="%s: neither zip, gzip nor XML content" % name)]
    return []


def extract_reports(raw):
    """Return the report files (ReportFile) of the mail ``raw`` (bytes).

    Text parts of the mail body and other attachments are ignored.
    """
    if len(raw) > MAX_MAIL_SIZE:
        raise ReportError("mail larger than %d bytes" % MAX_MAIL_SIZE)
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    files = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        name = part.get_filename() or ""
        if content_type == "text/plain" and not name:
            continue
        if content_type == "text/html":
            continue
        try:
            payload = part.get_payload(decode=True) or b""
        except (ValueError, TypeError, AssertionError) as exc:
            files.append(ReportFile(name or content_type, error="undecodable part (%s)" % exc))
            continue
        files.extend(unpack(payload, name or content_type, content_type))
        if len(files) > MAX_FILES:
            raise ReportError("more than %d report files in the mail" % MAX_FILES)
    return files


# Parsing --------------------------------------------------------------------


def _local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element, name):
    if element is None:
        return None
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _children(element, name):
    if element is None:
        return []
    return [child for child in element if _local(child.tag) == name]


def _text(element, path, required=False, where=""):
    node = element
    for name in path.split("/"):
        node = _child(node, name)
        if node is None:
            break
    value = (node.text or "").strip() if node is not None else ""
    if required and not value:
        raise ReportError("missing <%s>%s" % (path, where))
    return value


def _fit(value, length, path, where=""):
    if len(value) > length:
        raise ReportError("<%s>%s longer than %d characters" % (path, where, length))
    return value


def _timestamp(value, path):
    try:
        number = int(float(value))
        if not 0 < number < 2**33:
            raise ValueError
        return datetime.datetime.fromtimestamp(number, tz=datetime.UTC)
    except (ValueError, OverflowError):
        raise ReportError("<%s> is not a Unix timestamp: %r" % (path, value[:40])) from None


def _choice(value, choices, default, path, where=""):
    value = value.lower()
    if not value:
        return default
    if value not in choices:
        raise ReportError("<%s>%s has an unknown value: %r" % (path, where, value[:40]))
    return value


def _result_token(value, path, where):
    value = value.lower()
    if not value:
        return "none"
    if not _token_re.match(value):
        raise ReportError("<%s>%s has an unknown value: %r" % (path, where, value[:40]))
    return value


def _domain(value, path, where=""):
    value = value.strip().rstrip(".").lower()
    return _fit(value, 100, path, where)


def _parse_record(element, position):
    where = " (record %d)" % position
    row = _child(element, "row")
    if row is None:
        raise ReportError("missing <row>%s" % where)
    source_ip = _text(row, "source_ip", True, where)
    try:
        source_ip = str(ipaddress.ip_address(source_ip))
    except ValueError:
        raise ReportError(
            "<source_ip>%s is not an IP address: %r" % (where, source_ip[:40])
        ) from None
    count_text = _text(row, "count", True, where)
    try:
        count = int(count_text)
        if not 0 <= count < 2**31:
            raise ValueError
    except ValueError:
        raise ReportError("<count>%s is not a number: %r" % (where, count_text[:40])) from None
    evaluated = _child(row, "policy_evaluated")
    if evaluated is None:
        raise ReportError("missing <policy_evaluated>%s" % where)
    disposition = _choice(
        _text(evaluated, "disposition", True, where), DISPOSITIONS, "none", "disposition", where
    )
    dkim = _choice(_text(evaluated, "dkim"), ("pass", "fail"), "fail", "dkim", where)
    spf = _choice(_text(evaluated, "spf"), ("pass", "fail"), "fail", "spf", where)
    reason = _child(evaluated, "reason")
    header_from = _domain(
        _text(element, "identifiers/header_from", True, where), "header_from", where
    )
    record = ParsedRecord(
        source_ip=source_ip,
        count=count,
        disposition=disposition,
        dkim_result=dkim,
        spf_result=spf,
        header_from=header_from,
        reason_type=_fit(_text(reason, "type").lower(), 15, "reason/type", where),
        reason_comment=_text(reason, "comment")[:100],
    )
    auth = _child(element, "auth_results")
    for kind in ("dkim", "spf"):
        for node in _children(auth, kind):
            record.results.append(
                ParsedResult(
                    type=kind,
                    domain=_domain(_text(node, "domain"), "auth_results/%s/domain" % kind, where),
                    result=_result_token(
                        _text(node, "result"), "auth_results/%s/result" % kind, where
                    ),
                )
            )
    if len(record.results) > MAX_RESULTS_PER_RECORD:
        raise ReportError("more than %d results%s" % (MAX_RESULTS_PER_RECORD, where))
    return record


def parse_report(data, fallback_email=""):
    """Parse the XML ``data`` (bytes) of one aggregate report.

    ``fallback_email`` (the sender of the mail) stands for a missing
    ``<email>``. Raise :class:`ReportError` on anything unusable.
    """
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise ReportError("forbidden XML construct (%s)" % type(exc).__name__) from None
    except ParseError as exc:
        raise ReportError("malformed XML (%s)" % exc) from None
    except (ValueError, TypeError) as exc:
        raise ReportError("unreadable XML (%s)" % exc) from None
    if _local(root.tag) != "feedback":
        raise ReportError("the root element is <%s>, not <feedback>" % _local(root.tag)[:40])
    metadata = _child(root, "report_metadata")
    if metadata is None:
        raise ReportError("missing <report_metadata>")
    policy = _child(root, "policy_published")
    if policy is None:
        raise ReportError("missing <policy_published>")
    address = _text(metadata, "email") or fallback_email
    if not address:
        raise ReportError("missing <report_metadata/email>")
    start = _timestamp(_text(metadata, "date_range/begin", True), "date_range/begin")
    end = _timestamp(_text(metadata, "date_range/end", True), "date_range/end")
    if end < start:
        raise ReportError("<date_range> ends before it begins")
    pct_text = _text(policy, "pct") or "100"
    try:
        pct = int(pct_text)
        if not 0 <= pct <= 100:
            raise ValueError
    except ValueError:
        raise ReportError("<pct> is not a percentage: %r" % pct_text[:40]) from None
    p = _choice(_text(policy, "p"), POLICIES, "none", "p")
    report = ParsedReport(
        org_name=_text(metadata, "org_name", True)[:100],
        email=_fit(address.strip().lower(), 254, "email"),
        report_id=_fit(_text(metadata, "report_id", True), 150, "report_id"),
        start_date=start,
        end_date=end,
        policy_domain=_domain(_text(policy, "domain", True), "policy_published/domain"),
        policy_adkim=_choice(_text(policy, "adkim"), ALIGNMENTS, "r", "adkim"),
        policy_aspf=_choice(_text(policy, "aspf"), ALIGNMENTS, "r", "aspf"),
        policy_p=p,
        policy_sp=_choice(_text(policy, "sp"), POLICIES, p, "sp"),
        policy_pct=pct,
    )
    records = _children(root, "record")
    if len(records) > MAX_RECORDS:
        raise ReportError("more than %d records" % MAX_RECORDS)
    for position, element in enumerate(records, start=1):
        report.records.append(_parse_record(element, position))
    return report
