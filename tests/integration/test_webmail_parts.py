"""Opening a message part by part, against the real Dovecot: the page of a
message with a large attachment fetches its structure, headers and text
only (the bytes the client reads and the FETCH items it sends are
checked on the connection itself), an attachment download fetches its
section only and gives its exact bytes, inline images still work, the
result is the one of the whole message parsed (a corpus, hostile mail
included), and a BODYSTRUCTURE the client cannot parse falls back to the
whole message.
"""

import base64
import email.message
import imaplib
import os
import re
import tracemalloc
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from modoboa.webmail import imap, parts, reading, streaming
from tests.fixtures.webmail import make_message
from tests.integration.webmail_corpus import corpus

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
BIG = 5 * 1024 * 1024


class Traffic:
    """What every IMAP connection of the process sends and reads (imaplib's
    own methods, under imapclient).
    """

    def __init__(self, monkeypatch):
        self.sent = []
        self.received = 0
        self.largest = 0  # the largest read: a FETCH's literal
        self.corrupt = None
        traffic = self
        send, read, readline = imaplib.IMAP4.send, imaplib.IMAP4.read, imaplib.IMAP4.readline

        def counting_send(connection, data):
            traffic.sent.append(bytes(data))
            return send(connection, data)

        def counting_read(connection, size):
            data = read(connection, size)
            traffic.received += len(data)
            traffic.largest = max(traffic.largest, len(data))
            return data

        def counting_readline(connection):
            line = readline(connection)
            traffic.received += len(line)
            if traffic.corrupt is not None:
                line = traffic.corrupt(line)
            return line

        monkeypatch.setattr(imaplib.IMAP4, "send", counting_send)
        monkeypatch.setattr(imaplib.IMAP4, "read", counting_read)
        monkeypatch.setattr(imaplib.IMAP4, "readline", counting_readline)

    def reset(self):
        self.sent.clear()
        self.received = 0
        self.largest = 0

    @property
    def commands(self):
        return b"".join(self.sent).decode("utf-8", "replace")


@pytest.fixture
def traffic(monkeypatch):
    return Traffic(monkeypatch)


@pytest.fixture
def user_client(client, webmail_user):
    client.force_login(webmail_user)
    return client


def last_uid(mailbox):
    return max(mailbox.flags())


def url(name, uid, *args, **params):
    params.setdefault("folder", "INBOX")
    return reverse("webmail:%s" % name, args=[uid, *args]) + "?" + urlencode(params)


def body_of(response):
    """The bytes of a response, sent whole or range by range."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def links_of(page):
    return {
        name: href.replace("&amp;", "&")
        for href, name in re.findall(r'<a href="([^"]*/parts/[^"]*)" download>([^<]*)</a>', page)
    }


@pytest.fixture
def large(mailbox):
    """A message with text, HTML with an inline image, and a 5 MB
    attachment.
    """
    data = os.urandom(BIG)
    message = email.message.EmailMessage()
    message["From"] = "Bob <bob@outside.test>"
    message["To"] = "alice@webmail.test"
    message["Subject"] = "Holiday pictures"
    message.set_content("The pictures are attached.\n")
    message.add_alternative('<p>The <b>pictures</b></p><img src="cid:logo@x">', subtype="html")
    message.get_payload()[1].add_related(PNG, "image", "png", cid="<logo@x>")
    message.add_attachment(data, maintype="application", subtype="zip", filename="pictures.zip")
    mailbox.deliver(message.as_bytes())
    return last_uid(mailbox), data


def test_a_large_attachment_is_listed_but_not_fetched_to_open_the_message(
    user_client, mailbox, large, traffic, webmail_user
):
    uid, data = large
    traffic.reset()
    response = user_client.get(url("message", uid))
    assert response.status_code == 200
    page = response.content.decode()
    assert "The pictures are attached." in page
    assert list(links_of(page)) == ["pictures.zip"]
    # Its size from the BODYSTRUCTURE (base64: three quarters, lines too).
    assert re.search(r"\(application/zip, 5\.[01]\xa0MB\)", page)
    # Structure, headers, flags and the two bodies: a few kilobytes, not
    # the 6.8 MB of the message.
    assert traffic.received < 32 * 1024, traffic.received
    commands = traffic.commands
    assert "BODYSTRUCTURE" in commands
    assert "BODY.PEEK[]" not in commands and "RFC822)" not in commands
    assert "BODY.PEEK[1.1]" in commands  # the text
    assert "BODY.PEEK[2]" not in commands  # the attachment
    assert "BODY[" not in commands.replace("BODY.PEEK[", "")  # nothing unpeeked
    assert b"\\Seen" in mailbox.flags()[uid]  # as before: an explicit STORE
    # The HTML frame and its inline image fetch their own sections only.
    webmail_user.parameters.set_value("displaymode", "html", app="modoboa_webmail")
    traffic.reset()
    body = user_client.get(url("message_body", uid)).content.decode()
    assert "<b>pictures</b>" in body
    cid = re.search(r'<img src="([^"]*cid[^"]*)"', body).group(1).replace("&amp;", "&")
    image = user_client.get(cid)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image.content == PNG
    assert traffic.received < 32 * 1024, traffic.received
    assert "BODY.PEEK[2]" not in traffic.commands
    assert "BODY.PEEK[1.2.2]" in traffic.commands


def test_an_attachment_download_fetches_its_section_only_and_gives_its_bytes(
    user_client, mailbox, large, traffic
):
    uid, data = large
    mailbox_flags = mailbox.flags()[uid]
    link = links_of(user_client.get(url("message", uid)).content.decode())["pictures.zip"]
    traffic.reset()
    download = user_client.get(link)
    assert download.status_code == 200
    assert body_of(download) == data
    assert download["Content-Type"] == "application/zip"
    assert download["Content-Disposition"] == 'attachment; filename="pictures.zip"'
    commands = traffic.commands
    assert "BODY.PEEK[2]<" in commands and "BODY.PEEK[]" not in commands
    assert "BODY.PEEK[1.1]" not in commands  # no body of the message
    # The base64 of the attachment (76 characters and CRLF a line for 57
    # bytes) and little more.
    assert traffic.received < len(data) * 78 // 57 + 32 * 1024, traffic.received
    assert b"\\Seen" not in mailbox_flags


def test_a_download_leaves_the_message_unread(user_client, mailbox, large):
    uid, _data = large
    link = url("message_part", uid, "2")
    download = user_client.get(link)
    assert download.status_code == 200
    body_of(download)
    assert b"\\Seen" not in mailbox.flags()[uid]
    assert user_client.get(url("message_headers", uid)).status_code == 200
    assert b"\\Seen" not in mailbox.flags()[uid]


def _tricky_messages():
    """Well-formed MIME the part-by-part reading must read as the parser
    reads the whole message.
    """
    inner = make_message("Inner", attachments=[("inner.pdf", "application/pdf", b"%PDF inner")])
    outer = email.message_from_bytes(
        make_message(
            "Alternative in mixed",
            html="<p>html <i>part</i></p>",
            attachments=[("Réunion été.txt", "text/plain", "accentué".encode())],
        )
    )
    attached = email.message.Message()
    attached["Content-Type"] = "message/rfc822"
    attached["Content-Disposition"] = 'attachment; filename="fwd.eml"'
    attached.set_payload([email.message_from_bytes(inner)])
    outer.attach(attached)
    single_inner = (
        b'Content-Type: multipart/mixed; boundary="O"\r\nSubject: Single inner\r\n\r\n'
        b"--O\r\nContent-Type: text/plain\r\n\r\nSee the forwarded file.\r\n"
        b"--O\r\nContent-Type: message/rfc822\r\n\r\n"
        b"Subject: The file\r\nContent-Type: application/pdf; name=alone.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(b"%PDF alone")
        + b"--O--\r\n"
    )
    rfc2231 = (
        b'Subject: RFC 2231\r\nContent-Type: multipart/mixed; boundary="R"\r\n\r\n'
        b"--R\r\nContent-Type: text/plain\r\n\r\nNo charset here: caf\xe9.\r\n"
        b"--R\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment;\r\n"
        b" filename*0*=utf-8''R%C3%A9sum%C3%A9%20tr%C3%A8s;\r\n"
        b" filename*1*=%20long.txt\r\n\r\nlong name\r\n"
        b"--R\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: x-unknown-encoding\r\n"
        b'Content-Disposition: attachment; filename="odd.txt"\r\n\r\nodd bytes\r\n'
        b'--R\r\nContent-Type: image/png; name="logo.png"\r\nContent-ID: <logo@r>\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(PNG) + b"--R--\r\n"
    )
    digest = (
        b'Subject: Digest\r\nContent-Type: multipart/digest; boundary="D"\r\n\r\n'
        b"--D\r\n\r\nSubject: First\r\n\r\nfirst\r\n"
        b"--D\r\n\r\nSubject: Second\r\n\r\nsecond\r\n--D--\r\n"
    )
    html_only = b"Subject: Only HTML\r\nContent-Type: text/html\r\n\r\n<p>just html</p>\r\n"
    pdf_only = (
        b"Subject: Only a PDF\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="whole.pdf"\r\n\r\n%PDF whole\r\n'
    )
    return [
        ("alternative", outer.as_bytes()),
        ("single inner", single_inner),
        ("rfc2231", rfc2231),
        ("digest", digest),
        ("html only", html_only),
        ("pdf only", pdf_only),
    ]


#: Hostile MIME whose nested parts reuse their parent's boundary: Dovecot
#: and Python's parser cut it differently (both shown safely: see
#: test_webmail_hostile.py).
AMBIGUOUS = {"malformed", "forwarded"}


def test_parts_read_as_the_whole_message_parsed(mailbox, webmail_user):
    messages = _tricky_messages() + [
        (name, raw) for name, raw in corpus() if name not in AMBIGUOUS
    ]
    for _name, raw in messages:
        mailbox.deliver(raw)
    fetched = {}
    with imap.open_mailbox(webmail_user) as client:
        imap.select(client, "INBOX")
        uids = sorted(client.search(["ALL"]))[1:]  # the welcome message first
        assert len(uids) == len(messages)
        for (name, _raw), uid in zip(messages, uids, strict=True):
            raw = client.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]
            whole = reading.read(raw, uid=uid)
            by_parts = parts.open_message(client, "INBOX", uid)
            fetched[name] = by_parts.fetched
            for attribute in ("headers", "text", "html", "inline", "warnings", "text_truncated"):
                assert getattr(by_parts, attribute) == getattr(whole, attribute), (name, attribute)
            assert [
                (item.part, item.filename, item.content_type, item.parent)
                for item in by_parts.attachments
            ] == [
                (item.part, item.filename, item.content_type, item.parent)
                for item in whole.attachments
            ], name
            for mine, theirs in zip(by_parts.attachments, whole.attachments, strict=True):
                assert abs(mine.size - theirs.size) <= max(64, theirs.size // 20), name
            for item in whole.attachments:
                mine = parts.part_download(client, "INBOX", uid, item.part)
                theirs = _whole_download(raw, item.part)
                if item.content_type == "message/rfc822":
                    # The section as it is, where the parser wrote the
                    # message it had parsed again.
                    mine = (_lines(mine[0]), *mine[1:])
                    theirs = (_lines(theirs[0]), *theirs[1:])
                assert mine == theirs, (name, item.part)
    # The deep one goes beyond the walked depth: the whole message is read.
    assert fetched.pop("nested") == "whole"
    assert set(fetched.values()) == {"parts"}
    assert fetched["rfc2231"] == "parts"


def _lines(data):
    return data.replace(b"\r\n", b"\n").rstrip(b"\n")


def _whole_download(raw, path):
    found = reading.find_part(reading.parse(raw), path)
    download = parts._whole_download(found, path)
    return download.data, download.filename, download.content_type


def test_rfc2231_names_and_nested_messages_download(user_client, mailbox):
    for _name, raw in _tricky_messages()[1:3]:
        mailbox.deliver(raw)
    uids = sorted(mailbox.flags())[-2:]
    page = user_client.get(url("message", uids[0])).content.decode()
    assert "See the forwarded file." in page
    links = links_of(page)
    assert set(links) == {"The file.eml", "alone.pdf"}
    alone = user_client.get(links["alone.pdf"])
    assert alone.content == b"%PDF alone" and alone["Content-Type"] == "application/pdf"
    eml = user_client.get(links["The file.eml"])
    assert eml["Content-Type"] == "message/rfc822"
    assert eml.content.startswith(b"Subject: The file\r\n")
    page = user_client.get(url("message", uids[1])).content.decode()
    assert "No charset here: café." in page
    links = links_of(page)
    assert set(links) == {"Résumé très long.txt", "odd.txt", "logo.png"}
    odd = user_client.get(links["odd.txt"])
    assert odd.content == b"odd bytes"
    logo = user_client.get(links["logo.png"])
    assert logo.content == PNG


def test_a_bodystructure_the_client_cannot_parse_falls_back_to_the_whole_message(
    user_client, mailbox, large, traffic, webmail_user
):
    uid, data = large

    def broken(line):
        return line.replace(b"BODYSTRUCTURE (", b"BODYSTRUCTURE ((", 1)

    traffic.corrupt = broken
    traffic.reset()
    response = user_client.get(url("message", uid))
    assert response.status_code == 200
    page = response.content.decode()
    assert "The pictures are attached." in page
    assert list(links_of(page)) == ["pictures.zip"]
    commands = traffic.commands
    assert "BODYSTRUCTURE" in commands and "BODY.PEEK[]" in commands
    assert traffic.received > BIG
    assert b"\\Seen" in mailbox.flags()[uid]
    download = user_client.get(url("message_part", uid, "2"))
    assert body_of(download) == data
    webmail_user.parameters.set_value("displaymode", "html", app="modoboa_webmail")
    body = user_client.get(url("message_body", uid)).content.decode()
    cid = re.search(r'<img src="([^"]*cid[^"]*)"', body).group(1).replace("&amp;", "&")
    assert user_client.get(cid).content == PNG
    with imap.open_mailbox(webmail_user) as client:
        assert parts.open_message(client, "INBOX", uid).fetched == "whole"
        traffic.corrupt = None
        assert parts.open_message(client, "INBOX", uid).fetched == "parts"


def test_the_size_limit_applies_to_the_parts_fetched(
    user_client, mailbox, large, monkeypatch, traffic
):
    uid, _data = large
    # Below the attachment's size, above the message's text and HTML.
    monkeypatch.setattr(reading, "MAX_FETCH", 1024 * 1024)
    page = user_client.get(url("message", uid))
    assert page.status_code == 200
    assert "The pictures are attached." in page.content.decode()
    traffic.reset()
    download = user_client.get(url("message_part", uid, "2"))
    assert download.status_code == 400
    assert "This message is too large to be shown here (6 MB)." in download.content.decode()
    assert "BODY.PEEK[2]" not in traffic.commands
    # The whole message is refused as before where it is fetched whole.
    source = user_client.get(url("message_source", uid))
    assert "too large to be shown here" in source.content.decode()


def _attachment(mailbox, data, cte=None, filename="data.bin", maintype="application", sub="zip"):
    message = email.message.EmailMessage()
    message["From"] = "Bob <bob@outside.test>"
    message["To"] = "alice@webmail.test"
    message["Subject"] = "A file"
    message.set_content("See the file.\n")
    options = {"cte": cte} if cte else {}
    if isinstance(data, str):
        message.add_attachment(data, subtype=sub, filename=filename, **options)
    else:
        message.add_attachment(data, maintype=maintype, subtype=sub, filename=filename, **options)
    mailbox.deliver(message.as_bytes())
    return last_uid(mailbox)


def _ranges(commands):
    return re.findall(r"BODY\.PEEK\[2\]<(\d+)\.(\d+)>", commands)


def test_a_large_attachment_is_sent_range_by_range(user_client, mailbox, large, traffic):
    uid, data = large
    traffic.reset()
    download = user_client.get(url("message_part", uid, "2"))
    assert download.status_code == 200 and download.streaming
    # Its headers as before; no length: the decoded size is not known.
    assert download["Content-Type"] == "application/zip"
    assert download["Content-Disposition"] == 'attachment; filename="pictures.zip"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"].startswith("default-src 'none'")
    assert not download.has_header("Content-Length")
    # The first range is read before the response starts, the next ones
    # as it is sent.
    assert len(_ranges(traffic.commands)) == 1
    assert body_of(download) == data
    ranges = _ranges(traffic.commands)
    encoded = len(data) * 78 // 57
    assert len(ranges) == encoded // streaming.CHUNK + 1, ranges
    assert [int(offset) for offset, _length in ranges] == [
        index * streaming.CHUNK for index in range(len(ranges))
    ]
    assert {int(length) for _offset, length in ranges} == {streaming.CHUNK}
    assert "BODY.PEEK[2]]" not in traffic.commands and "BODY.PEEK[2] " not in traffic.commands
    # No FETCH answered more than a range.
    assert traffic.largest <= streaming.CHUNK, traffic.largest
    # The connection was given back for the next page.
    assert len(imap._kept) == 1


def test_quoted_printable_and_8bit_attachments_download_exactly(user_client, mailbox, traffic):
    data = os.urandom(2 * 1024 * 1024)
    uid = _attachment(mailbox, data, cte="quoted-printable")
    download = user_client.get(url("message_part", uid, "2"))
    assert download.streaming and not download.has_header("Content-Length")
    assert body_of(download) == data
    assert traffic.largest <= streaming.CHUNK
    # Text sent as it is (8bit): its exact length is known.
    text = "".join("ligne %d accentuée\n" % index for index in range(150_000)).encode()
    uid = _attachment(mailbox, text.decode(), cte="8bit", filename="long.txt", sub="plain")
    download = user_client.get(url("message_part", uid, "2"))
    assert download.streaming and download["Content-Type"] == "text/plain; charset=utf-8"
    sent = body_of(download)
    assert sent.replace(b"\r\n", b"\n") == text
    assert int(download["Content-Length"]) == len(sent)


def test_a_hostile_name_and_type_stay_safe_in_a_large_download(user_client, mailbox):
    data = os.urandom(3 * 1024 * 1024)
    uid = _attachment(mailbox, data, filename='../..\\evil"<b>.html', maintype="text", sub="html")
    download = user_client.get(url("message_part", uid, "2"))
    assert download.streaming
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"] == 'attachment; filename="evilb.html"'
    assert body_of(download) == data


def _peak(user_client, link):
    tracemalloc.start()
    try:
        download = user_client.get(link)
        assert download.status_code == 200
        size = 0
        pieces = download.streaming_content if download.streaming else [download.content]
        for piece in pieces:
            size += len(piece)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return size, peak


def test_the_memory_of_a_download_does_not_grow_with_its_size(user_client, mailbox):
    small, big = os.urandom(2 * 1024 * 1024), os.urandom(8 * 1024 * 1024)
    links = [url("message_part", _attachment(mailbox, data), "2") for data in (small, big)]
    body_of(user_client.get(links[0]))  # warm-up (imports, the connection)
    (small_size, small_peak), (big_size, big_peak) = (_peak(user_client, link) for link in links)
    assert (small_size, big_size) == (len(small), len(big))
    # A few ranges' worth (the literal, its decoding), whatever the size
    # (the whole download took 4.6 times the attachment: 37 MB here).
    assert big_peak < 8 * streaming.CHUNK, big_peak
    assert big_peak < small_peak + streaming.CHUNK, (small_peak, big_peak)


def test_another_page_while_a_download_is_sent_uses_another_connection(
    user_client, mailbox, large
):
    uid, data = large
    download = user_client.get(url("message_part", uid, "2"))
    first = next(iter(download.streaming_content))
    assert imap._kept == {}  # held by the download
    page = user_client.get(url("message", uid))
    assert page.status_code == 200 and "The pictures are attached." in page.content.decode()
    assert len(imap._kept) == 1  # the page's own, given back
    rest = b"".join(download.streaming_content)
    assert first + rest == data
    assert len(imap._kept) == 1  # one kept a mailbox: the download's closed


def test_a_client_going_away_gives_the_connection_back(user_client, mailbox, large, traffic):
    uid, _data = large
    download = user_client.get(url("message_part", uid, "2"))
    next(iter(download.streaming_content))
    traffic.reset()
    download.close()  # what the server does when the client goes away
    assert len(_ranges(traffic.commands)) == 0  # nothing more read
    assert len(imap._kept) == 1
    assert user_client.get(url("message_headers", uid)).status_code == 200


def test_a_connection_lost_midway_cuts_the_transfer_and_closes_it(
    user_client, mailbox, large, monkeypatch
):
    uid, _data = large
    download = user_client.get(url("message_part", uid, "2"))
    assert download.status_code == 200
    pieces = iter(download.streaming_content)
    next(pieces)

    def lost(*args):
        raise OSError("connection reset")

    monkeypatch.setattr(parts, "fetch_range", lost)
    with pytest.raises(streaming.StreamingError):
        next(pieces)
    assert imap._kept == {}  # closed, not kept
    monkeypatch.undo()
    assert user_client.get(url("message_headers", uid)).status_code == 200


def test_an_expunged_message_is_a_page_before_the_response_starts(user_client, mailbox, large):
    uid, _data = large
    client = mailbox.client()
    client.select_folder("INBOX")
    client.delete_messages([uid])
    client.expunge()
    client.logout()
    download = user_client.get(url("message_part", uid, "2"))
    assert download.status_code == 404 and not download.streaming
    assert "This message does not exist" in download.content.decode()
    wrong = user_client.get(url("message_part", 1, "7"))
    assert wrong.status_code == 404 and "This part does not exist." in wrong.content.decode()


def test_expunged_while_it_is_sent(user_client, mailbox, large):
    uid, data = large
    download = user_client.get(url("message_part", uid, "2"))
    pieces = iter(download.streaming_content)
    sent = next(pieces)
    client = mailbox.client()
    client.select_folder("INBOX")
    client.delete_messages([uid])
    client.expunge()
    client.logout()
    # Dovecot may still give a message its session has seen; if it does
    # not, the transfer is cut (never a short file sent as complete).
    try:
        sent += b"".join(pieces)
    except streaming.StreamingError:
        assert imap._kept == {}
    else:
        assert sent == data


def test_the_download_bound_is_its_own_setting(user_client, mailbox, large, settings, traffic):
    uid, data = large
    settings.MODOBOA_WEBMAIL_MAX_DOWNLOAD = 1024 * 1024
    traffic.reset()
    refused = user_client.get(url("message_part", uid, "2"))
    assert refused.status_code == 400 and not refused.streaming
    assert "This message is too large to be shown here (6 MB)." in refused.content.decode()
    assert "BODY.PEEK[2]" not in traffic.commands
    # Streaming lifts the limit of what is read whole for a download.
    settings.MODOBOA_WEBMAIL_MAX_DOWNLOAD = 64 * 1024 * 1024
    reading_limit = reading.MAX_FETCH
    try:
        reading.MAX_FETCH = 1024 * 1024
        assert body_of(user_client.get(url("message_part", uid, "2"))) == data
    finally:
        reading.MAX_FETCH = reading_limit


def test_permissions_of_a_download_are_unchanged(client, mailbox, large, make_account):
    uid, data = large
    link = url("message_part", uid, "2")
    anonymous = client.get(link)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    # Another user reaches its own mailbox only: no such message there.
    other = make_account("carol@webmail.test", mailbox={"address": "carol@webmail.test"})
    client.force_login(other)
    response = client.get(link)
    assert response.status_code == 404 and not response.streaming
    assert data[:64] not in response.content
