"""The decoders of a download sent range by range give, whatever the
ranges, the bytes the ``email`` package gives for the whole content
(get_payload(decode=True)), hostile content included.
"""

import base64
import binascii
import email.errors
import email.message
import quopri
import random

import pytest

from modoboa.webmail import streaming

ALPHABETS = {
    # Valid-looking content with the characters that cut badly.
    "base64": b"AQgz09+/=\r\n \t!",
    "quoted-printable": b"=\r\nA3fFg \t\x00\xe9",
}


def email_decode(encoding, body):
    """What the email package makes of ``body`` whole."""
    message = email.message.Message()
    message["Content-Transfer-Encoding"] = encoding
    message.set_payload(body.decode("ascii", "surrogateescape"))
    return message.get_payload(decode=True)


def base64_length_defect(body):
    """The one broken base64 the decoder gives differently: a last group
    of one character (the email package gives the text itself).
    """
    message = email.message.Message()
    message["Content-Transfer-Encoding"] = "base64"
    message.set_payload(body.decode("ascii", "surrogateescape"))
    message.get_payload(decode=True)
    return any(isinstance(d, email.errors.InvalidBase64LengthDefect) for d in message.defects)


def pieces(data, cuts):
    start = 0
    for cut in sorted(cuts) + [len(data)]:
        yield data[start:cut]
        start = cut


def decode_in(encoding, data, cuts):
    decoder = streaming.decoder_for(encoding)
    return b"".join(decoder.feed(piece) for piece in pieces(data, cuts)) + decoder.finish()


def encode(encoding, data):
    if encoding == "base64":
        return base64.encodebytes(data).replace(b"\n", b"\r\n")
    # Binary: line ends of the content encoded, soft breaks in CRLF.
    return binascii.b2a_qp(data, istext=False).replace(b"\n", b"\r\n")


@pytest.mark.parametrize("encoding", ["base64", "quoted-printable"])
def test_every_single_cut_of_a_small_content(encoding):
    rng = random.Random(1)
    for size in (0, 1, 2, 3, 4, 5, 57, 58, 100, 300):
        data = bytes(rng.randrange(256) for _ in range(size))
        body = encode(encoding, data)
        assert email_decode(encoding, body) == data
        if encoding == "quoted-printable":
            assert quopri.decodestring(body) == data
        for cut in range(len(body) + 1):
            assert decode_in(encoding, body, [cut]) == data, (size, cut)


@pytest.mark.parametrize("encoding", ["base64", "quoted-printable"])
def test_every_pair_of_cuts_and_byte_by_byte(encoding):
    rng = random.Random(2)
    data = bytes(rng.randrange(256) for _ in range(40))
    body = encode(encoding, data)
    for first in range(len(body) + 1):
        for second in range(first, min(first + 9, len(body) + 1)):
            assert decode_in(encoding, body, [first, second]) == data, (first, second)
    assert decode_in(encoding, body, list(range(len(body)))) == data


@pytest.mark.parametrize("encoding", ["base64", "quoted-printable"])
def test_large_random_content_in_random_ranges(encoding):
    rng = random.Random(3)
    for _ in range(5):
        data = rng.randbytes(rng.randrange(50_000, 300_000))
        body = encode(encoding, data)
        cuts = rng.sample(range(len(body)), 40)
        assert decode_in(encoding, body, cuts) == data
        step = rng.choice([1024, 4095, 65536])
        assert streaming.decode_all(streaming.decoder_for(encoding), body, step) == data


@pytest.mark.parametrize("encoding", ["base64", "quoted-printable"])
def test_hostile_content_reads_as_the_email_package_reads_it(encoding, monkeypatch):
    # Lines longer than the decoder keeps are cut where no escape is cut.
    monkeypatch.setattr(streaming, "QP_LINE", 8)
    rng = random.Random(4)
    alphabet = ALPHABETS[encoding]
    checked = 0
    for _ in range(3000):
        body = bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        if encoding == "base64" and base64_length_defect(body):
            continue
        expected = email_decode(encoding, body)
        cuts = rng.sample(range(len(body) + 1), min(len(body) + 1, rng.randrange(0, 6)))
        assert decode_in(encoding, body, cuts) == expected, (body, cuts)
        checked += 1
    assert checked > 1500


def test_a_long_quoted_printable_line_is_cut_where_no_escape_is_cut(monkeypatch):
    monkeypatch.setattr(streaming, "QP_LINE", 16)
    body = (b"abc=3D=\r" + b"x" * 50 + b"\r\n") + b"=41" * 40 + b"=\r\n" + b"tail="
    expected = email_decode("quoted-printable", body)
    for cut in range(len(body) + 1):
        assert decode_in("quoted-printable", body, [cut]) == expected, cut
    decoder = streaming.QuotedPrintable()
    decoder.feed(b"=41" * 100)
    assert len(decoder._carry) <= 16 + 2  # the carry stays bounded


def test_base64_ends_at_its_padding_and_ignores_junk():
    body = b"QUJD\r\nRA==\r\nignored after the padding"
    assert decode_in("base64", body, [3, 9]) == b"ABCD" == email_decode("base64", body)
    assert decode_in("base64", b"QU!J*DR\r\nA", [4]) == b"ABCD"


def test_other_encodings_as_they_are_and_uuencode_read_whole():
    for encoding in ("", "7bit", "8bit", "binary", "x-unknown"):
        assert decode_in(encoding, b"a=3D\r\nb\xe9", [2]) == b"a=3D\r\nb\xe9"
    assert streaming.decoder_for("x-uuencode") is None
    assert isinstance(streaming.decoder_for("BASE64"), streaming.Base64)
