"""vCards (3.0 written; 3.0 and 4.0 read) to and from contact fields.

Cards come from phones, files and other programs: nothing in them is
trusted. ``parse`` turns one card into plain values, cut to the columns'
sizes; ``validate`` is the strict check of what a user types or imports.
"""

import datetime
import uuid

import vobject
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from modoboa.lib.exceptions import BadRequest

from .models import EMAIL_TYPES, PHONE_TYPES

EMAIL_KINDS = {key for key, _label in EMAIL_TYPES}
PHONE_KINDS = {key for key, _label in PHONE_TYPES}
PHONE_ALIASES = {"cell": "cellular", "mobile": "cellular", "voice": "main", "pref": "main"}
#: Longest text of each field (the 1.10 columns).
LIMITS = {
    "first_name": 30,
    "last_name": 30,
    "display_name": 60,
    "company": 100,
    "position": 200,
    "address": 200,
    "zipcode": 15,
    "city": 100,
    "country": 100,
    "state": 100,
    "note": 10000,
}
MAX_ITEMS = 50
#: A whole import file; each card is smaller (carddav.MAX_CARD_BYTES).
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_CARDS = 5000
FIELDS = (*LIMITS, "birth_date")


class CardError(BadRequest):
    """A vCard that cannot be read."""


def new_uid():
    return str(uuid.uuid4())


def _text(value):
    if isinstance(value, list | tuple):
        value = " ".join(str(v) for v in value if v)
    return " ".join(str(value or "").split()) if value is not None else ""


def _kind(params, known, aliases=None):
    for value in params.get("TYPE", []):
        for part in str(value).lower().split(","):
            part = (aliases or {}).get(part, part)
            if part in known:
                return part
    return "other" if "other" in known else sorted(known)[0]


def empty():
    data = dict.fromkeys(LIMITS, "")
    data.update(birth_date=None, categories=[], emails=[], phones=[], uid="")
    return data


def parse(text):
    """Return the values of the single vCard ``text``; CardError if it is
    not one. Texts longer than a column are cut (the server keeps them
    whole).
    """
    try:
        card = vobject.readOne(text, validate=False)
    except Exception as exc:  # noqa: BLE001 - vobject raises many kinds on garbage
        raise CardError(_("Not a vCard: %s") % _text(str(exc))[:200]) from None
    return from_component(card)


def from_component(card):
    if getattr(card, "name", "").upper() != "VCARD":
        raise CardError(_("Not a vCard"))
    data = empty()
    contents = card.contents
    data["uid"] = _text(contents["uid"][0].value)[:100] if "uid" in contents else ""
    if "n" in contents:
        name = contents["n"][0].value
        if isinstance(name, vobject.vcard.Name):
            data["first_name"], data["last_name"] = _text(name.given), _text(name.family)
        else:
            parts = _text(name).split(";")
            data["last_name"] = parts[0]
            data["first_name"] = parts[1] if len(parts) > 1 else ""
    if "fn" in contents:
        data["display_name"] = _text(contents["fn"][0].value)
    if "org" in contents:
        data["company"] = _text(contents["org"][0].value)
    if "title" in contents:
        data["position"] = _text(contents["title"][0].value)
    if "note" in contents:
        data["note"] = str(contents["note"][0].value or "").strip()
    if "adr" in contents:
        adr = contents["adr"][0].value
        if isinstance(adr, vobject.vcard.Address):
            data.update(
                address=_text(adr.street),
                city=_text(adr.city),
                state=_text(adr.region),
                zipcode=_text(adr.code),
                country=_text(adr.country),
            )
    if "bday" in contents:
        raw = _text(contents["bday"][0].value).replace("-", "")[:8]
        try:
            data["birth_date"] = datetime.datetime.strptime(raw, "%Y%m%d").date()
        except ValueError:
            data["birth_date"] = None
    for line in contents.get("categories", []):
        values = line.value if isinstance(line.value, list) else str(line.value).split(",")
        for value in values:
            value = _text(value)[:50]
            if value and value not in data["categories"]:
                data["categories"].append(value)
    for line in contents.get("email", [])[:MAX_ITEMS]:
        address = _text(line.value).removeprefix("mailto:")
        try:
            validate_email(address)
        except ValidationError:
            continue
        data["emails"].append((address[:254], _kind(line.params, EMAIL_KINDS)))
    for line in contents.get("tel", [])[:MAX_ITEMS]:
        number = _text(line.value).removeprefix("tel:")[:40]
        if number:
            data["phones"].append((number, _kind(line.params, PHONE_KINDS, PHONE_ALIASES)))
    for field, limit in LIMITS.items():
        data[field] = data[field][:limit]
    if not data["display_name"]:
        data["display_name"] = (
            " ".join(p for p in (data["first_name"], data["last_name"]) if p)
            or (data["emails"][0][0] if data["emails"] else "")
        )[: LIMITS["display_name"]]
    return data


def validate(data):
    """Check values typed by a user (or an API caller); BadRequest names the
    first wrong field. Return the values, cleaned.
    """
    clean = empty()
    for field, limit in LIMITS.items():
        value = data.get(field) or ""
        if not isinstance(value, str):
            raise BadRequest(_("A text is expected"), field=field)
        value = value.strip() if field == "note" else " ".join(value.split())
        if len(value) > limit:
            raise BadRequest(
                _("Ensure this value has at most %d characters.") % limit, field=field
            )
        if any(ord(c) < 32 and c not in "\n\t" for c in value):
            raise BadRequest(_("Control characters are not allowed"), field=field)
        clean[field] = value
    birth = data.get("birth_date")
    if isinstance(birth, str) and birth:
        try:
            birth = datetime.date.fromisoformat(birth)
        except ValueError:
            raise BadRequest(_("Enter a valid date (YYYY-MM-DD)."), field="birth_date") from None
    if birth is not None and not isinstance(birth, datetime.date) and birth != "":
        raise BadRequest(_("Enter a valid date (YYYY-MM-DD)."), field="birth_date")
    clean["birth_date"] = birth or None
    for key, kinds, limit, field in (
        ("emails", EMAIL_KINDS, 254, "emails"),
        ("phones", PHONE_KINDS, 40, "phone_numbers"),
    ):
        items = data.get(key) or []
        if len(items) > MAX_ITEMS:
            raise BadRequest(_("At most %d entries") % MAX_ITEMS, field=field)
        for value, kind in items:
            value = " ".join(str(value or "").split())
            if not value:
                continue
            if kind not in kinds:
                raise BadRequest(_("Unknown type %s") % kind, field=field)
            if len(value) > limit:
                raise BadRequest(
                    _("Ensure this value has at most %d characters.") % limit, field=field
                )
            if key == "emails":
                try:
                    validate_email(value)
                except ValidationError:
                    raise BadRequest(
                        _("%s is not a valid email address") % value, field=field
                    ) from None
            elif not all(c.isdigit() or c in "+-.() /pw*#x" for c in value):
                raise BadRequest(_("%s is not a valid phone number") % value, field=field)
            clean[key].append((value, kind))
    clean["categories"] = list(data.get("categories") or [])
    if not clean["display_name"]:
        clean["display_name"] = " ".join(
            p for p in (clean["first_name"], clean["last_name"]) if p
        ) or (clean["emails"][0][0] if clean["emails"] else "")
        clean["display_name"] = clean["display_name"][: LIMITS["display_name"]]
    if not clean["display_name"]:
        raise BadRequest(_("Give at least a name or an email address"), field="display_name")
    return clean


def render(data, uid):
    """A vCard 3.0 of ``data`` (the values of ``validate``/``parse``)."""
    card = vobject.vCard()
    card.add("version").value = "3.0"
    card.add("prodid").value = "-//Modoboa//Contacts//EN"
    card.add("uid").value = uid
    card.add("fn").value = data["display_name"]
    card.add("n").value = vobject.vcard.Name(family=data["last_name"], given=data["first_name"])
    if data["company"]:
        card.add("org").value = [data["company"]]
    if data["position"]:
        card.add("title").value = data["position"]
    if any(data[f] for f in ("address", "zipcode", "city", "state", "country")):
        card.add("adr").value = vobject.vcard.Address(
            street=data["address"],
            city=data["city"],
            region=data["state"],
            code=data["zipcode"],
            country=data["country"],
        )
    if data["birth_date"]:
        card.add("bday").value = data["birth_date"].isoformat()
    if data["note"]:
        card.add("note").value = data["note"]
    if data["categories"]:
        card.add("categories").value = list(data["categories"])
    for address, kind in data["emails"]:
        line = card.add("email")
        line.value = address
        line.type_param = ["INTERNET", kind.upper()]
    for number, kind in data["phones"]:
        line = card.add("tel")
        line.value = number
        line.type_param = {"cellular": "CELL", "main": "VOICE"}.get(kind, kind.upper())
    return card.serialize()


def split_file(content):
    """The cards of an import file: ``[(number, text)]``; CardError when the
    file itself is unusable.
    """
    if len(content) > MAX_FILE_BYTES:
        raise CardError(
            _("The file is larger than %d MB.") % (MAX_FILE_BYTES // (1024 * 1024)), field="file"
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CardError(_("The file is not UTF-8 text."), field="file") from None
    cards, current = [], None
    for line in text.splitlines():
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            current = [line]
        elif current is not None:
            current.append(line)
            if upper == "END:VCARD":
                cards.append("\r\n".join(current) + "\r\n")
                current = None
    if current is not None:
        cards.append("\r\n".join(current) + "\r\n")
    if not cards:
        raise CardError(_("The file holds no vCard."), field="file")
    if len(cards) > MAX_CARDS:
        raise CardError(_("At most %d cards per file.") % MAX_CARDS, field="file")
    return list(enumerate(cards, start=1))
