"""Creating many aliases at once (CSV import).

``create_alias`` costs about twenty-five queries per alias, most of them
the role model's checks; an import of fifty thousand aliases needs a
constant number per batch instead. The rules stay those of
:func:`~modoboa.admin.services.aliases.create_alias`, computed for the
whole batch in a few queries: the permission, the domain's reach, the
addresses of accounts the importer cannot administer, existing aliases
and the limits. Only plain rows take this path: an alias at the address
of a mailbox (a forward), a catch-all, an address with an extension, a
recipient that is an alias or that cannot be resolved, a row repeating
an address... is handed to ``fallback``, which creates it through
``create_alias`` one by one, so its error is exactly the one the console
would show.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from modoboa.core.access import accessible_domain_ids
from modoboa.lib.bulk_sql import insert_rows, new_instance
from modoboa.lib.exceptions import ModoboaException
from modoboa.limits import services as limits_services

from .. import access as admin_access
from ..models import Alias, AliasRecipient, Domain, Mailbox
from .aliases import _is_external, clean_recipients
from .bulk import _fall_back, _log_created, _own_new_rows, _record_revision
from .common import clean_alias_address, require_perm, split_address


@dataclass
class AliasSpec:
    """One alias to create (the fields of an ``alias`` CSV row)."""

    address: str
    recipients: list
    enabled: bool = True


@dataclass
class _Candidate:
    index: int
    address: str
    local_part: str
    domain_name: str
    recipients: list
    enabled: bool
    domain: Domain = None


def _prepare(index, spec):
    """Clean one spec; None sends it to the fallback."""
    try:
        address = clean_alias_address(spec.address)
        recipients = clean_recipients(spec.recipients)
    except ModoboaException:
        return None
    local_part, domain_name = split_address(address)
    if not local_part or "+" in local_part or not recipients or address in recipients:
        return None
    return _Candidate(index, address, local_part, domain_name, recipients, bool(spec.enabled))


def _chunks(values, size=300):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _taken_addresses(candidates, acting_user):
    """Addresses of the batch that already route somewhere (an alias, a
    mailbox) or, for an administrator, belong to an account it cannot
    administer.
    """
    addresses = {c.address for c in candidates}
    taken = set()
    for chunk in _chunks(addresses):
        taken.update(
            Alias.objects.filter(address__in=chunk, internal=False).values_list(
                "address", flat=True
            )
        )
        by_domain = Q()
        for address in chunk:
            local_part, domain_name = split_address(address)
            by_domain |= Q(address=local_part, domain__name=domain_name)
        for local_part, domain_name in Mailbox.objects.filter(by_domain).values_list(
            "address", "domain__name"
        ):
            taken.add("%s@%s" % (local_part, domain_name))
        if acting_user is not None and not acting_user.is_superuser:
            foreign = admin_access.foreign_accounts(acting_user).filter(
                Q(username__in=chunk) | Q(email__in=chunk) | Q(secondary_email__in=chunk)
            )
            for values in foreign.values_list("username", "email", "secondary_email"):
                taken.update(values)
    return taken


def _resolve_recipients(candidates):
    """``{address: mailbox id or None}`` for the recipients the fast path
    can resolve alone: a mailbox of a local domain, or an address of a
    domain not hosted here. The others (aliases, unknown local addresses)
    are left out.
    """
    wanted = {r for c in candidates for r in c.recipients}
    names = {split_address(r)[1] for r in wanted}
    domains = {}
    for chunk in _chunks(names):
        domains.update({d.name: d for d in Domain.objects.filter(name__in=chunk)})
    local = [r for r in wanted if split_address(r)[1] in domains]
    mailboxes = {}
    for chunk in _chunks(local):
        by_domain = Q()
        for address in chunk:
            local_part, domain_name = split_address(address)
            by_domain |= Q(address=local_part, domain__name=domain_name)
        for pk, local_part, domain_name in Mailbox.objects.filter(by_domain).values_list(
            "pk", "address", "domain__name"
        ):
            mailboxes["%s@%s" % (local_part, domain_name)] = pk
    resolved = {}
    for address in wanted:
        local_part, domain_name = split_address(address)
        domain = domains.get(domain_name)
        if domain is None or _is_external(address, domain):
            resolved[address] = None
        elif domain.type == "domain" and "+" not in local_part and address in mailboxes:
            resolved[address] = mailboxes[address]
    return resolved


def _select_fast(candidates, acting_user):
    """The candidates every rule accepts, with their domain set, and the
    resolution of their recipients.
    """
    counts = {}
    for c in candidates:
        counts[c.address] = counts.get(c.address, 0) + 1
    candidates = [c for c in candidates if counts[c.address] == 1]
    domains = {}
    for chunk in _chunks({c.domain_name for c in candidates}):
        domains.update({d.name: d for d in Domain.objects.filter(name__in=chunk)})
    if acting_user is not None and not acting_user.is_superuser:
        reach = set(
            Domain.objects.filter(
                pk__in=accessible_domain_ids(acting_user), name__in=list(domains)
            ).values_list("pk", flat=True)
        )
        domains = {name: d for name, d in domains.items() if d.pk in reach}
    candidates = [c for c in candidates if c.domain_name in domains]
    taken = _taken_addresses(candidates, acting_user)
    resolved = _resolve_recipients(candidates)
    fast = []
    for c in candidates:
        if c.address in taken or any(r not in resolved for r in c.recipients):
            continue
        c.domain = domains[c.domain_name]
        fast.append(c)
    return _apply_limits(fast, acting_user), resolved


def _apply_limits(candidates, acting_user):
    """Keep the candidates the alias limits allow; when a limit would be
    exceeded, the rows concerned go one by one (and get its error).
    """
    if not candidates:
        return []
    try:
        limits_services.check_can_create(
            acting_user, Alias, "mailbox_aliases", count=len(candidates)
        )
    except ModoboaException:
        return []
    by_domain = {}
    for c in candidates:
        by_domain.setdefault(c.domain.pk, []).append(c)
    kept = []
    for group in by_domain.values():
        try:
            limits_services.check_can_create(
                None, Alias, "mailbox_aliases", domain=group[0].domain, count=len(group)
            )
        except ModoboaException:
            continue
        kept.extend(group)
    kept.sort(key=lambda c: c.index)
    return kept


def _insert(candidates, acting_user, resolved):
    """Write the aliases, their recipients, the owner's access rows, the
    revision and the log lines, a few statements each (no model instance
    per row: ``bulk_sql.insert_rows``).
    """
    now = timezone.now()
    template = new_instance(Alias, creation=now)
    insert_rows(
        Alias,
        ("address", "domain_id", "enabled"),
        [(c.address, c.domain.pk, c.enabled) for c in candidates],
        template=template,
    )
    ids = {}
    for chunk in _chunks([c.address for c in candidates]):
        ids.update(
            Alias.objects.filter(address__in=chunk, internal=False).values_list("address", "pk")
        )
    pks = [ids[c.address] for c in candidates]
    insert_rows(
        AliasRecipient,
        ("alias_id", "address", "r_mailbox_id"),
        [
            (pk, address, resolved[address])
            for c, pk in zip(candidates, pks, strict=True)
            for address in c.recipients
        ],
    )
    if acting_user is not None:
        _own_new_rows(acting_user, Alias, pks)
    created = [
        (
            Alias,
            template,
            [(pk, _serialized(c), c.address) for c, pk in zip(candidates, pks, strict=True)],
            {},
        )
    ]
    _record_revision(created, acting_user, now)
    _log_created(created, acting_user)


def _serialized(candidate):
    """The fields of a batch row's alias that are its own (its version)."""
    return {
        "address": candidate.address,
        "domain": candidate.domain.pk,
        "enabled": candidate.enabled,
    }


def create_aliases(specs, *, acting_user, fallback):
    """Create the aliases ``specs``.

    ``fallback(index)`` creates the row ``index`` through ``create_alias``;
    it is called for every row the batch checks do not accept. Return one
    outcome per spec: None when created, else the ModoboaException that
    refused it.
    """
    outcomes = [None] * len(specs)
    try:
        require_perm(acting_user, "admin.add_alias")
    except ModoboaException:
        fast = []
    else:
        prepared = [_prepare(i, spec) for i, spec in enumerate(specs)]
        fast, resolved = _select_fast([c for c in prepared if c is not None], acting_user)
    if fast:
        try:
            with transaction.atomic():
                _insert(fast, acting_user, resolved)
        except IntegrityError:
            # Someone else wrote the same rows meanwhile: go row by row.
            fast = []
    return _fall_back(outcomes, fast, fallback)
