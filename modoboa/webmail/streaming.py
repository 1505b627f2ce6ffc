"""Sending a part of a message as it is read: its section fetched in
ranges (``BODY.PEEK[<section>]<offset.length>``), its transfer encoding
decoded range by range, the bytes handed to a StreamingHttpResponse; the
memory a download takes no longer grows with the part's size.

The decoders give the bytes the ``email`` package gives for the whole
content (``Message.get_payload(decode=True)``), hostile content included,
but one case of broken base64: a last group of one character (the
package then gives the encoded text itself, which a decoder that has
already sent what comes before cannot do: the character is dropped).
"""

import binascii
import logging

from django.conf import settings

logger = logging.getLogger("modoboa.webmail")

#: Bytes asked from the server by one FETCH of a download.
CHUNK = 1024 * 1024
#: A quoted-printable "line" longer than this is cut where no escape
#: sequence is cut (hostile content: a single line of megabytes).
QP_LINE = 64 * 1024

_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
#: Every byte that is neither a base64 digit nor the padding: dropped, as
#: binascii.a2b_base64 drops them.
_B64_JUNK = bytes(byte for byte in range(256) if byte not in _B64_ALPHABET + b"=")


class Identity:
    """7bit, 8bit, binary and unknown encodings: the bytes as they are."""

    def feed(self, data):
        return bytes(data)

    def finish(self):
        return b""


class Base64:
    """Base64 decoded as ``email._encoded_words.decode_b`` decodes a whole
    content (what get_payload uses): characters other than the digits and
    ``=`` dropped; ``=`` before the third digit of a group ignored; the
    padding completing a group ends the content (what follows is
    ignored); a last group of two or three digits decoded as if padded.
    """

    def __init__(self):
        self._carry = b""  # digits of a group not complete yet (< 4)
        self._pads = 0  # "=" seen since the last digit, in a group of 2 or 3
        self._done = False

    def feed(self, data):
        if self._done:
            return b""
        data = bytes(data).translate(None, _B64_JUNK)
        out = []
        while data:
            equal = data.find(b"=")
            digits = data if equal < 0 else data[:equal]
            if digits:
                self._pads = 0
                digits = self._carry + digits
                whole = len(digits) - len(digits) % 4
                if whole:
                    out.append(binascii.a2b_base64(digits[:whole]))
                self._carry = digits[whole:]
            if equal < 0:
                break
            # A run of "=" from ``equal``.
            end = equal
            while end < len(data) and data[end : end + 1] == b"=":
                end += 1
            position = len(self._carry)
            if position >= 2:
                self._pads += end - equal
                if position + self._pads >= 4:
                    out.append(self._flush())
                    self._done = True
                    break
            data = data[end:]
        return b"".join(out)

    def _flush(self):
        carry, self._carry = self._carry, b""
        if len(carry) < 2:
            return b""
        return binascii.a2b_base64(carry + b"=" * (4 - len(carry)))

    def finish(self):
        if self._done:
            return b""
        self._done = True
        return self._flush()


def _qp_cut(buffer):
    """Where ``buffer`` (no line end in it) may be cut so that decoding the
    two pieces apart gives the bytes of decoding it whole: after a
    character that is not part of an escape sequence, or 0.
    """
    position = len(buffer) - 2
    while position > 0 and (buffer[position - 1] == 0x3D or buffer[position - 2] == 0x3D):
        position -= 1
    return max(position, 0)


class QuotedPrintable:
    """Quoted-printable decoded as ``quopri.decodestring`` (binascii.a2b_qp)
    decodes a whole content: decoded up to the last line end, the rest
    (an incomplete line, escape sequence or soft break) carried to the
    next range; ``=`` followed by a carriage return skips up to the end of
    the line, as a2b_qp does.
    """

    def __init__(self):
        self._carry = b""
        self._skipping = False  # after "=\r": drop up to the next "\n"

    def feed(self, data):
        data = self._carry + bytes(data)
        self._carry = b""
        out = []
        while data:
            if self._skipping:
                newline = data.find(b"\n")
                if newline < 0:
                    return b"".join(out)
                self._skipping = False
                data = data[newline + 1 :]
                continue
            newline = data.rfind(b"\n")
            line_start = newline + 1
            if newline >= 0:
                out.append(binascii.a2b_qp(data[:line_start]))
            rest = data[line_start:]
            # The rest has no line end: a "=\r" there starts a skip.
            skip = self._soft_cr(rest)
            if skip is not None:
                out.append(binascii.a2b_qp(rest[:skip]))
                self._skipping = True
                data = rest[skip + 2 :]
                continue
            if len(rest) > QP_LINE:
                cut = _qp_cut(rest)
                out.append(binascii.a2b_qp(rest[:cut]))
                rest = rest[cut:]
            self._carry = rest
            break
        return b"".join(out)

    @staticmethod
    def _soft_cr(rest):
        """The position of the first "=" starting an escape followed by a
        carriage return in ``rest`` (which has no line end), or None.
        """
        start = 0
        while True:
            found = rest.find(b"=\r", start)
            if found < 0:
                return None
            # The run of "=" ending there: they pair ("==" gives "=") from
            # its first one, which starts an escape.
            run = found
            while run > 0 and rest[run - 1] == 0x3D:
                run -= 1
            if (found - run) % 2 == 0:
                return found
            start = found + 1

    def finish(self):
        carry, self._carry = self._carry, b""
        if self._skipping:
            return b""
        return binascii.a2b_qp(carry)


def decoder_for(encoding):
    """The decoder of the transfer encoding ``encoding`` (the header's
    value, as ``email`` reads it), or None when it is not decoded in
    ranges (uuencode: read whole).
    """
    encoding = (encoding or "").lower()
    if encoding == "base64":
        return Base64()
    if encoding == "quoted-printable":
        return QuotedPrintable()
    if encoding in ("x-uuencode", "uuencode", "uue", "x-uue"):
        return None
    return Identity()


def decode_all(decoder, data, step=None):
    """``data`` decoded by ``decoder`` fed ``step`` bytes at a time (all at
    once when None).
    """
    if step is None:
        return decoder.feed(data) + decoder.finish()
    return b"".join(decoder.feed(data[i : i + step]) for i in range(0, len(data), step)) + (
        decoder.finish()
    )


def max_download():
    """The largest section (its size on the server, encoded) a download
    reads: ``MODOBOA_WEBMAIL_MAX_DOWNLOAD`` bytes when set, else the
    limit of what the webmail fetches (reading.MAX_FETCH).
    """
    from . import reading

    value = getattr(settings, "MODOBOA_WEBMAIL_MAX_DOWNLOAD", None)
    return int(value) if value else reading.MAX_FETCH


class StreamingError(Exception):
    """A download broke once its response had started (the server's
    answer changed, the connection broke): the transfer is cut, which the
    browser shows as a failed download, never as a complete file.
    """


class PartStream:
    """The iterator a StreamingHttpResponse sends: the bytes of ``chunks``
    (a generator reading from the IMAP connection), the connection held
    by ``holder`` (an ExitStack owning the open_mailbox block) for it
    alone until the last byte is sent or the client goes away (the
    server calls ``close``: the connection, idle between two FETCH, is
    given back) or the transfer breaks (the connection is closed, the
    transfer cut with StreamingError).
    """

    def __init__(self, chunks, holder, what=""):
        self._chunks = chunks
        self._holder = holder
        self._what = what
        self._closed = False

    def __iter__(self):
        return self

    def __next__(self):
        if self._closed:
            raise StopIteration
        try:
            return next(self._chunks)
        except StopIteration:
            self.close()
            raise
        except Exception as exc:
            self._abort(exc)
            raise StreamingError(str(exc)) from exc

    def _abort(self, exc):
        self._closed = True
        logger.warning("Download of %s cut: %s", self._what, exc)
        try:
            self._holder.__exit__(type(exc), exc, exc.__traceback__)
        except Exception as error:  # noqa: BLE001 - the connection is closed by now
            logger.debug("Closing the IMAP connection of a cut download: %s", error)

    def close(self):
        if self._closed:
            return
        self._closed = True
        try:
            self._chunks.close()
        finally:
            self._holder.close()
