"""Report mails as receivers send them, built from the XML files of
``reports/`` (written for these tests): Google zips, Microsoft gzips,
Yahoo-style plain XML, nested multipart mails, and hostile ones.
"""

import gzip
import io
import zipfile
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

REPORTS = Path(__file__).parent / "reports"
DOMAIN = "hosted.org"


def xml(name):
    return (REPORTS / name).read_bytes()


def zipped(data, member="report.xml"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, data)
    return buffer.getvalue()


def gzipped(data):
    return gzip.compress(data)


def mail(attachments, sender="noreply-dmarc-support@google.com", subject=None, body=True):
    """A report mail; ``attachments`` is a list of (filename, content type,
    bytes).
    """
    message = MIMEMultipart()
    message["From"] = sender
    message["To"] = "dmarc-rua@%s" % DOMAIN
    message["Subject"] = subject or "Report domain: %s Submitter: test" % DOMAIN
    message["Message-ID"] = "<report-%d@tests>" % id(attachments)
    if body:
        message.attach(MIMEText("This is an aggregate report from a receiver.\n"))
    for filename, content_type, payload in attachments:
        maintype, subtype = content_type.split("/")
        part = MIMEBase(maintype, subtype)
        part.set_payload(payload)
        from email import encoders

        encoders.encode_base64(part)
        part.add_header("Content-Disposition", "attachment", filename=filename)
        message.attach(part)
    return message.as_bytes()


def google_mail():
    """Google: a zip named after the reporter, domain and dates."""
    return mail(
        [
            (
                "google.com!hosted.org!1795996800!1796083199.zip",
                "application/zip",
                zipped(xml("google.xml"), "google.com!hosted.org!1795996800!1796083199.xml"),
            )
        ]
    )


def microsoft_mail():
    """Microsoft: a gzip file, no text part."""
    return mail(
        [
            (
                "enterprise.protection.outlook.com!hosted.org!1796083200!1796169600.xml.gz",
                "application/gzip",
                gzipped(xml("microsoft.xml")),
            )
        ],
        sender="dmarcreport@microsoft.com",
        body=False,
    )


def yahoo_mail():
    """Yahoo-style: the XML as a plain attachment."""
    return mail(
        [("yahoo.com!hosted.org!1796169600!1796255999.xml", "text/xml", xml("yahoo.xml"))],
        sender="dmarchelp@yahooinc.com",
    )


def single_part_mail(data, content_type="application/zip", sender="reports@small.example"):
    """A mail whose whole body is the report (no multipart)."""
    maintype, subtype = content_type.split("/")
    part = MIMEApplication(data, subtype) if maintype == "application" else MIMEText(data.decode())
    part["From"] = sender
    part["To"] = "dmarc-rua@%s" % DOMAIN
    part["Subject"] = "Report"
    return part.as_bytes()


def nested_mail():
    """A report forwarded as a message/rfc822 part inside a multipart mail
    (octet-stream: the type is sniffed from the bytes).
    """
    inner = MIMEMultipart()
    inner["From"] = "dmarchelp@yahooinc.com"
    inner["Subject"] = "Report"
    attachment = MIMEApplication(gzipped(xml("minimal.xml")), "octet-stream")
    attachment.add_header("Content-Disposition", "attachment", filename="report")
    inner.attach(attachment)
    outer = MIMEMultipart("mixed")
    outer["From"] = "postmaster@hosted.org"
    outer["Subject"] = "Fwd: Report"
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText("forwarded", "plain"))
    alternative.attach(MIMEText("<p>forwarded</p>", "html"))
    outer.attach(alternative)
    outer.attach(MIMEMessage(inner))
    return outer.as_bytes()


def zip_bomb(size=64 * 1024 * 1024):
    """A small zip that inflates to ``size`` bytes, its header telling the
    truth, and one whose header lies (says 100 bytes).
    """
    honest = zipped(b"<feedback>" + b" " * size)
    info_lie = io.BytesIO()
    with zipfile.ZipFile(info_lie, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("report.xml", b"<feedback>" + b" " * size)
    data = bytearray(info_lie.getvalue())
    # Patch the uncompressed size of the local header and the central
    # directory entry (offsets 22 and 24 after their signatures).
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        position = data.find(signature)
        data[position + offset : position + offset + 4] = (100).to_bytes(4, "little")
    return honest, bytes(data)


def truncated_gzip():
    data = gzipped(xml("google.xml"))
    return data[: len(data) // 2]


def truncated_xml():
    data = xml("google.xml")
    return data[: len(data) // 2]


def hosted_domains(make_domain, make_account, reseller):
    """hosted.org (the reseller's) with its administrator, and other.org with
    an administrator who must not see its reports (the conftest's factories
    are passed in: the unit and integration tests share this platform).
    """
    from modoboa.core import constants

    domain = make_domain(DOMAIN, acting_user=reseller, quota=100, default_mailbox_quota=10)
    make_domain("other.org")
    admin = make_account(
        "admin@%s" % DOMAIN,
        role=constants.DOMAINADMINS,
        domains=[DOMAIN],
        mailbox={"address": "admin@%s" % DOMAIN},
    )
    other = make_account(
        "admin@other.org",
        role=constants.DOMAINADMINS,
        domains=["other.org"],
        mailbox={"address": "admin@other.org"},
    )
    return {"domain": domain, "admin": admin, "other": other}


def stored_report(domain, report_id, org_name="Reporter", source_ip="192.0.2.7", count=3):
    """A report about ``domain`` stored directly (one passing record)."""
    import datetime

    from django.utils import timezone

    from modoboa.dmarc.models import Record, Report, Reporter

    reporter, _created = Reporter.objects.get_or_create(
        email="dmarc-%s@reporter.test" % report_id, defaults={"org_name": org_name}
    )
    end = timezone.now()
    report = Report.objects.create(
        report_id=report_id,
        reporter=reporter,
        start_date=end - datetime.timedelta(days=1),
        end_date=end,
        policy_domain=domain.name,
        policy_adkim="r",
        policy_aspf="r",
        policy_p="none",
        policy_sp="none",
        policy_pct=100,
    )
    Record.objects.create(
        report=report,
        source_ip=source_ip,
        count=count,
        disposition="none",
        dkim_result="pass",
        spf_result="pass",
        header_from=domain,
    )
    return report
