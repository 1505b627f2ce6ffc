"""The CSV export behind ``modo export`` and the console's export pages.

Every function yields CSV text line by line in the format ``modo import``
reads (docs/import.rst), so an export re-imports into the same objects.
Cells a spreadsheet would run as a formula are neutralised
(:mod:`modoboa.admin.csv_cells`).
"""

import csv
import io

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch

from modoboa.core import constants as core_constants
from modoboa.core import signals as core_signals
from modoboa.core.models import ObjectAccess, User

from .csv_cells import neutralise
from .models import Alias, AliasRecipient, Domain, DomainAlias, SenderAddress

#: Rows fetched per query while streaming.
CHUNK_SIZE = 2000


class _Writer:
    """Turn rows into CSV lines with neutralised cells."""

    def __init__(self, sepchar):
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, delimiter=sepchar, lineterminator="\n")

    def line(self, cells):
        self.writer.writerow([neutralise(cell) for cell in cells])
        value = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return value


def export_domains(queryset=None, sepchar=";"):
    """Yield one ``domain`` (or ``relaydomain``) line per domain, each
    followed by its ``domainalias`` lines.
    """
    writer = _Writer(sepchar)
    if queryset is None:
        queryset = Domain.objects.all()
    queryset = (
        queryset.select_related("transport")
        .prefetch_related(
            Prefetch("domainalias_set", queryset=DomainAlias.objects.order_by("name"))
        )
        .order_by("name")
    )
    for domain in queryset.iterator(chunk_size=CHUNK_SIZE):
        if domain.type == "relaydomain" and domain.transport_id:
            settings = domain.transport._settings
            yield writer.line(
                [
                    "relaydomain",
                    domain.name,
                    settings.get("relay_target_host", ""),
                    settings.get("relay_target_port", 25),
                    domain.transport.service,
                    domain.enabled,
                    bool(settings.get("relay_verify_recipients", False)),
                ]
            )
        else:
            yield writer.line(
                ["domain", domain.name, domain.quota, domain.default_mailbox_quota, domain.enabled]
            )
        for alias in domain.domainalias_set.all():
            yield writer.line(["domainalias", alias.name, domain.name, alias.enabled])


def _administered_domains(user_ids):
    """``{user id: [domain names]}`` of the domains each account administers."""
    result = {}
    rows = ObjectAccess.objects.filter(
        user_id__in=user_ids,
        content_type=ContentType.objects.get_for_model(Domain),
        is_owner=False,
    ).values_list("user_id", "object_id")
    names = dict(Domain.objects.values_list("pk", "name"))
    for user_id, domain_id in rows:
        if domain_id in names:
            result.setdefault(user_id, []).append(names[domain_id])
    for value in result.values():
        value.sort()
    return result


def _account_lines(queryset, writer):
    role_order = {
        core_constants.SUPERADMINS: 0,
        core_constants.RESELLERS: 1,
        core_constants.DOMAINADMINS: 2,
    }
    queryset = queryset.select_related("mailbox__domain").prefetch_related("groups")
    accounts = list(queryset.order_by("username"))
    # Administrators first: their rows must exist before the rows that
    # name them (and superusers before everyone).
    accounts.sort(key=lambda a: role_order.get(a.role, 3))
    domains = _administered_domains([a.pk for a in accounts if a.role in role_order])
    for account in accounts:
        mailbox = account.mailbox_or_none
        cells = [
            "account",
            account.username,
            account.password,
            account.first_name,
            account.last_name,
            account.is_active,
            account.role if account.role in dict(core_constants.ROLES) else "",
        ]
        if mailbox is not None:
            cells += [
                mailbox.full_address,
                "" if mailbox.use_domain_quota else mailbox.quota,
            ]
        elif account.role in (core_constants.DOMAINADMINS, core_constants.RESELLERS):
            cells += ["", ""]
        if account.role in (core_constants.DOMAINADMINS, core_constants.RESELLERS):
            cells += domains.get(account.pk, [])
        core_signals.account_exported.send(sender=User, user=account)
        yield writer.line(cells)


def _ordered_aliases(aliases):
    """Aliases that are recipients of other aliases come first, so that a
    re-import finds them (a topological order; cycles keep file order).
    """
    by_pk = {alias.pk: alias for alias in aliases}
    needs = {alias.pk: [] for alias in aliases}
    for recipient in AliasRecipient.objects.filter(
        alias_id__in=list(by_pk), r_alias_id__in=list(by_pk)
    ).values_list("alias_id", "r_alias_id"):
        needs[recipient[0]].append(recipient[1])
    ordered, state = [], {}
    for start in sorted(by_pk, key=lambda pk: by_pk[pk].address):
        stack = [(start, iter(needs[start]))]
        if state.get(start):
            continue
        state[start] = "visiting"
        while stack:
            pk, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                stack.pop()
                state[pk] = "done"
                ordered.append(by_pk[pk])
            elif not state.get(child):
                state[child] = "visiting"
                stack.append((child, iter(needs[child])))
    return ordered


def _alias_lines(queryset, writer):
    aliases = list(
        queryset.filter(internal=False).prefetch_related(
            Prefetch("aliasrecipient_set", queryset=AliasRecipient.objects.order_by("pk"))
        )
    )
    for alias in _ordered_aliases(aliases):
        recipients = [r.address for r in alias.aliasrecipient_set.all()]
        yield writer.line(["alias", alias.address, alias.enabled] + recipients)


def _sender_address_lines(accounts, writer):
    senders = (
        SenderAddress.objects.filter(mailbox__user__in=accounts)
        .select_related("mailbox__domain")
        .order_by("mailbox__domain__name", "mailbox__address", "address")
    )
    for sender in senders.iterator(chunk_size=1000):
        yield writer.line(["senderaddress", sender.address, sender.mailbox.full_address])


def export_identities(queryset=None, sepchar=";", aliases=None):
    """Yield the ``account`` lines (``queryset``, every account by default),
    the ``alias`` lines (``aliases``, every user-visible alias by default),
    then the ``senderaddress`` lines of the accounts' mailboxes.
    """
    writer = _Writer(sepchar)
    if queryset is None:
        queryset = User.objects.all()
    if aliases is None:
        aliases = Alias.objects.all()
    yield from _account_lines(queryset, writer)
    yield from _alias_lines(aliases, writer)
    yield from _sender_address_lines(queryset, writer)


__all__ = ["export_domains", "export_identities"]
