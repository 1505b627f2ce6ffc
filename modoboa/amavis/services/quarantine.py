"""Who sees which quarantined message, and what may be done with it.

Each role reaches the ``msgrcpt`` rows (one per recipient of a message):

- a super administrator, every row;
- a reseller or domain administrator, the rows whose recipient is in one
  of its domains or their domain aliases, except the addresses of the
  mailboxes it does not administer there (its reseller's, a wider
  administrator's: see ``modoboa.admin.access``);
- a simple user, the rows of its addresses: its mailbox, the aliases
  delivering to it, the same on the domain aliases, with any ``+extension``.

The filters are SQL (a subquery over ``maddr``), so lists paginate in the
database whatever the size of the quarantine.
"""

from django.db import connections, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.db.models.lookups import In
from django.utils.translation import gettext as _

from modoboa.core import constants as core_constants
from modoboa.lib.exceptions import BadRequest, NotFound, PermDeniedException

from .. import app_settings, constants, search_index
from ..dbrouter import amavis_alias
from ..lookups import (
    CaselessContains,
    CaselessEndsWith,
    CaselessExact,
    CaselessStartsWith,
    OctetsAsText,
    address_contains,
    octets_text,
    reversed_domain,
)
from ..models import Maddr, Msgrcpt, Msgs, Quarantine
from ..pdp import PDPClient

SEARCH_FIELDS = ("from", "subject", "to", "all")
# Rows counted at most by the console and the API (then "more than ..."):
# counting a quarantine of a million messages would take seconds per page.
COUNT_LIMIT = 1000
MAX_SOURCE = 50 * 1024 * 1024


def is_admin(user):
    return user.is_superuser or user.role in (
        core_constants.DOMAINADMINS,
        core_constants.RESELLERS,
    )


def admin_domain_names(user):
    """The domains (and their aliases' names) ``user`` administers."""
    from modoboa.admin.models import Domain, DomainAlias
    from modoboa.core.access import filter_for_admin

    domains = filter_for_admin(user, Domain.objects.all())
    names = list(domains.values_list("name", flat=True))
    names += list(DomainAlias.objects.filter(target__in=domains).values_list("name", flat=True))
    return names


def user_addresses(user):
    """The addresses delivering to ``user``'s mailbox, domain aliases included."""
    from modoboa.admin.models import Alias, DomainAlias

    mailbox = user.mailbox_or_none
    if mailbox is None:
        return []
    addresses = {mailbox.full_address.lower()}
    addresses.update(
        address.lower()
        for address in Alias.objects.filter(aliasrecipient__r_mailbox=mailbox).values_list(
            "address", flat=True
        )
        if not address.startswith("@")
    )
    domains = {address.rsplit("@", 1)[1] for address in addresses}
    alias_names = {}
    for name, target in DomainAlias.objects.filter(target__name__in=domains).values_list(
        "name", "target__name"
    ):
        alias_names.setdefault(target, []).append(name)
    for address in list(addresses):
        local, domain = address.rsplit("@", 1)
        for name in alias_names.get(domain, []):
            addresses.add("%s@%s" % (local, name))
    return sorted(addresses)


def own_list_addresses(user):
    """The addresses of ``user`` whose allow and block lists it may edit:
    those delivering to its mailbox *only* (its own address, an alias whose
    every recipient is its mailbox, and their domain alias forms). A list
    of an alias shared with others would decide what they receive.
    """
    from modoboa.admin.models import AliasRecipient

    mailbox = user.mailbox_or_none
    if mailbox is None:
        return []
    own = mailbox.full_address.lower()
    shared = {
        address.lower()
        for address in AliasRecipient.objects.filter(alias__aliasrecipient__r_mailbox=mailbox)
        .exclude(r_mailbox=mailbox)
        .exclude(alias__address__iexact=own)
        .values_list("alias__address", flat=True)
    }
    result = []
    for address in user_addresses(user):
        local, domain = address.rsplit("@", 1)
        canonical = {address} | {"%s@%s" % (local, name) for name in _targets(domain)}
        if canonical & shared:
            continue
        result.append(address)
    return result


def protected_addresses(user):
    """The addresses of the mailboxes in ``user``'s domains it does not
    administer (see ``modoboa.admin.access.addresses_out_of_reach``).
    """
    from modoboa.admin.access import addresses_out_of_reach

    return addresses_out_of_reach(user)


def base_address(address):
    """``address`` without its ``+extension`` (the recipient delimiter)."""
    delimiter = app_settings.get("recipient_delimiter") or ""
    local, _sep, domain = address.rpartition("@")
    if delimiter and delimiter in local:
        local = local.split(delimiter, 1)[0]
    return "%s@%s" % (local, domain)


def _addresses_condition(addresses, hiding=False):
    """A ``Q`` over ``maddr`` (annotated ``email_text``) matching
    ``addresses`` and their ``+extension`` forms, whatever their case.
    Addresses to ``hide`` also match Postfix's ``+`` forms when Amavis is
    told of another delimiter or of none: Postfix still delivers them.
    """
    # Amavis lowercases the addresses it stores unless told the local
    # parts are case-sensitive ($localpart_is_case_sensitive): a user's
    # mail is found whatever their case.
    from modoboa.admin.access import RECIPIENT_DELIMITER

    connection = connections[amavis_alias()]
    delimiters = {app_settings.get("recipient_delimiter") or ""}
    if hiding:
        delimiters.add(RECIPIENT_DELIMITER)
    delimiters.discard("")
    condition = Q(pk__in=[])
    for address in addresses:
        local, domain = address.rsplit("@", 1)
        same = Q(CaselessExact("email_text", octets_text(address, connection)))
        for delimiter in sorted(delimiters):
            same |= Q(
                CaselessStartsWith("email_text", octets_text(local + delimiter, connection))
            ) & Q(CaselessEndsWith("email_text", octets_text("@" + domain, connection)))
        condition |= Q(domain=reversed_domain(domain)) & same
    return condition


def _targets(domain_name):
    from modoboa.admin.models import DomainAlias

    return list(
        DomainAlias.objects.filter(name=domain_name).values_list("target__name", flat=True)
    )


def recipient_filter(user):
    """A ``Q`` over ``msgrcpt`` selecting what ``user`` may see, or None
    for everything.
    """
    if user.is_superuser:
        return None
    if is_admin(user):
        reversed_names = [reversed_domain(name) for name in admin_domain_names(user)]
        condition = Q(rid__in=Maddr.objects.filter(domain__in=reversed_names).values("id"))
        protected = protected_addresses(user)
        if protected:
            condition &= ~Q(rid__in=_maddr_ids(protected, hiding=True))
        return condition
    addresses = user_addresses(user)
    if not addresses:
        return Q(pk__in=[])
    return Q(rid__in=_maddr_ids(addresses))


def _maddr_ids(addresses, hiding=False):
    return (
        Maddr.objects.annotate(email_text=OctetsAsText("email"))
        .filter(_addresses_condition(addresses, hiding))
        .values("id")
    )


def visible_rows(user, condition=False):
    """The ``msgrcpt`` rows of quarantined messages ``user`` may see
    (``condition``: its ``recipient_filter`` when already known).
    """
    rows = Msgrcpt.objects.filter(mail__quar_type="Q").exclude(rs=constants.RS_DELETED)
    if condition is False:
        condition = recipient_filter(user)
    if condition is not None:
        rows = rows.filter(condition)
    return rows


def list_rows(user, *, content=None, search=None, search_in="all", pending_only=False):
    """The rows of ``user``'s quarantine list, filtered, with their message
    read in the same query and their sender and recipient addresses in two
    more (a join on ``maddr`` in the page's query lets MariaDB start from
    ``maddr`` and sort the whole quarantine).
    """
    condition = recipient_filter(user)
    rows = (
        visible_rows(user, condition).select_related("mail").prefetch_related("rid", "mail__sid")
    )
    if content:
        if content not in constants.CONTENT_TYPES:
            raise BadRequest(_("Unknown message type: %s") % content, field="type")
        rows = rows.filter(content=content)
    if pending_only:
        rows = rows.filter(rs=constants.RS_PENDING)
    search = (search or "").strip()
    if search:
        if search_in not in SEARCH_FIELDS:
            raise BadRequest(_("Unknown search criterion: %s") % search_in, field="criteria")
        rows = rows.filter(search_condition(search, search_in, condition))
    return rows


def _matching_addresses(search):
    return (
        Maddr.objects.annotate(email_text=OctetsAsText("email"))
        .filter(address_contains(search, connections[amavis_alias()]))
        .values("id")
    )


def search_candidates(search, search_in, visible=None, limit=None):
    """The ids of the messages matching a search, from its indexed sources
    (one query; duplicates possible). ``visible`` (a ``recipient_filter``)
    keeps the messages of those recipients only: an administrator's
    search reads its domains' rows, not the whole quarantine's matches.

    The sender and the subject are looked for together (for "All", one
    pass over MariaDB's and SQLite's narrow index, a BitmapOr of the two
    trigram indexes on PostgreSQL), the recipient separately (in ``maddr``,
    one row per address), the two joined by UNION ALL. ``limit`` caps
    each of them where the engine allows (MariaDB reads every row of a
    part of a UNION before applying the whole query's LIMIT).
    """
    sources = []
    prefix = "" if visible is None else "mail__"
    text = Q()
    for criterion, column in (("from", "from_addr"), ("subject", "subject")):
        if search_in in (criterion, "all"):
            text |= Q(CaselessContains(prefix + column, search))
    if text:
        if visible is None:
            messages = Msgs.objects.filter(text)
        else:
            messages = Msgrcpt.objects.filter(visible).filter(text)
        # MariaDB: the dates where the text may be (see search_index).
        dates = search_index.date_condition(search, prefix + "time_num", amavis_alias())
        if dates is not None:
            messages = messages.filter(dates)
        sources.append(messages.values_list("mail_id"))
    if search_in in ("to", "all"):
        addresses = _matching_addresses(search)
        rows = Msgrcpt.objects.filter(rid__in=addresses)
        if visible is not None:
            rows = rows.filter(visible)
        sources.append(rows.values_list("mail_id"))
    if len(sources) == 1:
        return sources[0]
    if (
        limit is not None
        and connections[amavis_alias()].features.supports_slicing_ordering_in_compound
    ):
        sources = [source[:limit] for source in sources]
    return sources[0].union(*sources[1:], all=True)


def search_condition(search, search_in, visible=None):
    """A ``Q`` over ``msgrcpt`` for a search of ``search`` in ``search_in``.

    The matching messages are first looked for on their own, at most
    ``COUNT_LIMIT`` + 1 of them, in one query answered from indexes or
    small tables: the sender and the subject in ``msgs`` (trigram indexes
    on PostgreSQL, see :mod:`..schema`), the recipient in ``maddr`` (one
    row per address, not per message) then ``msgrcpt_idx_rid``. With few
    matches the list then reads those messages by their id; with many,
    the list walks the date index and stops after a page, since matches
    are frequent. Where no index answers a search inside a text (MariaDB,
    SQLite), the sender and subject source is a scan of the narrow
    ``(subject, from_addr)`` index of :mod:`..schema`.
    """
    addresses = _matching_addresses(search)
    candidates = search_candidates(search, search_in, visible, limit=COUNT_LIMIT + 1)
    found = {mail_id for (mail_id,) in candidates[: COUNT_LIMIT + 1]}
    # The condition on the row itself (a message to several recipients
    # matches "to" on the matching recipient's row only).
    row_conditions = {
        "from": Q(CaselessContains("mail__from_addr", search)),
        "subject": Q(CaselessContains("mail__subject", search)),
        "to": Q(rid__in=addresses),
    }
    row_condition = row_conditions.get(search_in) or (
        row_conditions["from"] | row_conditions["subject"] | row_conditions["to"]
    )
    if len(found) <= COUNT_LIMIT:
        return Q(mail_id__in=sorted(found)) & row_condition
    # Many matches: the page walks the date index. ``rid + 0`` keeps
    # MariaDB from starting at the matching addresses instead and sorting
    # every one of their rows (100,000s of them).
    if search_in == "to":
        return Q(In(F("rid") + 0, addresses))
    if search_in == "all":
        # The row's own recipient, looked up by its id: beside the sender
        # and the subject, a subquery over all the matching addresses
        # makes PostgreSQL join the whole tables instead of walking the
        # date index.
        own_recipient = (
            Maddr.objects.annotate(email_text=OctetsAsText("email"))
            .filter(address_contains(search, connections[amavis_alias()]), id=OuterRef("rid"))
            .values("id")
        )
        return row_conditions["from"] | row_conditions["subject"] | Q(Exists(own_recipient))
    return row_condition


def message_key():
    """``msgs.mail_id``, to break ties of the date ordering.

    The ORM writes ``mail__mail_id`` as ``msgrcpt.mail_id``; ordered by
    ``msgs.time_num, msgrcpt.mail_id``, MariaDB sorts the whole quarantine,
    while ``msgs.time_num, msgs.mail_id`` reads the page from the
    ``(time_num, mail_id)`` index.
    """
    quote = connections[amavis_alias()].ops.quote_name
    # Quoted constant names only.
    return RawSQL("%s.%s" % (quote(Msgs._meta.db_table), quote("mail_id")), ())  # noqa: S611


def pending_requests_count(user):
    """The number of release requests ``user`` may grant."""
    if not is_admin(user):
        return 0
    return visible_rows(user).filter(rs=constants.RS_PENDING).count()


def recipient_is(rcpt):
    """A condition over ``msgrcpt``: its recipient is ``rcpt``, whatever the
    case (a notification's link may not write it as Amavis stored it).
    """
    connection = connections[amavis_alias()]
    return Q(
        Exists(
            Maddr.objects.annotate(email_text=OctetsAsText("email")).filter(
                CaselessExact("email_text", octets_text(rcpt, connection)), id=OuterRef("rid")
            )
        )
    )


def get_rows(user, mail_id, rcpt=None):
    """``user``'s rows of message ``mail_id`` (one per visible recipient);
    NotFound when it sees none, whoever holds the message.
    """
    if not isinstance(mail_id, str) or not mail_id or len(mail_id) > 16:
        raise NotFound(_("Message not found"))
    rows = visible_rows(user).filter(mail_id=mail_id).select_related("mail", "mail__sid", "rid")
    if rcpt:
        rows = rows.filter(recipient_is(rcpt))
    rows = list(rows)
    if not rows:
        raise NotFound(_("Message not found"))
    return rows


def message_source(mail_id):
    """The stored message (its chunks joined), as bytes."""
    chunks = Quarantine.objects.filter(mail_id=mail_id).order_by("chunk_ind")
    data = bytearray()
    for chunk in chunks.values_list("mail_text", flat=True).iterator():
        data += bytes(chunk)
        if len(data) > MAX_SOURCE:
            raise BadRequest(_("This message is too big to be displayed"))
    return bytes(data)


def mark_viewed(rows):
    """A new message opened by one of its recipients becomes "viewed"."""
    _set_status(rows, constants.RS_VIEWED, only_new=True)


def _set_status(rows, status, only_new=False):
    for row in rows:
        if only_new and row.rs != constants.RS_NEW:
            continue
        Msgrcpt.objects.filter(
            partition_tag=row.partition_tag, mail_id=row.mail_id, rseqnum=row.rseqnum
        ).update(rs=status)
        row.rs = status


def pdp_client():
    return PDPClient(
        mode=app_settings.get("am_pdp_mode"),
        socket_path=app_settings.get("am_pdp_socket"),
        host=app_settings.get("am_pdp_host"),
        port=app_settings.get("am_pdp_port"),
    )


def can_release_directly(user):
    return is_admin(user) or bool(app_settings.get("user_can_release"))


def release(user, mail_id, *, rcpt=None, client=None):
    """Release ``mail_id`` to ``user``'s recipients of it (or ``rcpt``).

    A simple user without direct release gets a pending request instead.
    Return "released" or "requested".
    """
    rows = get_rows(user, mail_id, rcpt)
    todo = [row for row in rows if row.rs != constants.RS_RELEASED]
    if not todo:
        raise BadRequest(_("This message has already been released"))
    if not can_release_directly(user):
        if all(row.rs == constants.RS_PENDING for row in todo):
            raise BadRequest(_("A release request is already pending for this message"))
        with transaction.atomic(using=amavis_alias()):
            _set_status(todo, constants.RS_PENDING)
        return "requested"
    mail = todo[0].mail
    client = client or pdp_client()
    client.release(mail.mail_id, mail.secret_id or "", [row.rid.email for row in todo])
    with transaction.atomic(using=amavis_alias()):
        _set_status(todo, constants.RS_RELEASED)
    return "released"


def delete(user, mail_id, *, rcpt=None):
    """Mark ``user``'s recipients of ``mail_id`` deleted (``qcleanup`` removes
    messages once every recipient deleted them).
    """
    rows = get_rows(user, mail_id, rcpt)
    with transaction.atomic(using=amavis_alias()):
        _set_status(rows, constants.RS_DELETED)
    return len(rows)


def self_service_rows(mail_id, secret_id, rcpt=None):
    """The rows a self-service link (``mail_id`` + ``secret_id``) opens."""
    if not app_settings.get("self_service"):
        raise PermDeniedException(_("Self-service is disabled"))
    if not mail_id or not secret_id or len(mail_id) > 16 or len(secret_id) > 16:
        raise NotFound(_("Message not found"))
    rows = (
        Msgrcpt.objects.filter(mail_id=mail_id, mail__secret_id=secret_id, mail__quar_type="Q")
        .exclude(rs=constants.RS_DELETED)
        .select_related("mail", "mail__sid", "rid")
    )
    if rcpt:
        rows = rows.filter(recipient_is(rcpt))
    rows = list(rows)
    if not rows:
        raise NotFound(_("Message not found"))
    return rows


def self_service_release(mail_id, secret_id, rcpt=None, client=None):
    rows = self_service_rows(mail_id, secret_id, rcpt)
    todo = [row for row in rows if row.rs != constants.RS_RELEASED]
    if not todo:
        raise BadRequest(_("This message has already been released"))
    client = client or pdp_client()
    client.release(mail_id, secret_id, [row.rid.email for row in todo])
    _set_status(todo, constants.RS_RELEASED)
    return "released"


def self_service_delete(mail_id, secret_id, rcpt=None):
    """Delete the copy of the recipient the link names. Amavis gives a
    message one secret for all its recipients: a link without ``rcpt``
    deletes a message of one recipient only, never the copies of the
    others (another tenant's, a Bcc).
    """
    rows = self_service_rows(mail_id, secret_id, rcpt)
    if not rcpt and len(rows) > 1:
        raise BadRequest(
            _("This message has several recipients: the link must name yours (rcpt).")
        )
    _set_status(rows, constants.RS_DELETED)
    return len(rows)


def self_service_recipients(rows, rcpt=None):
    """The recipients a self-service page shows: the one the link names,
    the only one; never the list of a message to several (a Bcc of
    another tenant would be read by whoever holds the link).
    """
    if rcpt or len(rows) == 1:
        return [row.rid.email for row in rows]
    return []


def message_ids(rows):
    """Distinct mail ids of ``rows``, in order."""
    seen = []
    for row in rows:
        if row.mail_id not in seen:
            seen.append(row.mail_id)
    return seen
