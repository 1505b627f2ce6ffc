"""The role model: who reaches which object, which addresses an
administrator may hand out, and what a disabled domain ends.

Every service function of the admin application asks this module; the
rules, as docs/security.rst states them:

1. **Reach.** A superuser reaches everything. A reseller reaches the domains
   it owns or administers; a domain administrator the *enabled* domains it
   administers (disabling a domain suspends its domain administrators'
   power over it). Domain aliases, mailboxes, aliases, sender addresses,
   MX and DNSBL results are reached through their domain, nothing else.
2. **Accounts.** (and their mailboxes) An administrator reaches itself, and the accounts it created
   or that own a mailbox in a domain it reaches, *unless* the account's
   role or reach is wider than its own: a superuser, a reseller (other than
   itself), an account administering a domain it does not reach, or an
   account whose mailbox is in a domain it does not reach. Comparing the
   sets of domains, not the roles alone, is what keeps a domain
   administrator of d1 away from an administrator of d1 and d2.
3. **Addresses.** An administrator may only create, capture or send as an
   address (mailbox, alias, catch-all, forward, sender address, domain
   alias name) when its domain — a domain, a relay domain, or the target of
   a domain alias — is in its reach, and never an address of an account it
   cannot administer (its username, mailbox or recovery address): that
   address reaches the account's mail and its password resets. A
   domain-wide ``@domain`` address covers every address of the domain.
4. **Names.** A domain or domain alias name may not be taken (by a
   non-superuser) while an account it cannot administer has an address in
   it; and when a name starts being hosted, sender addresses in it that
   belong to mailboxes of another domain are dropped.
5. **Log in.** An account whose mailbox is in a disabled domain (simple
   users and domain administrators) may neither log in to the console nor
   use a session or an API token; nor may a disabled account.
"""

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from modoboa.core import constants
from modoboa.core.access import (
    accessible_domain_ids,
    direct_access,
    register,
    register_login_check,
)
from modoboa.lib.exceptions import PermDeniedException

# Postfix's recipient delimiter: ``user+ext@domain`` is delivered to
# ``user@domain``.
RECIPIENT_DELIMITER = "+"


def _account_filter(user):
    """Accounts ``user`` (a non-superuser administrator) may act on."""
    from modoboa.core.models import ObjectAccess, User

    from .models import Domain, Mailbox

    reach = accessible_domain_ids(user)
    candidates = direct_access(user, User) | Q(
        pk__in=Mailbox.objects.filter(domain_id__in=reach).values("user_id")
    )
    reseller = Group.objects.filter(name=constants.RESELLERS, user=OuterRef("pk"))
    domains_beyond = ObjectAccess.objects.filter(
        user=OuterRef("pk"), content_type=ContentType.objects.get_for_model(Domain)
    ).exclude(object_id__in=reach)
    mailbox_beyond = Mailbox.objects.filter(user=OuterRef("pk")).exclude(domain_id__in=reach)
    wider = (
        Q(is_superuser=True) | Exists(reseller) | Exists(domains_beyond) | Exists(mailbox_beyond)
    )
    return Q(pk=user.pk) | (candidates & ~wider)


def _mailbox_filter(user):
    """A mailbox is its account's: in reach when both its domain and its
    account are.
    """
    from modoboa.core.models import User

    accounts = User.objects.filter(_account_filter(user)).values("pk")
    return Q(domain_id__in=accessible_domain_ids(user)) & Q(user_id__in=accounts)


def addresses_out_of_reach(user):
    """The addresses, in the domains administrator ``user`` reaches, of the
    mailboxes of accounts it does not reach (its reseller's own, an
    administrator of more domains than its own...), with their domain alias
    forms, lower case: what extensions keep per address (quarantined mail,
    the message log, allow and block lists) is not its to see there, nor
    under their ``+extension`` forms (:data:`RECIPIENT_DELIMITER`) or any
    case variant, which reach the same mailboxes.
    """
    from .models import DomainAlias, Mailbox

    if user.is_superuser:
        return []
    reached = Mailbox.objects.filter(_mailbox_filter(user)).values("pk")
    rows = list(
        Mailbox.objects.filter(domain_id__in=accessible_domain_ids(user))
        .exclude(pk__in=reached)
        .values_list("address", "domain__name", "domain_id")
    )
    if not rows:
        return []
    alias_names = {}
    for target, name in DomainAlias.objects.filter(
        target_id__in={row[2] for row in rows}
    ).values_list("target_id", "name"):
        alias_names.setdefault(target, []).append(name)
    addresses = set()
    for local, domain, domain_id in rows:
        for name in [domain, *alias_names.get(domain_id, [])]:
            addresses.add(("%s@%s" % (local, name)).lower())
    return sorted(addresses)


def register_admin_filters():
    from modoboa.core.models import User

    from .models import (
        Alias,
        DNSBLResult,
        Domain,
        DomainAlias,
        Mailbox,
        MXRecord,
        SenderAddress,
    )

    register(User, _account_filter)
    register(Domain, lambda user: Q(pk__in=accessible_domain_ids(user)))
    register(DomainAlias, lambda user: Q(target_id__in=accessible_domain_ids(user)))
    register(Mailbox, _mailbox_filter)
    register(Alias, lambda user: Q(domain_id__in=accessible_domain_ids(user)))
    register(SenderAddress, lambda user: Q(mailbox__domain_id__in=accessible_domain_ids(user)))
    register(MXRecord, lambda user: Q(domain_id__in=accessible_domain_ids(user)))
    register(DNSBLResult, lambda user: Q(domain_id__in=accessible_domain_ids(user)))
    register_login_check(_mailbox_domain_disabled)


def _mailbox_domain_disabled(user):
    if user.is_superuser:
        return None
    from .models import Mailbox

    if not Mailbox.objects.filter(user_id=user.pk, domain__enabled=False).exists():
        return None
    if user.role == constants.RESELLERS:
        # A reseller may disable the domain of its own mailbox.
        return None
    return "domain disabled"


def _unrestricted(actor):
    return actor is None or actor.is_superuser


def hosting_domain(name):
    """The domain that receives mail for ``name``: the domain (or relay
    domain) itself, or the target of the domain alias ``name``; None when
    nobody hosts it.
    """
    from .models import Domain, DomainAlias

    domain = Domain.objects.filter(name=name).first()
    if domain is not None:
        return domain
    alias = DomainAlias.objects.select_related("target").filter(name=name).first()
    return alias.target if alias is not None else None


def foreign_accounts(actor):
    """Accounts ``actor`` cannot administer (a queryset)."""
    from modoboa.core.access import filter_for_admin
    from modoboa.core.models import User

    return User.objects.exclude(pk__in=filter_for_admin(actor, User.objects.all()).values("pk"))


def _account_address_q(address):
    return Q(username=address) | Q(email=address) | Q(secondary_email=address)


def _account_domain_q(domain_name):
    suffix = "@%s" % domain_name
    return (
        Q(username__endswith=suffix)
        | Q(email__endswith=suffix)
        | Q(secondary_email__endswith=suffix)
    )


def _refuse_foreign_account_address(actor, address, field):
    if foreign_accounts(actor).filter(_account_address_q(address)).exists():
        raise PermDeniedException(
            _("The address %s belongs to an account you cannot administer") % address,
            field=field,
        )


def check_address(actor, address, *, field="address", must_be_local=False, catchall=False):
    """Raise PermDenied unless ``actor`` may create, capture or send as
    ``address`` (``local@domain``, or ``@domain`` for a whole domain).

    ``must_be_local``: the domain must be hosted here (mailboxes, aliases).
    ``catchall``: ``@domain`` only captures the addresses nothing else
    receives, so only those of foreign accounts count.
    """
    local_part, _sep, domain_name = address.rpartition("@")
    domain = hosting_domain(domain_name)
    if _unrestricted(actor):
        return domain
    if domain is None:
        if must_be_local:
            raise PermDeniedException(
                _("You don't have access to domain %s") % domain_name, field=field
            )
    elif not actor.can_access(domain):
        raise PermDeniedException(
            _("You don't have access to domain %s") % domain_name, field=field
        )
    if local_part:
        _refuse_foreign_account_address(actor, address, field)
        base = local_part.split(RECIPIENT_DELIMITER, 1)[0]
        if base and base != local_part:
            # Postfix looks ``user+ext`` up as ``user`` too.
            _refuse_foreign_account_address(actor, "%s@%s" % (base, domain_name), field)
        return domain
    taken = foreign_accounts(actor).filter(_account_domain_q(domain_name))
    for account in taken.only("username", "email", "secondary_email"):
        for value in (account.username, account.email, account.secondary_email):
            if not value or not value.endswith("@" + domain_name):
                continue
            if catchall and _is_routed(value):
                continue
            raise PermDeniedException(
                _("The address %s belongs to an account you cannot administer") % value,
                field=field,
            )
    return domain


def _is_routed(address):
    """Tell whether mail for ``address`` goes to a mailbox or an alias of
    its own (so that a catch-all never sees it).
    """
    from .models import Alias, Mailbox

    local_part, _sep, domain_name = address.rpartition("@")
    return (
        Mailbox.objects.filter(address=local_part, domain__name=domain_name).exists()
        or Alias.objects.filter(address=address, enabled=True).exists()
    )


def check_domain_name(actor, name, *, field="name"):
    """Raise PermDenied when ``actor`` (a non-superuser) would start hosting
    ``name`` while an account it cannot administer has an address there:
    mail and password resets for that account would come to it.
    """
    if _unrestricted(actor):
        return
    account = foreign_accounts(actor).filter(_account_domain_q(name)).first()
    if account is not None:
        raise PermDeniedException(
            _("Accounts you cannot administer have addresses in %s") % name, field=field
        )


def drop_foreign_sender_addresses(name, domain):
    """``name`` is now hosted by ``domain``: sender addresses in ``name``
    given to mailboxes of other domains (while nobody hosted it) no longer
    hold. Return how many were dropped.
    """
    from modoboa.core import audit

    from .models import SenderAddress

    stale = SenderAddress.objects.filter(
        Q(address__endswith="@%s" % name) | Q(address="@%s" % name)
    ).exclude(mailbox__domain=domain)
    dropped = list(stale.select_related("mailbox__domain"))
    if dropped:
        SenderAddress.objects.filter(pk__in=[s.pk for s in dropped]).delete()
        for sender in dropped:
            audit.log_message(
                "Sender address %s of mailbox %s dropped: %s is now hosted by %s",
                sender.address,
                sender.mailbox.full_address,
                name,
                domain.name,
            )
    return len(dropped)
