"""Reading a message: the page, the HTML body in a sandboxed frame of its
own, inline images, attachments, headers and source.

Mail content is hostile: HTML is sanitised on the server (sanitize.py) and
only ever shown in ``body``, a separate document loaded in an
``<iframe sandbox>`` (no script, no same origin) under a policy allowing
no script and no request but images of this site (and remote images when
the user asked). Parts and sources are downloads or plain text, with
``nosniff`` and a policy allowing nothing.
"""

from contextlib import ExitStack
from urllib.parse import urlencode

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from . import folders as folder_ops
from . import imap, parts, reading, streaming
from .app_settings import user_value
from .sanitize import clean_html
from .views import _folder_of, _sidebar, folder_url, webmail_page

#: Nothing may load or run (downloads, sources, inline images).
NOTHING_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'"


def body_policy(allow_remote):
    images = "'self' data:" + (" https: http:" if allow_remote else "")
    return (
        "default-src 'none'; img-src %s; style-src 'unsafe-inline'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; "
        "sandbox allow-popups allow-popups-to-escape-sandbox" % images
    )


def _load(request, uid, mark_seen=False):
    folder = _folder_of(request)
    with imap.open_mailbox(request.user) as client:
        raw, flags = reading.fetch_raw(client, folder, uid, mark_seen=mark_seen)
    return folder, raw, flags


def _part_url(name, uid, folder, **params):
    query = {"folder": folder, **params}
    return reverse(name, args=[uid]) + "?" + urlencode(query)


def _remote_allowed(request):
    return request.GET.get("remote") == "1" or bool(user_value(request.user, "enable_links"))


@webmail_page
@require_GET
def message(request, uid):
    """The message page: headers, text or the frame of the HTML body,
    attachments, actions.
    """
    folder = _folder_of(request)
    with imap.open_mailbox(request.user) as client:
        parsed = parts.open_message(
            client,
            folder,
            uid,
            mark_seen=True,
            on_seen=lambda: folder_ops.forget_sidebar(request.user),
        )
        context = _sidebar(client, request.user, folder)
    flags = parsed.flags
    mode = user_value(request.user, "displaymode")
    wanted = request.GET.get("mode") or mode
    show_html = parsed.html is not None and (wanted == "html" or not parsed.text)
    allow_remote = _remote_allowed(request)
    blocked = 0
    if show_html:
        blocked = clean_html(parsed.html, allow_remote=allow_remote).blocked_images
    context.update(
        {
            "message": parsed,
            "folder": folder,
            "show_html": show_html,
            "has_html": parsed.html is not None,
            "has_text": bool(parsed.text),
            "blocked_images": blocked,
            "allow_remote": allow_remote,
            "body_url": _part_url(
                "webmail:message_body", uid, folder, **({"remote": "1"} if allow_remote else {})
            ),
            "remote_url": reverse("webmail:message", args=[uid])
            + "?"
            + urlencode({"folder": folder, "mode": "html", "remote": "1"}),
            "headers_url": _part_url("webmail:message_headers", uid, folder),
            "source_url": _part_url("webmail:message_source", uid, folder),
            "attachments": [
                (
                    attachment,
                    reverse("webmail:message_part", args=[uid, attachment.part])
                    + "?"
                    + urlencode({"folder": folder}),
                )
                for attachment in parsed.attachments
            ],
            "back_url": folder_url(folder),
            "mode_url": reverse("webmail:message", args=[uid])
            + "?"
            + urlencode({"folder": folder, "mode": "plain" if show_html else "html"}),
            "seen": b"\\Seen" in flags,
        }
    )
    return render(request, "webmail/message.html", context)


@webmail_page
@require_GET
def message_body(request, uid):
    """The sanitised HTML body, a document of its own for the sandboxed
    frame of the message page.
    """
    folder = _folder_of(request)
    with imap.open_mailbox(request.user) as client:
        parsed = parts.open_message(client, folder, uid, bodies=("html",))
    allow_remote = request.GET.get("remote") == "1" or bool(
        user_value(request.user, "enable_links")
    )

    def cid_url(content_id):
        if content_id not in parsed.inline:
            return None
        return _part_url("webmail:message_cid", uid, folder, cid=content_id)

    if parsed.html is not None:
        cleaned = clean_html(parsed.html, cid_url=cid_url, allow_remote=allow_remote).html
    else:
        cleaned = ""
    response = render(request, "webmail/body.html", {"html": cleaned})
    response["Content-Security-Policy"] = body_policy(allow_remote)
    # Framed by the message page only (every other page refuses framing).
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _file_headers(response, filename, inline):
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    response["Content-Security-Policy"] = NOTHING_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _download(data, filename, content_type, inline=False):
    return _file_headers(HttpResponse(data, content_type=content_type), filename, inline)


def _send_part(request, uid, open_part, inline=False):
    """The response sending the part ``open_part(client, folder)`` opens
    (a parts.Download): its bytes when it was read whole, else its
    section range by range, the IMAP connection held by the response
    until it is sent (or the client goes away). Every check (the
    message, the part, its size, its first range) is made before the
    response starts: an error is still a page.
    """
    folder = _folder_of(request)
    with ExitStack() as stack:
        client = stack.enter_context(imap.open_mailbox(request.user))
        download = open_part(client, folder)
        if download.data is None:
            holder = stack.pop_all()
    if download.data is not None:
        return _download(download.data, download.filename, download.content_type, inline)
    stream = streaming.PartStream(
        parts.chunks(client, uid, download),
        holder,
        what="part %s of message %s" % (download.section, uid),
    )
    response = StreamingHttpResponse(stream, content_type=download.content_type)
    if download.length is not None:
        response["Content-Length"] = str(download.length)
    return _file_headers(response, download.filename, inline)


@webmail_page
@require_GET
def message_part(request, uid, part):
    """An attachment, always downloaded, with a safe name and type; only
    its section is fetched, range by range when it is large.
    """
    return _send_part(
        request, uid, lambda client, folder: parts.open_download(client, folder, uid, part)
    )


@webmail_page
@require_GET
def message_cid(request, uid):
    """An inline image of the message (``cid:`` reference), raster types
    only.
    """
    content_id = request.GET.get("cid", "")
    return _send_part(
        request,
        uid,
        lambda client, folder: parts.open_inline(client, folder, uid, content_id),
        inline=True,
    )


def _text_response(text):
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Security-Policy"] = NOTHING_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    return response


@webmail_page
@require_GET
def message_headers(request, uid):
    """The header section, as plain text (only it is fetched)."""
    folder = _folder_of(request)
    with imap.open_mailbox(request.user) as client:
        text = parts.header_text(client, folder, uid)
    return _text_response(text)


@webmail_page
@require_GET
def message_source(request, uid):
    """The whole message, as plain text."""
    _folder, raw, _flags = _load(request, uid)
    return _text_response(raw.decode("utf-8", "replace"))
