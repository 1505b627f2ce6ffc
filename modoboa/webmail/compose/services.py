r"""The writing side's rules, shared by the compose page and the API.

- :func:`initial` prepares a new message, a reply, a reply-all, a forward
  (inline or as an attachment) or a re-opened draft;
- :func:`send` builds the message, submits it as the user (a From outside
  :func:`~.senders.allowed_senders` is refused before anything is sent),
  appends the copy to Sent with ``\Seen``, deletes the draft it came from
  and flags the original ``\Answered`` or ``$Forwarded``;
- :func:`save_draft` appends the message to Drafts with ``\Draft`` and
  removes the draft it replaces.

The original of a reply or forward and a re-opened draft are addressed by
folder and UID in the user's own mailbox (the panel's IMAP session is the
user's: nobody reaches another mailbox through them).
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from imapclient import DELETED, DRAFT, SEEN
from imapclient import exceptions as imap_exceptions

from modoboa.core import mail_access

from .. import app_settings, imap
from ..folders import forget_sidebar
from . import message as compose_message
from . import smtp
from .senders import allowed_senders

ANSWERED = rb"\Answered"
FORWARDED = b"$Forwarded"
ACTIONS = ("reply", "replyall", "forward", "forward_attachment")
_APPENDUID_RE = re.compile(rb"APPENDUID\s+\d+\s+(\d+)", re.IGNORECASE)


class MessageNotFound(imap.FolderNotFound):
    """The original message or the draft is not (or no longer) there (a
    "not found" like a missing folder: pages and API answer 404).
    """


@dataclass
class Origin:
    """The message a reply or a forward starts from."""

    action: str
    folder: str
    uid: int


@dataclass
class Composition:
    """A message as the user composed it (already validated by the form)."""

    sender: str
    to: list = field(default_factory=list)
    cc: list = field(default_factory=list)
    bcc: list = field(default_factory=list)
    subject: str = ""
    body: str = ""
    mode: str = "plain"
    attachments: list = field(default_factory=list)
    origin: Origin = None
    draft_uid: int = None
    keep: list = field(default_factory=list)


@dataclass
class SendResult:
    refused: dict
    warnings: list


def submission_server():
    """The SMTP server of the parameters."""
    return smtp.SubmissionServer(
        host=app_settings.global_value("smtp_server") or "127.0.0.1",
        port=int(app_settings.global_value("smtp_port") or 25),
        security=app_settings.global_value("smtp_secured_mode") or "none",
        authentication=bool(app_settings.global_value("smtp_authentication")),
    )


def signature(user):
    """The user's signature block ('' without a signature)."""
    text = (app_settings.user_value(user, "signature") or "").strip()
    return "\n\n-- \n%s\n" % text if text else ""


def fetch(client, folder, uid):
    """The raw message ``uid`` of ``folder`` (not marked as read)."""
    imap.select(client, folder, readonly=True)
    data = client.fetch([uid], ["FLAGS", "BODY.PEEK[]"])
    if uid not in data or b"BODY[]" not in data[uid]:
        raise MessageNotFound(
            _("The message %(uid)s of %(folder)s does not exist.")
            % {
                "uid": uid,
                "folder": folder,
            }
        )
    return data[uid][b"BODY[]"], set(data[uid].get(b"FLAGS", ()))


def _fetch_draft(client, user, uid):
    folder = imap.special_folder(client, user, "drafts")
    raw, flags = fetch(client, folder, uid)
    if DRAFT not in flags:
        raise MessageNotFound(_("The message %s is not a draft.") % uid)
    return folder, raw


def _own_addresses(user):
    return allowed_senders(user)


def initial(user, origin=None, draft_uid=None):
    """``(fields, kept)``: the form's initial values and the attachments
    (``[(index, filename, size)]``) of the draft or the inline forward
    that the message keeps unless the user unticks them.
    """
    senders = allowed_senders(user)
    fields = {
        "sender": senders[0] if senders else "",
        "mode": app_settings.user_value(user, "editor") or "plain",
        "body": signature(user),
    }
    kept = []
    if draft_uid is not None:
        with imap.open_mailbox(user) as client:
            _folder, raw = _fetch_draft(client, user, draft_uid)
        draft = compose_message.parse_original(raw)
        senders_of = compose_message._addresses_of(draft, "From")
        if senders_of and senders_of[0].addr_spec.lower() in senders:
            fields["sender"] = senders_of[0].addr_spec.lower()
        for name in ("to", "cc", "bcc"):
            fields[name] = compose_message.format_addresses(
                compose_message._addresses_of(draft, name.capitalize())
            )
        fields["subject"] = compose_message._header(draft, "Subject")
        fields["body"] = compose_message.body_text(draft)
        fields["mode"] = "plain"
        fields["draft_uid"] = draft_uid
        attachments = compose_message.original_attachments(draft)
        kept = [(i, a.filename, len(a.data)) for i, a in enumerate(attachments)]
        return fields, kept
    if origin is None:
        if fields["mode"] == "html" and fields["body"]:
            fields["body"] = compose_message.text_to_html(fields["body"].strip("\n"))
        return fields, kept
    with imap.open_mailbox(user) as client:
        raw, _flags = fetch(client, origin.folder, origin.uid)
    original = compose_message.parse_original(raw)
    if origin.action in ("reply", "replyall"):
        to, cc = compose_message.reply_recipients(
            original, _own_addresses(user), reply_all=origin.action == "replyall"
        )
        fields["to"] = compose_message.format_addresses(to)
        fields["cc"] = compose_message.format_addresses(cc)
        fields["subject"] = compose_message.reply_subject(original)
        fields["body"] = signature(user) + compose_message.quote_reply(original)
    else:
        fields["subject"] = compose_message.forward_subject(original)
        if origin.action == "forward":
            fields["body"] = signature(user) + compose_message.forward_inline(original)
            attachments = compose_message.original_attachments(original)
            kept = [(i, a.filename, len(a.data)) for i, a in enumerate(attachments)]
        else:
            name = compose_message.attachment_name(original)
            kept = [(0, name, len(raw))]
    fields["mode"] = "plain"
    return fields, kept


def _assemble(client, user, composition):
    """The :class:`~.message.Draft` of ``composition``, with the kept
    attachments read again from the server.
    """
    if composition.sender.lower() not in allowed_senders(user):
        raise compose_message.ComposeError(
            "sender",
            _("You may not send as %(address)s.") % {"address": composition.sender},
        )
    draft = compose_message.Draft(
        sender=compose_message.parse_addresses("sender", composition.sender)[0],
        to=list(composition.to),
        cc=list(composition.cc),
        bcc=list(composition.bcc),
        subject=composition.subject,
        attachments=list(composition.attachments),
    )
    if composition.mode == "html":
        draft.html = composition.body
    else:
        draft.text = composition.body
    keep = set(composition.keep)
    if composition.draft_uid is not None and keep:
        _folder, raw = _fetch_draft(client, user, composition.draft_uid)
        old = compose_message.original_attachments(compose_message.parse_original(raw))
        draft.attachments += [a for i, a in enumerate(old) if i in keep]
    origin = composition.origin
    if origin is not None:
        raw, _flags = fetch(client, origin.folder, origin.uid)
        original = compose_message.parse_original(raw)
        if origin.action in ("reply", "replyall"):
            draft.in_reply_to, draft.references = compose_message.reply_references(original)
        elif origin.action == "forward" and composition.draft_uid is None:
            old = compose_message.original_attachments(original)
            draft.attachments += [a for i, a in enumerate(old) if i in keep]
        elif origin.action == "forward_attachment" and composition.draft_uid is None and 0 in keep:
            draft.forwarded = raw
            draft.forwarded_name = compose_message.attachment_name(original)
    limit = app_settings.max_attachment_bytes()
    total = sum(len(a.data) for a in draft.attachments) + len(draft.forwarded)
    if total > limit:
        raise compose_message.ComposeError(
            "attachments",
            _("The attachments weigh %(size)s KB; the limit is %(limit)s KB.")
            % {"size": (total + 1023) // 1024, "limit": limit // 1024},
        )
    return draft


def _delete_draft(client, user, uid):
    folder, _raw = _fetch_draft(client, user, uid)
    imap.select(client, folder)
    client.add_flags([uid], [DELETED])
    client.expunge([uid])


def send(user, composition):
    """Send ``composition``; raise ComposeError (bad input, nothing sent),
    smtp.SubmissionError (refused, nothing sent) or a WebmailError (the
    mailbox could not be read, nothing sent). After the message left, the
    IMAP steps (Sent copy, draft removal, flags) only add warnings.
    """
    if not (composition.to or composition.cc or composition.bcc):
        raise compose_message.ComposeError("to", _("Give at least one recipient."))
    warnings = []
    try:
        return _send(user, composition, warnings)
    finally:
        forget_sidebar(user)


def _send(user, composition, warnings):
    with imap.open_mailbox(user) as client:
        draft = _assemble(client, user, composition)
        built = compose_message.build_message(draft)
        try:
            credentials = mail_access.credentials_for(user)
        except mail_access.MailAccessError as exc:
            raise smtp.SubmissionError(str(exc)) from exc
        refused = smtp.submit(
            submission_server(), built, draft.sender.addr_spec, draft.recipients, credentials
        )
        try:
            sent = imap.special_folder(client, user, "sent", create=True)
            client.append(sent, built.as_bytes(), flags=[SEEN])
        except (imap_exceptions.IMAPClientError, imap.WebmailError, OSError) as exc:
            warnings.append(_("The copy could not be saved in the Sent folder: %s") % exc)
        if composition.draft_uid is not None:
            try:
                _delete_draft(client, user, composition.draft_uid)
            except (imap_exceptions.IMAPClientError, imap.WebmailError, OSError) as exc:
                warnings.append(_("The draft could not be removed: %s") % exc)
        origin = composition.origin
        if origin is not None:
            flag = ANSWERED if origin.action in ("reply", "replyall") else FORWARDED
            try:
                imap.select(client, origin.folder)
                client.add_flags([origin.uid], [flag])
            except (imap_exceptions.IMAPClientError, imap.WebmailError, OSError) as exc:
                warnings.append(_("The original message could not be flagged: %s") % exc)
    return SendResult(refused=refused, warnings=warnings)


def save_draft(user, composition):
    """Save ``composition`` in Drafts (replacing the draft it was opened
    from); return the new draft's UID (None if the server does not say).
    """
    try:
        return _save_draft(user, composition)
    finally:
        forget_sidebar(user)


def _save_draft(user, composition):
    with imap.open_mailbox(user) as client:
        draft = _assemble(client, user, composition)
        built = compose_message.build_message(draft)
        folder = imap.special_folder(client, user, "drafts", create=True)
        answer = client.append(folder, built.as_bytes(), flags=[DRAFT, SEEN])
        match = _APPENDUID_RE.search(answer if isinstance(answer, bytes) else b"")
        if composition.draft_uid is not None:
            _delete_draft(client, user, composition.draft_uid)
    return int(match.group(1)) if match else None
