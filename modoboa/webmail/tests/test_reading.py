"""The parts of the webmail that need no server: search criteria, header
and charset decoding, MIME walking, safe names, HTML sanitising.
"""

import datetime
import email.message

import pytest

from modoboa.webmail import parts, reading
from modoboa.webmail.messages import (
    Search,
    clean_term,
    decode_bytes,
    decode_header,
    parse_ranges,
    slice_ranges,
)
from modoboa.webmail.sanitize import clean_html


def test_search_terms_lose_control_characters_and_become_literals():
    criteria = Search('a"b\r\nA1 DELETE INBOX', ("subject",)).criteria()
    assert criteria[0] == "SUBJECT"
    assert bytes(criteria[1]) == b'a"bA1 DELETE INBOX'
    assert type(criteria[1]).__name__ == "_literal"
    assert clean_term("x" * 500) == "x" * 200


def test_search_in_several_fields_and_dates():
    criteria = Search("bob", ("from", "to", "body"), datetime.date(2026, 1, 1)).criteria()
    assert criteria[0] == "OR"
    assert criteria[-2:] == ["SENTSINCE", datetime.date(2026, 1, 1)]
    before = Search(before=datetime.date(2026, 1, 31)).criteria()
    assert before == ["SENTBEFORE", datetime.date(2026, 2, 1)]
    assert Search().criteria() == ["ALL"]


def test_headers_and_charsets_never_fail():
    assert decode_header("=?utf-8?Q?caf=C3=A9?=") == "café"
    assert decode_header("=?x-bogus?Q?abc?=") == "abc"
    assert decode_header("a\r\nBcc: x") == "a  Bcc: x"
    assert decode_bytes(b"caf\xe9", "x-unknown") == "café"
    assert decode_bytes(b"caf\xe9", "utf-8") == "café"
    assert decode_bytes("café".encode(), None) == "café"


def test_raw_8bit_headers_are_text():
    raw = (
        b"From: J\xc3\xa9r\xc3\xb4me <j@x.test>\r\nSubject: caf\xe9\r\n"
        b'Content-Type: text/plain\r\nContent-Disposition: attachment; filename="r\xe9.txt"'
        b"\r\n\r\nbody\r\n"
    )
    message = reading.read(raw)
    assert message.headers["subject"] == "café"
    assert message.headers["from"] == "Jérôme <j@x.test>"
    assert message.attachments[0].filename.encode("utf-8")


def test_safe_filenames():
    assert reading.safe_filename("../../etc/passwd", "x") == "passwd"
    assert reading.safe_filename("..\\..\\evil.bat", "x") == "evil.bat"
    assert reading.safe_filename(".htaccess", "x") == "htaccess"
    assert reading.safe_filename("a\x00b\r\nc.txt", "x") == "a b  c.txt"
    assert reading.safe_filename("", "part-1") == "part-1"
    assert reading.safe_filename("=?utf-8?B?w6l0w6kudHh0?=", "x") == "été.txt"
    assert len(reading.safe_filename("a" * 300 + ".pdf", "x")) <= 150


def test_deep_nesting_is_bounded():
    depth = 200
    raw = "Content-Type: multipart/mixed; boundary=L0\r\n\r\n"
    raw += "".join(
        "--L%d\r\nContent-Type: multipart/mixed; boundary=L%d\r\n\r\n" % (i, i + 1)
        for i in range(depth)
    )
    raw += "--L%d\r\nContent-Type: text/plain\r\n\r\ndeep\r\n" % depth
    message = reading.read(raw.encode())
    assert message.text == ""  # beyond the walked depth
    depths = [depth for _path, _part, depth, _in in reading.walk(reading.parse(raw.encode()))]
    assert max(depths) == reading.MAX_DEPTH


def test_part_paths_are_checked():
    message = reading.parse(b"Content-Type: text/plain\r\n\r\nx")
    assert reading.find_part(message, "0") is message
    for bad in ("1", "0.1", "a", "1..2", "", "99999"):
        try:
            reading.find_part(message, bad)
        except reading.MessageNotFound:
            continue
        raise AssertionError(bad)


def test_sanitiser_keeps_formatting_and_drops_everything_active():
    html = (
        '<p style="color:red" onclick="x()">Hi</p><script>x()</script>'
        '<a href="javascript:x()">a</a><a href="https://ok.test/">b</a>'
        '<img src="https://t.test/p.gif"><img src="cid:one">'
        '<div style="background:url(https://t.test/x)">c</div>'
    )
    result = clean_html(html, cid_url=lambda cid: "/cid/?c=" + cid)
    assert '<p style="color:red">Hi</p>' in result.html
    assert "script" not in result.html and "onclick" not in result.html
    assert "javascript" not in result.html and "t.test" not in result.html
    assert 'href="https://ok.test/"' in result.html
    assert '<img src="/cid/?c=one">' in result.html
    assert result.blocked_images == 1
    allowed = clean_html(html, allow_remote=True)
    assert 'src="https://t.test/p.gif"' in allowed.html and allowed.blocked_images == 0


def test_pages_are_cut_from_esort_ranges_without_expanding_them():
    ranges = parse_ranges(b"2:4,9,7:8,20:11")
    assert ranges == [(2, 4), (9, 9), (7, 8), (20, 11)]
    full = [2, 3, 4, 9, 7, 8, *range(20, 10, -1)]
    for offset in range(0, 18):
        for limit in (1, 3, 5):
            assert slice_ranges(ranges, 16, offset, limit) == full[offset : offset + limit]
            assert (
                slice_ranges(ranges, 16, offset, limit, reverse=True)
                == full[::-1][offset : offset + limit]
            )
    assert slice_ranges(parse_ranges(b"1:100000"), 100000, 99990, 40, reverse=True) == list(
        range(10, 0, -1)
    )


def test_base64_is_decoded_as_the_email_package_decodes_it():
    samples = [
        b"aGVsbG8gd29ybGQ=\r\n",
        b"aGVsbG8g\r\nd29ybGQ\r\n",  # padding missing
        b"aGVs\rbG8=\n",
        b"",
        b"!!!not*base64@@@\r\n",
        b"aGVsbG8 gd29ybGQ=",
        b"aGVsbG8gd29ybGQ=\r\n\xff\xfe",
    ]
    for sample in samples:
        part = email.message.Message()
        part["Content-Transfer-Encoding"] = "base64"
        part.set_payload(sample.decode("ascii", "surrogateescape"))
        fast = parts._base64(sample)
        if fast is not None:
            assert fast == part.get_payload(decode=True), sample
    assert parts._base64(b"aGVsbG8g\r\nd29ybGQ\r\n") == b"hello world"
    assert parts._base64(b"!!!not*base64@@@\r\n") is None


def test_structures_the_part_reading_does_not_read_are_refused():
    text = (b"text", b"plain", (b"charset", b"utf-8"), None, None, b"7bit", 10, 1)
    assert parts.build(text).body_section == "1"
    tree = parts.build(([text, text], b"mixed", None))
    assert [child.body_section for child in tree.children] == ["1", "2"]
    assert [child.header_section for child in tree.children] == ["1.MIME", "2.MIME"]
    for bad in (
        None,
        (),
        (b"text",),
        (b"text", b"plain", None, None, None, b"7bit", b"ten"),
        (b"message", b"rfc822", None, None, None, b"7bit", 10, None, text, 1),
        ([(b"message", b"global", None, None, None, b"7bit", 10, None, text, 1)], b"mixed"),
        ([(b"message", b"rfc822", None, None, None, b"7bit", 10)], b"mixed"),
        (text, text),
    ):
        with pytest.raises(parts.StructureError):
            parts.build(bad)
    deep = text
    for _level in range(reading.MAX_DEPTH + 1):
        deep = ([deep], b"mixed", None)
    with pytest.raises(parts.StructureError):
        parts.build(deep)
    with pytest.raises(parts.StructureError):
        parts.build(([text] * reading.MAX_PARTS, b"mixed", None))
