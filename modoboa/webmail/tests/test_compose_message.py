"""Building outgoing messages: addresses, header injection, HTML, attachments,
replies and forwards (no daemon needed).
"""

import email
import email.policy

import pytest

from modoboa.webmail.compose import message as m

ORIGINAL = (
    b"From: Alice <alice@example.org>\r\n"
    b"To: Writer <writer@send.test>, bob@example.org\r\n"
    b"Cc: carol@example.org, team@send.test\r\n"
    b"Reply-To: lists@example.org\r\n"
    b"Subject: Meeting\r\n"
    b"Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
    b"Message-ID: <first@example.org>\r\n"
    b"References: <zero@example.org>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee you.\r\nAlice\r\n"
    b"--b\r\nContent-Type: application/pdf\r\n"
    b'Content-Disposition: attachment; filename="../../agenda.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n"
)


def sender():
    return m.parse_addresses("sender", "Writer <writer@send.test>")[0]


def parsed(message):
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def test_address_lists_accept_names_commas_in_quotes_and_drop_duplicates():
    addresses = m.parse_addresses("to", 'a@b.test, "Doe, Jane" <jane@b.test>, A@B.test,')
    assert [a.addr_spec for a in addresses] == ["a@b.test", "jane@b.test"]
    assert addresses[1].display_name == "Doe, Jane"
    assert m.parse_addresses("cc", "  ") == []


@pytest.mark.parametrize(
    "value",
    [
        "not an address",
        "a@b.test, nobody",
        "<@>",
        "a@@b.test",
        "Jane <jane@>",
        "a@b.test d@e.test",
    ],
)
def test_a_bad_address_is_refused_naming_the_field(value):
    with pytest.raises(m.ComposeError) as error:
        m.parse_addresses("cc", value)
    assert error.value.field == "cc"
    assert "is not a valid" in error.value.message


def test_semicolons_separate_addresses_too():
    addresses = m.parse_addresses("to", "a@b.test; c@d.test")
    assert [a.addr_spec for a in addresses] == ["a@b.test", "c@d.test"]


@pytest.mark.parametrize(
    "value",
    [
        "a@b.test\r\nBcc: victim@b.test",
        "a@b.test\nBcc: victim@b.test",
        "Jane\r <jane@b.test>",
        "a@b.test\x00",
    ],
)
def test_line_breaks_in_addresses_are_refused(value):
    with pytest.raises(m.ComposeError, match="Line breaks") as error:
        m.parse_addresses("to", value)
    assert error.value.field == "to"


def test_line_breaks_in_the_subject_are_refused():
    draft = m.Draft(sender=sender(), subject="Hi\r\nBcc: victim@b.test", text="x")
    with pytest.raises(m.ComposeError) as error:
        m.build_message(draft)
    assert error.value.field == "subject"


def test_plain_message_headers_and_bcc_kept_for_the_copy():
    draft = m.Draft(
        sender=sender(),
        to=m.parse_addresses("to", "Élodie <elodie@b.test>"),
        bcc=m.parse_addresses("bcc", "hidden@b.test"),
        subject="Déjà vu",
        text="Bonjour,\nçà\n",
    )
    message = parsed(m.build_message(draft))
    assert message["Subject"] == "Déjà vu"
    assert message["To"].addresses[0].display_name == "Élodie"
    assert message["Bcc"] == "hidden@b.test"
    assert message["Message-ID"].endswith("@send.test>")
    assert message.get_content_type() == "text/plain"
    assert message.get_content().replace("\r\n", "\n") == "Bonjour,\nçà\n"
    assert draft.recipients == ["elodie@b.test", "hidden@b.test"]


def test_html_is_sanitised_and_has_a_plain_alternative():
    draft = m.Draft(
        sender=sender(),
        subject="html",
        html=(
            '<p onclick="steal()">Hello <b>you</b><script>alert(1)</script></p>'
            '<a href="javascript:alert(1)">bad</a> <a href="https://ok.test/">good</a>'
            "<style>body{}</style><iframe src=x></iframe>"
        ),
    )
    message = parsed(m.build_message(draft))
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(("html",)).get_content()
    assert "<b>you</b>" in html and 'href="https://ok.test/"' in html
    for forbidden in ("script", "onclick", "javascript:", "iframe", "<style"):
        assert forbidden not in html
    text = message.get_body(("plain",)).get_content()
    assert "Hello you" in text and "good <https://ok.test/>" in text
    assert "alert" not in text


def test_attachments_get_safe_names_and_content_types():
    draft = m.Draft(
        sender=sender(),
        subject="files",
        text="see",
        attachments=[
            m.Attachment("../../etc/passwd", "text/plain", b"root"),
            m.Attachment("C:\\Users\\me\\été.txt", "bad type", b"\x00\x01"),
            m.Attachment("...", "multipart/mixed", b"x"),
            m.Attachment("fwd.eml", "message/rfc822", b"Subject: inner\r\n\r\nbody\r\n"),
        ],
    )
    message = parsed(m.build_message(draft))
    parts = list(message.iter_attachments())
    assert [p.get_filename() for p in parts] == ["passwd", "été.txt", "attachment", "fwd.eml"]
    assert [p.get_content_type() for p in parts] == [
        "text/plain",
        "application/octet-stream",
        "application/octet-stream",
        "message/rfc822",
    ]
    assert parts[1].get_content() == b"\x00\x01"
    assert parts[3].get_content()["Subject"] == "inner"
    # Kept when the message is opened again (a draft).
    kept = m.original_attachments(m.parse_original(m.build_message(draft).as_bytes()))
    assert [a.content_type for a in kept][-1] == "message/rfc822"
    assert b"Subject: inner" in kept[-1].data


def test_safe_filename_strips_control_characters_and_long_names():
    assert m.safe_filename("a\r\nb.txt") == "ab.txt"
    assert m.safe_filename('x"y.pdf') == "x'y.pdf"
    long = m.safe_filename("a" * 500 + ".pdf")
    assert len(long) == 200 and long.endswith(".pdf")


def test_reply_goes_to_reply_to_with_references():
    original = m.parse_original(ORIGINAL)
    to, cc = m.reply_recipients(original, ["writer@send.test", "team@send.test"])
    assert [a.addr_spec for a in to] == ["lists@example.org"] and cc == []
    assert m.reply_subject(original) == "Re: Meeting"
    assert m.reply_references(original) == (
        "<first@example.org>",
        ["<zero@example.org>", "<first@example.org>"],
    )
    body = m.quote_reply(original)
    assert "Alice <alice@example.org> wrote:" in body
    assert "> See you.\n> Alice" in body


def test_reply_all_adds_the_others_without_the_users_addresses():
    original = m.parse_original(ORIGINAL)
    to, cc = m.reply_recipients(original, ["writer@send.test", "team@send.test"], reply_all=True)
    assert [a.addr_spec for a in to] == ["lists@example.org"]
    assert [a.addr_spec for a in cc] == ["bob@example.org", "carol@example.org"]


def test_reply_to_a_message_the_user_sent_goes_to_its_recipients():
    original = m.parse_original(
        b"From: writer@send.test\r\nTo: bob@example.org\r\nCc: writer@send.test, "
        b"carol@example.org\r\nSubject: Re: x\r\n\r\nbody\r\n"
    )
    to, cc = m.reply_recipients(original, ["writer@send.test"], reply_all=True)
    assert [a.addr_spec for a in to] == ["bob@example.org"]
    assert [a.addr_spec for a in cc] == ["carol@example.org"]
    assert m.reply_subject(original) == "Re: x"


def test_forward_inline_keeps_text_and_attachments():
    original = m.parse_original(ORIGINAL)
    assert m.forward_subject(original) == "Fwd: Meeting"
    body = m.forward_inline(original)
    assert "Forwarded message" in body and "Subject: Meeting" in body and "See you." in body
    [attachment] = m.original_attachments(original)
    assert attachment.filename == "agenda.pdf"
    assert attachment.data == b"%PDF-"


def test_forward_as_attachment_is_a_message_rfc822_part():
    original = m.parse_original(ORIGINAL)
    draft = m.Draft(
        sender=sender(),
        to=m.parse_addresses("to", "bob@example.org"),
        subject=m.forward_subject(original),
        text="FYI",
        forwarded=ORIGINAL,
        forwarded_name=m.attachment_name(original),
    )
    message = parsed(m.build_message(draft))
    [part] = list(message.iter_attachments())
    assert part.get_content_type() == "message/rfc822"
    assert part.get_filename() == "Meeting.eml"
    inner = part.get_content()
    assert inner["Message-ID"] == "<first@example.org>"


def test_hostile_originals_do_not_break_replies():
    original = m.parse_original(
        b"From: =?x-unknown?q?bad?= <@@>\r\nSubject: =?utf-8?b?!!!?=\r\n"
        b"Message-ID: <a b>\r\nContent-Type: text/plain; charset=x-nonsense\r\n\r\n\xff\xfe body"
    )
    to, cc = m.reply_recipients(original, ["writer@send.test"], reply_all=True)
    assert to == [] and cc == []
    assert m.reply_references(original) == ("", [])
    assert "body" in m.quote_reply(original)


def test_html_to_text_skips_scripts_and_keeps_lines():
    assert m.html_to_text("<p>a</p><script>x()</script><ul><li>b</li></ul>") == "a\n\n- b\n"


def test_the_text_part_keeps_lists_quotes_and_links_readable():
    text = m.html_to_text(
        "<div>Hello <b>strong</b></div><ul><li>first</li><li>second</li></ul>"
        "<blockquote>quoted<br>words</blockquote><p>our <a href='https://s.test/'>site</a></p>"
        "<p>end</p>"
    )
    assert text == (
        "Hello strong\n\n- first\n- second\n\n> quoted\n> words\n\nour site <https://s.test/>\n\nend\n"
    )


def test_the_html_part_uses_the_reading_allow_list():
    html = m.sanitize_html(
        '<p style="color: red">a</p><p style="background: url(x)">c</p><font color="red">b</font>'
        '<img src="cid:logo"><img src="javascript:x"><a href="mailto:a@b.test">m</a>'
        "<form><input></form><svg><script>x()</script></svg>"
    )
    assert '<p style="color:red">a</p><p>c</p>' in html.replace("color: red", "color:red")
    assert '<font color="red">b</font>' in html
    assert '<img src="cid:logo">' in html and "javascript" not in html
    assert 'href="mailto:a@b.test"' in html
    for forbidden in ("<form", "<input", "<svg", "script", "url("):
        assert forbidden not in html
