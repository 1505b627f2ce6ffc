"""The address book: one place for the console, the API, the command and
the recipient completion.

Radicale holds the address book; the tables are its cache. Every change
is written to the server first (a new card with ``If-None-Match: *``, a
change or a removal with ``If-Match`` on the ETag last read), then to the
tables inside a transaction, so a refused request leaves both as they
were. ``sync`` brings the tables back to what the server holds (cards made
or changed by a phone appear, removed ones disappear).
"""

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from modoboa.lib.exceptions import BadRequest, Conflict, NotFound, PermDeniedException

from . import carddav, vcard
from .models import AddressBook, Category, Contact, EmailAddress, PhoneNumber

logger = logging.getLogger("modoboa.admin")

BOOK_NAME = "Contacts"


def mailbox_of(user):
    mailbox = user.mailbox_or_none if user.is_authenticated else None
    if mailbox is None:
        raise PermDeniedException(_("Address books belong to mailboxes."))
    return mailbox


def book_path(user):
    """Where the book is on the server: right under the user's principal
    collection, where phones look for address books.
    """
    return "%s/contacts" % mailbox_of(user).full_address


def book_for(user, *, create=True):
    """The address book row of ``user`` (made at the first change)."""
    book = AddressBook.objects.filter(user=user).order_by("pk").first()
    if book is None and create:
        book = AddressBook.objects.create(user=user, name=BOOK_NAME, path=book_path(user))
    return book


def client_for(book):
    return carddav.AddressBookClient(book.user.mailbox.full_address, book.path)


def user_client(user):
    book = book_for(user, create=False)
    if book is not None:
        return client_for(book)
    return carddav.AddressBookClient(mailbox_of(user).full_address, book_path(user))


def collections_moved(sender, moves, **kwargs):
    """Receiver of radicale's collections_moved: the books under a moved
    collection point at their new path; the sync starts over (the server
    gave the copies new sync tokens).
    """
    for old, new in moves:
        for book in AddressBook.objects.filter(path__startswith=old + "/"):
            book.path = new + book.path[len(old) :]
            book.sync_token = None
            book.save(update_fields=["path", "sync_token"])


def contacts_for(user, *, query="", category=None):
    """The contacts of ``user``'s book, with what the pages show fetched in
    a fixed number of queries.
    """
    queryset = (
        Contact.objects.filter(addressbook__user=user)
        .prefetch_related(
            Prefetch("emails", queryset=EmailAddress.objects.order_by("pk")),
            Prefetch("phone_numbers", queryset=PhoneNumber.objects.order_by("pk")),
            Prefetch("categories", queryset=Category.objects.order_by("name")),
        )
        .order_by("display_name", "pk")
    )
    # NUL cannot be in a PostgreSQL string: it matches nothing anyway.
    query = (query or "").replace("\x00", "").strip()
    if query:
        queryset = queryset.filter(
            Q(display_name__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(company__icontains=query)
            | Q(pk__in=EmailAddress.objects.filter(address__icontains=query).values("contact"))
        )
    if category is not None:
        queryset = queryset.filter(categories=category)
    return queryset


def get_contact(user, pk):
    contact = Contact.objects.filter(addressbook__user=user, pk=pk).first()
    if contact is None:
        raise NotFound(_("No such contact"))
    return contact


def _categories(user, names):
    result = []
    for name in names:
        category = Category.objects.filter(user=user, name=name).first()
        if category is None:
            category = Category.objects.create(user=user, name=name)
        result.append(category)
    return result


def _store(contact, data, user):
    """Write ``data`` into ``contact`` and its rows (a cache of the card)."""
    for name in vcard.FIELDS:
        setattr(contact, name, data[name])
    contact.save()
    contact.emails.all().delete()
    contact.phone_numbers.all().delete()
    EmailAddress.objects.bulk_create(
        EmailAddress(contact=contact, address=address, type=kind)
        for address, kind in data["emails"]
    )
    PhoneNumber.objects.bulk_create(
        PhoneNumber(contact=contact, number=number, type=kind) for number, kind in data["phones"]
    )
    contact.categories.set(_categories(user, data["categories"]))
    return contact


def _category_names(user, values):
    """Category ids or names given by a user → names of its categories."""
    names = []
    for value in values or []:
        if isinstance(value, Category):
            category = value if value.user_id == user.pk else None
        elif isinstance(value, int) and not isinstance(value, bool):
            category = Category.objects.filter(user=user, pk=value).first()
        else:
            category = None
        if category is None:
            raise BadRequest(_("Unknown category %s") % value, field="categories")
        if category.name not in names:
            names.append(category.name)
    return names


def data_of(contact):
    """The values of a stored contact, as ``vcard.validate`` returns them."""
    data = {name: getattr(contact, name) for name in vcard.FIELDS}
    data["emails"] = [(e.address, e.type) for e in contact.emails.order_by("pk")]
    data["phones"] = [(p.number, p.type) for p in contact.phone_numbers.order_by("pk")]
    data["categories"] = list(contact.categories.order_by("name").values_list("name", flat=True))
    return data


@transaction.atomic
def create_contact(user, values):
    book = book_for(user)
    data = vcard.validate({**values, "categories": []})
    data["categories"] = _category_names(user, values.get("categories"))
    uid = vcard.new_uid()
    href = "%s.vcf" % uid
    etag = client_for(book).put(href, vcard.render(data, uid))
    contact = Contact(addressbook=book, uid=uid, href=href, etag=etag)
    return _store(contact, data, user)


def update_contact(user, contact, values):
    """Replace the card if nobody changed it meanwhile; otherwise the book
    is read again and PreconditionFailed says so.
    """
    try:
        return _update_contact(user, contact, values)
    except carddav.PreconditionFailed:
        _quiet_sync(user)
        raise


@transaction.atomic
def _update_contact(user, contact, values):
    if contact.addressbook.user_id != user.pk:
        raise NotFound(_("No such contact"))
    data = vcard.validate({**values, "categories": []})
    data["categories"] = _category_names(user, values.get("categories"))
    contact.etag = client_for(contact.addressbook).put(
        contact.href, vcard.render(data, contact.uid), contact.etag
    )
    return _store(contact, data, user)


def delete_contact(user, contact):
    try:
        _delete_contact(user, contact)
    except carddav.PreconditionFailed:
        _quiet_sync(user)
        raise


@transaction.atomic
def _delete_contact(user, contact):
    if contact.addressbook.user_id != user.pk:
        raise NotFound(_("No such contact"))
    client_for(contact.addressbook).delete(contact.href, contact.etag)
    contact.delete()


def _quiet_sync(user):
    try:
        sync(user)
    except carddav.CardDAVError as exc:
        logger.warning("Address book of %s not synchronised: %s", user.username, exc)


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unreadable: list = field(default_factory=list)


@transaction.atomic
def sync(user):
    """Make the tables hold what the server holds; return what changed.
    Nothing is written when nothing changed (a page view stays a read).
    """
    client = user_client(user)
    remote = client.etags()
    book = book_for(user, create=False)
    local = {c.href: c for c in Contact.objects.filter(addressbook=book)} if book else {}
    wanted = [
        href
        for href, etag in remote.items()
        if local.get(href) is None or local[href].etag != etag
    ]
    gone = [c.pk for href, c in local.items() if href not in remote]
    result = SyncResult()
    if not wanted and not gone:
        return result
    book = book or book_for(user)
    cards = {}
    for start in range(0, len(wanted), 100):
        cards.update(client.multiget(wanted[start : start + 100]))
    for href in wanted:
        if href not in cards:
            continue
        etag, text = cards[href]
        if len(text.encode("utf-8")) > carddav.MAX_CARD_BYTES:
            result.unreadable.append(href)
            continue
        try:
            data = vcard.parse(text)
        except vcard.CardError:
            result.unreadable.append(href)
            continue
        contact = local.get(href)
        if contact is None:
            contact = Contact(addressbook=book, href=href)
            result.created += 1
        else:
            result.updated += 1
        contact.uid = data["uid"] or href.removesuffix(".vcf")[:100]
        contact.etag = etag
        _store(contact, data, user)
    if gone:
        Contact.objects.filter(pk__in=gone).delete()
        result.deleted = len(gone)
    book.last_sync = timezone.now()
    book.save(update_fields=["last_sync"])
    return result


def import_vcards(user, content):
    """Add the cards of a .vcf file; every card is checked before any is
    written, and a server failure midway removes the cards already sent.
    Return the number of contacts added.
    """
    cards = vcard.split_file(content)
    parsed, errors = [], []
    for number, text in cards:
        try:
            if len(text.encode("utf-8")) > carddav.MAX_CARD_BYTES:
                raise vcard.CardError(_("the card is too large"))
            values = vcard.parse(text)
            values = vcard.validate({**values, "categories": []}) | {
                "categories": values["categories"]
            }
        except BadRequest as exc:
            errors.append(_("Card %(number)d: %(error)s") % {"number": number, "error": exc})
            continue
        parsed.append(values)
    if errors:
        raise vcard.CardError(" ".join(errors[:20]), field="file")
    return _write_all(user, parsed)


@transaction.atomic
def _write_all(user, parsed):
    book = book_for(user)
    client = client_for(book)
    sent = []
    try:
        for data in parsed:
            uid = vcard.new_uid()
            href = "%s.vcf" % uid
            etag = client.put(href, vcard.render(data, uid))
            sent.append((href, etag))
            _store(Contact(addressbook=book, uid=uid, href=href, etag=etag), data, user)
    except Exception:
        for href, etag in sent:
            try:
                client.delete(href, etag)
            except carddav.CardDAVError as exc:
                logger.error("Imported card %s left on the server: %s", href, exc)
        raise
    return len(sent)


def export_vcards(user):
    """The cards of the server, as one .vcf text."""
    client = user_client(user)
    hrefs = sorted(client.etags())
    parts = []
    for start in range(0, len(hrefs), 100):
        cards = client.multiget(hrefs[start : start + 100])
        parts.extend(
            cards[href][1].strip() + "\r\n" for href in hrefs[start : start + 100] if href in cards
        )
    return "".join(parts)


def clean_category_name(name):
    name = " ".join(name.split()) if isinstance(name, str) else ""
    if not name or len(name) > 50 or "," in name:
        raise BadRequest(_("A category name has 1 to 50 characters, without comma."), field="name")
    return name


def categories_for(user):
    return Category.objects.filter(user=user).order_by("name")


@transaction.atomic
def create_category(user, name):
    mailbox_of(user)
    name = clean_category_name(name)
    if Category.objects.filter(user=user, name=name).exists():
        raise Conflict(_("A category with this name already exists"), field="name")
    return Category.objects.create(user=user, name=name)


def _rewrite_cards(user, contacts, change):
    """Write again the cards of ``contacts`` after ``change(data)``."""
    for contact in contacts:
        data = data_of(contact)
        change(data)
        contact.etag = client_for(contact.addressbook).put(
            contact.href, vcard.render(data, contact.uid), contact.etag
        )
        contact.save(update_fields=["etag"])


@transaction.atomic
def rename_category(user, category, name):
    if category.user_id != user.pk:
        raise NotFound(_("No such category"))
    name = clean_category_name(name)
    if Category.objects.filter(user=user, name=name).exclude(pk=category.pk).exists():
        raise Conflict(_("A category with this name already exists"), field="name")
    old = category.name

    def change(data):
        data["categories"] = [name if c == old else c for c in data["categories"]]

    _rewrite_cards(user, category.contact_set.select_related("addressbook__user"), change)
    category.name = name
    category.save(update_fields=["name"])
    return category


@transaction.atomic
def delete_category(user, category):
    if category.user_id != user.pk:
        raise NotFound(_("No such category"))

    def change(data):
        data["categories"] = [c for c in data["categories"] if c != category.name]

    _rewrite_cards(user, category.contact_set.select_related("addressbook__user"), change)
    category.delete()


def search_addresses(user, query, limit):
    """``[(name, address)]`` of the contacts matching ``query`` (a prefix of
    a name or an address), for the recipient completion.
    """
    query = (query or "").replace("\x00", "").strip()
    if not query or not user.is_authenticated or user.mailbox_or_none is None:
        return []
    rows = (
        EmailAddress.objects.filter(contact__addressbook__user=user)
        .filter(
            Q(address__istartswith=query)
            | Q(contact__display_name__istartswith=query)
            | Q(contact__first_name__istartswith=query)
            | Q(contact__last_name__istartswith=query)
        )
        .order_by("contact__display_name", "address")
        .values_list("contact__display_name", "address")[: max(0, int(limit))]
    )
    return [(name, address) for name, address in rows]
