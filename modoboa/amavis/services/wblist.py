"""Allow and block lists of senders (Amavis' ``wblist`` and ``mailaddr``).

A list belongs to a recipient: a domain (its ``users`` row ``@domain``) or
an address (a ``users`` row of its own, priority 10, on its domain's
policy). Amavis reads the list of the highest-priority ``users`` row
matching the recipient only: an address with a list of its own no longer
follows its domain's list.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connections, transaction
from django.utils.translation import gettext as _

from modoboa.lib.exceptions import BadRequest, NotFound, PermDeniedException

from .. import constants
from ..dbrouter import amavis_alias
from ..lookups import CaselessExact, OctetsAsText, octets_text
from ..models import Mailaddr, Users, Wblist
from . import policies, quarantine

KINDS = {"allow": constants.ALLOW, "block": constants.BLOCK}
KIND_NAMES = {value: key for key, value in KINDS.items()}
USER_PRIORITY = 10


def clean_owner(value):
    """``@domain`` or an address, lower case."""
    value = (value or "").strip().lower()
    if value.startswith("@"):
        domain = value[1:]
        if not domain or "@" in domain or "." not in domain:
            raise BadRequest(_("Enter a domain (@example.com) or an address."), field="owner")
        return value
    try:
        validate_email(value)
    except ValidationError:
        raise BadRequest(
            _("Enter a domain (@example.com) or an address."), field="owner"
        ) from None
    return value


def clean_sender(value):
    """An address, ``@domain`` or ``@.domain`` (the domain and its subdomains)."""
    value = (value or "").strip().lower()
    if value.startswith("@"):
        domain = value[1:].lstrip(".")
        if not domain or "@" in domain or "." not in domain or " " in domain:
            raise BadRequest(
                _("Enter an address, @domain or @.domain (with subdomains)."), field="sender"
            )
        return value
    try:
        validate_email(value)
    except ValidationError:
        raise BadRequest(
            _("Enter an address, @domain or @.domain (with subdomains)."), field="sender"
        ) from None
    return value


def check_owner(user, owner):
    """Raise unless ``user`` may edit the list of ``owner``: an
    administrator the lists of its domains and of their addresses except
    those of mailboxes it does not administer (its reseller's...), a user
    those of the addresses delivering to its mailbox only.
    """
    if user.is_superuser:
        return
    domain = owner.rsplit("@", 1)[1]
    if quarantine.is_admin(user):
        if domain in quarantine.admin_domain_names(user) and (
            quarantine.base_address(owner) not in quarantine.protected_addresses(user)
        ):
            return
    elif not owner.startswith("@") and owner in quarantine.own_list_addresses(user):
        return
    raise PermDeniedException(_("You are not allowed to edit the lists of %s") % owner)


def _owner_row(owner, create=False):
    row = Users.objects.filter(email=owner).first()
    if row is not None or not create:
        return row
    domain = owner.rsplit("@", 1)[1]
    if owner.startswith("@"):
        policies.create_domain_policy(domain)
        return Users.objects.get(email=owner)
    domain_row = policies.domain_policy_row(domain)
    if domain_row is None:
        raise NotFound(_("Domain %s has no content filter policy") % domain)
    return Users.objects.create(
        email=owner, fullname=owner, priority=USER_PRIORITY, policy_id=domain_row.policy_id
    )


def entries(user, owner):
    """``[(sender, "allow"|"block")]`` of ``owner``'s lists."""
    owner = clean_owner(owner)
    check_owner(user, owner)
    row = _owner_row(owner)
    if row is None:
        return []
    return [
        (email, KIND_NAMES.get(wb, wb))
        for email, wb in Wblist.objects.filter(rid=row)
        .order_by("sid__email")
        .values_list("sid__email", "wb")
    ]


def set_entry(user, owner, sender, kind):
    """Allow or block ``sender`` for ``owner`` (replacing any entry)."""
    owner = clean_owner(owner)
    check_owner(user, owner)
    sender = clean_sender(sender)
    if kind not in KINDS:
        raise BadRequest(_("Choose allow or block."), field="kind")
    with transaction.atomic(using=amavis_alias()):
        row = _owner_row(owner, create=True)
        address = Mailaddr.objects.filter(email=sender).first()
        if address is None:
            address = Mailaddr.objects.create(
                email=sender, priority=9 if not sender.startswith("@") else 5
            )
        updated = Wblist.objects.filter(rid=row, sid=address).update(wb=KINDS[kind])
        if not updated:
            Wblist.objects.create(rid=row, sid=address, wb=KINDS[kind])


def remove_entry(user, owner, sender):
    owner = clean_owner(owner)
    check_owner(user, owner)
    sender = clean_sender(sender)
    with transaction.atomic(using=amavis_alias()):
        row = _owner_row(owner)
        # An entry written by hand in another case is listed: it is found.
        entry = (
            Wblist.objects.filter(rid=row)
            .annotate(sender_text=OctetsAsText("sid__email"))
            .filter(CaselessExact("sender_text", octets_text(sender, connections[amavis_alias()])))
            .select_related("sid")
            .first()
            if row is not None
            else None
        )
        if entry is None:
            raise NotFound(_("%s is in no list") % sender)
        address = entry.sid
        Wblist.objects.filter(rid=row, sid=address).delete()
        if not Wblist.objects.filter(sid=address).exists():
            address.delete()
