"""Business rules of the statistics: who sees which scope, the series of a
period, the message log search and the account creation counts. The
console, the API and the commands all go through these functions.
"""

import datetime
import functools
import math
import operator
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import CharField, Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Concat, Lower, Mod
from django.db.models.lookups import EndsWith, Exact, In, StartsWith
from django.utils import timezone
from django.utils.translation import gettext as _

from modoboa.admin.access import RECIPIENT_DELIMITER, addresses_out_of_reach
from modoboa.admin.models import Domain, DomainAlias
from modoboa.core.models import User
from modoboa.lib.exceptions import BadRequest, PermDeniedException

from .models import COUNTERS, GLOBAL, HOUR, MINUTE, AccountCounter, Counter, Maillog

PERIODS = {
    "day": datetime.timedelta(days=1),
    "week": datetime.timedelta(days=7),
    "month": datetime.timedelta(days=31),
    "year": datetime.timedelta(days=365),
}
MAX_POINTS = 400
# Seconds per point, from the finest: 1 min ... 1 day, 2 days, 1 week.
STEPS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800)
MAX_RANGE = datetime.timedelta(days=3 * 366)
# Above this many domains and aliases, an administrator's message log is
# filtered with subqueries rather than a list of names.
MAX_LISTED_NAMES = 500
# Up to this many conditions (two per domain), a page of the message log
# is read as a union of index scans (see page_of).
MAX_PARTS = 20
STATUSES = ("sent", "bounced", "deferred", "expired", "rejected", "greylisted")


# Who sees what


def can_see_statistics(user):
    return user.is_authenticated and user.is_active and user.is_admin


def domain_names(user):
    """Subqueries of the domain and domain alias names ``user`` reaches."""
    return (
        Domain.objects.get_for_admin(user).values("name"),
        DomainAlias.objects.get_for_admin(user).values("name"),
    )


def scopes(user, limit=None):
    """The scopes ``user`` may choose, "" (the server) first for a
    superadmin; a page shows ``limit`` at most.
    """
    if not can_see_statistics(user):
        return []
    result = [GLOBAL] if user.is_superuser else []
    domains, aliases = domain_names(user)
    result += sorted(Domain.objects.filter(name__in=domains).values_list("name", flat=True))
    result += sorted(DomainAlias.objects.filter(name__in=aliases).values_list("name", flat=True))
    return result[:limit] if limit else result


def check_scope(user, scope):
    """Return the scope named ``scope`` (``"global"`` or "" for the server,
    or a domain or domain alias name) if ``user`` may see it.
    """
    if not can_see_statistics(user):
        raise PermDeniedException(_("You may not see statistics"))
    scope = (scope or "").strip().lower()
    if scope in ("", "global"):
        if not user.is_superuser:
            raise PermDeniedException(_("Only super administrators see the server's statistics"))
        return GLOBAL
    domains, aliases = domain_names(user)
    if (
        Domain.objects.filter(name=scope, name__in=domains).exists()
        or DomainAlias.objects.filter(name=scope, name__in=aliases).exists()
    ):
        return scope
    raise PermDeniedException(_("You may not see the statistics of %s") % scope)


# Series


@dataclass
class Range:
    start: datetime.datetime
    end: datetime.datetime
    step: int  # seconds covered by one point

    @property
    def table_step(self):
        return MINUTE if self.step < HOUR else HOUR


def period_range(period="day", start=None, end=None, now=None):
    """The range of ``period`` ending now, or the custom range ``start`` to
    ``end`` (dates or datetimes); points of a whole number of minutes or
    hours.
    """
    now = now or timezone.now()
    if period == "custom":
        if start is None or end is None:
            raise BadRequest(_("Give the start and the end of the period"), field="start")
        start, end = _aware(start), _aware(end, end_of_day=True)
        if end <= start:
            raise BadRequest(_("The end must come after the start"), field="end")
        if end - start > MAX_RANGE:
            raise BadRequest(_("The period cannot be longer than three years"), field="end")
    elif period in PERIODS:
        end = now
        start = now - PERIODS[period]
    else:
        raise BadRequest(_("Unknown period: %s") % period, field="period")
    seconds = (end - start).total_seconds()
    unit = MINUTE if seconds <= 2 * 86400 else HOUR
    wanted = max(unit, seconds / MAX_POINTS)
    step = next(
        (size for size in STEPS if size >= wanted and size % unit == 0),
        math.ceil(wanted / 86400) * 86400,
    )
    # Whole periods: the first point starts at a multiple of the step.
    first = int(start.timestamp()) // step * step
    start = datetime.datetime.fromtimestamp(first, datetime.UTC)
    return Range(start=start, end=end, step=step)


def _aware(value, end_of_day=False):
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    moment = datetime.datetime.combine(value, datetime.time.min)
    if end_of_day:
        moment += datetime.timedelta(days=1)
    return timezone.make_aware(moment)


def series(user, scope, period="day", start=None, end=None):
    """The traffic of ``scope`` over the period: ``{"start", "end", "step",
    "points": [{"time": UNIX time, counter: total...}]}`` (one query).
    """
    scope = check_scope(user, scope)
    window = period_range(period, start, end)
    first = int(window.start.timestamp())
    last = int(window.end.timestamp())
    rows = (
        Counter.objects.filter(
            step=window.table_step, domain=scope, start__gte=first, start__lt=last
        )
        .annotate(bucket=F("start") - Mod(F("start") - Value(first), Value(window.step)))
        .values("bucket")
        .annotate(**{"total_%s" % name: Sum(name) for name in COUNTERS})
        .order_by("bucket")
    )
    found = {row["bucket"]: row for row in rows}
    points = []
    for moment in range(first, last, window.step):
        row = found.get(moment)
        point = {"time": moment}
        for name in COUNTERS:
            point[name] = int(row["total_%s" % name] or 0) if row else 0
        points.append(point)
    return {
        "scope": scope or "global",
        "start": window.start,
        "end": window.end,
        "step": window.step,
        "points": points,
    }


def account_series(user, period="day", start=None, end=None):
    """Accounts created per point of the period (superadmins only)."""
    if not user.is_superuser:
        raise PermDeniedException(_("Only super administrators see the account statistics"))
    window = period_range(period, start, end)
    step = max(HOUR, window.step // HOUR * HOUR)
    first = int(window.start.timestamp()) // step * step
    last = int(window.end.timestamp())
    rows = (
        AccountCounter.objects.filter(start__gte=first, start__lt=last)
        .annotate(bucket=F("start") - Mod(F("start") - Value(first), Value(step)))
        .values("bucket")
        .annotate(total=Sum("new_accounts"))
        .order_by("bucket")
    )
    found = {row["bucket"]: int(row["total"] or 0) for row in rows}
    return {
        "start": datetime.datetime.fromtimestamp(first, datetime.UTC),
        "end": window.end,
        "step": step,
        "points": [
            {"time": moment, "new_accounts": found.get(moment, 0)}
            for moment in range(first, last, step)
        ],
    }


def today_totals(user, now=None):
    """Today's totals (since local midnight) of what ``user`` may see: the
    server for a superadmin, the sum of its domains otherwise (one query).
    """
    now = timezone.localtime(now or timezone.now())
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    rows = Counter.objects.filter(step=HOUR, start__gte=int(midnight.timestamp()))
    if user.is_superuser:
        rows = rows.filter(domain=GLOBAL)
    else:
        domains, aliases = domain_names(user)
        rows = rows.filter(Q(domain__in=domains) | Q(domain__in=aliases))
    totals = rows.aggregate(**{name: Sum(name) for name in COUNTERS})
    return {name: int(totals[name] or 0) for name in COUNTERS}


# Message log


def _visible_parts(user):
    """What ``user`` may see of the message log, as conditions: ``None``
    for everything (a superadmin), ``[]`` for nothing, otherwise
    conditions (which may overlap) whose union is what it sees, each one
    served by an index ending with (date, id) (see :func:`page_of`).
    """
    if user.is_superuser:
        return None
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_admin:
        domains, aliases = domain_names(user)
        # The names are read first (one query) and given as values: the
        # planners then read the (from_domain, date) and (to_domain, date)
        # indexes instead of walking the whole log by date (with
        # subqueries, a domain with one row among ten million took
        # seconds; see docs/benchmarks.rst).
        names = sorted(
            set(
                domains.values_list("name", flat=True)
                .order_by()
                .union(aliases.values_list("name", flat=True).order_by())[: MAX_LISTED_NAMES + 1]
            )
        )
        # The rows of the mailboxes there it does not administer (its
        # reseller's own...) are left out: a row shows when its sender, or
        # its recipient, is an address of the administrator's.
        hidden = addresses_out_of_reach(user)
        own_sender = ~_holds_any("sender", hidden) if hidden else Q()
        own_rcpt = (
            ~_holds_any("rcpt", hidden) & ~_holds_any("original_rcpt", hidden) if hidden else Q()
        )
        if len(names) > MAX_LISTED_NAMES:
            # A reseller of thousands of domains: subqueries, not a list
            # longer than some engines accept.
            return [
                ((Q(from_domain__in=domains) | Q(from_domain__in=aliases)) & own_sender)
                | ((Q(to_domain__in=domains) | Q(to_domain__in=aliases)) & own_rcpt)
            ]
        if len(names) > MAX_PARTS // 2:
            return [(Q(from_domain__in=names) & own_sender) | (Q(to_domain__in=names) & own_rcpt)]
        return [Q(from_domain=name) & own_sender for name in names] + [
            Q(to_domain=name) & own_rcpt for name in names
        ]
    address = (user.email or user.username).lower()
    return [Q(sender=address), Q(rcpt=address), Q(original_rcpt=address)]


def _holds_any(column, addresses):
    """A condition: ``column`` holds one of ``addresses`` (lower case), in
    any case, or one of their ``+extension`` forms, which Postfix delivers
    to the same mailbox. A filter on the rows an index gave, never an
    index scan of its own (see :func:`_unindexed`).
    """
    value = Lower(F(column))
    condition = Q(In(value, addresses))
    locals_by_domain = {}
    for address in addresses:
        local, _sep, domain = address.rpartition("@")
        locals_by_domain.setdefault(domain, []).append(local)
    for domain, local_parts in sorted(locals_by_domain.items()):
        # The LIKE patterns are escaped by the lookups.
        extended = functools.reduce(
            operator.or_,
            (Q(StartsWith(value, local + RECIPIENT_DELIMITER)) for local in local_parts),
        )
        condition |= Q(EndsWith(value, "@" + domain)) & extended
    return condition


def visible_messages(user):
    """The message log rows ``user`` may see: all of them for a superadmin,
    those from or to its domains for an administrator, its own otherwise.
    """
    return _restricted(Maillog.objects.all(), _visible_parts(user))


def _restricted(rows, parts):
    """``rows`` limited to the union of ``parts`` (see _visible_parts)."""
    if parts is None:
        return rows
    if not parts:
        return rows.none()
    return rows.filter(functools.reduce(operator.or_, parts))


def _unindexed(condition):
    """``condition`` (a Q of equalities and IN on columns) comparing the
    columns through an identity expression, which no index serves.
    """
    children = []
    for child in condition.children:
        if isinstance(child, Q):
            children.append(_unindexed(child))
            continue
        if not isinstance(child, tuple):
            # An expression over a function of a column (see _holds_any).
            children.append(child)
            continue
        name, value = child
        column, _sep, lookup = name.partition("__")
        same = Concat(F(column), Value(""), output_field=CharField())
        children.append(In(same, value) if lookup == "in" else Exact(same, value))
    return Q(*children, _connector=condition.connector, _negated=condition.negated)


@dataclass
class MessageSearch:
    """A message log search: ``rows``, the visible rows matching the
    filters, newest first; ``matching``, the rows matching the filters
    whoever sees them, and ``parts``, the conditions whose union is what
    the user sees and searches (or None); ``by_status``: whether the
    status is one of the filters.
    """

    rows: QuerySet
    matching: QuerySet
    parts: list | None = None
    by_status: bool = False


def search_messages(user, sender="", rcpt="", queue_id="", status="", start=None, end=None):
    """Filter the message log; newest first. An address with an ``@``
    matches exactly, a bare domain matches every address of the domain.
    """
    rows = Maillog.objects.all()
    sender = (sender or "").strip().lower()
    rcpt = (rcpt or "").strip().lower()
    # A recipient address is either column: two conditions, each read
    # from its own index (an OR made SQLite walk the whole date index).
    alternatives = None
    if sender:
        rows = rows.filter(sender=sender) if "@" in sender else rows.filter(from_domain=sender)
    if rcpt:
        if "@" in rcpt:
            alternatives = [Q(rcpt=rcpt), Q(original_rcpt=rcpt)]
        else:
            rows = rows.filter(to_domain=rcpt)
    if queue_id:
        rows = rows.filter(queue_id=queue_id.strip())
    if status:
        if status not in STATUSES:
            raise BadRequest(_("Unknown status: %s") % status, field="status")
        rows = rows.filter(status=status)
    if start is not None:
        rows = rows.filter(date__gte=_aware(start))
    if end is not None:
        rows = rows.filter(date__lt=_aware(end, end_of_day=True))
    if start is not None and end is not None and _aware(end, True) <= _aware(start):
        raise BadRequest(_("The end must come after the start"), field="end")
    parts = _visible_parts(user)
    if parts and (
        (sender and Q(from_domain=sender) in parts) or (rcpt and Q(to_domain=rcpt) in parts)
    ):
        # A search of one of the administrator's own domains: every row it
        # matches is visible, and one index serves it.
        parts = None
    if alternatives:
        # An address is selective: its two indexes serve the union, what
        # the user sees is a filter on the few rows they give (written so
        # that no engine reads it from an index instead: SQLite, which
        # knows only average counts per value, took a domain's index for
        # the original recipient's, nearly always empty).
        rows = _restricted(rows, parts and [_unindexed(part) for part in parts])
        parts = alternatives
    return MessageSearch(
        rows=_restricted(rows, parts).order_by("-date", "-id"),
        matching=rows,
        parts=parts if parts and len(parts) > 1 else None,
        by_status=bool(status),
    )


def page_of(search, page, size):
    """Rows of page ``page`` (from 1) of a :class:`MessageSearch` and
    whether a next page exists, in one query (no COUNT over a large table).

    A deferred join: the ids of the page are found first, from the
    (date, id) pairs of an index alone (the rows skipped before a deep
    page are never read from the table), then only the rows of the page
    are read. When what the user sees is a union of conditions (the
    domains of an administrator, the addresses of a user), the pairs are
    the union of each condition's first pairs, each part read in order
    from its own index: an OR of the conditions would make the engines
    gather and sort every row of the domains before the first page.
    """
    offset = (page - 1) * size
    try:
        if search.parts:
            ids, params = _ids_of_parts(search.matching, search.parts, offset, size + 1)
        else:
            page_ids = search.rows.values("id")[offset : offset + size + 1]
            ids, params = page_ids.query.sql_with_params()
    except EmptyResultSet:
        # Nothing can match (no visible part, or an IN over nothing).
        return [], False
    connection = connections[search.rows.db]
    quote = connection.ops.quote_name
    if connection.vendor == "mysql" and not search.by_status:
        # MariaDB takes a (domain, status, date, id) index as readily as
        # the (domain, date, id) one, both covering, and then sorts all
        # the domain's rows: without a status, the former are no use.
        ids = ids.replace(
            "FROM %s " % quote(Maillog._meta.db_table),
            "FROM %s IGNORE INDEX (%s, %s) "
            % (
                quote(Maillog._meta.db_table),
                quote("stats_maillog_from_st"),
                quote("stats_maillog_to_st"),
            ),
        )
    table = quote(Maillog._meta.db_table)
    # Only Django's SQL and integers are in the text; values are parameters.
    sql = "SELECT %s.* FROM %s INNER JOIN (%s) %s ON %s.%s = %s.%s ORDER BY %s DESC, %s DESC" % (  # noqa: S608
        table,
        table,
        ids,
        quote("page"),
        table,
        quote("id"),
        quote("page"),
        quote("id"),
        "%s.%s" % (table, quote("date")),
        "%s.%s" % (table, quote("id")),
    )
    found = list(Maillog.objects.db_manager(search.rows.db).raw(sql, params))  # noqa: S611
    return found[:size], len(found) > size


def _ids_of_parts(rows, parts, offset, limit):
    """SQL giving the ids of rows ``offset`` to ``offset + limit`` of the
    union of ``parts``, newest first; UNION drops the rows found by two
    parts (a message between two domains of the administrator).
    """
    connection = connections[rows.db]
    quote = connection.ops.quote_name
    order = "%s DESC, %s DESC LIMIT %d OFFSET %d" % (quote("date"), quote("id"), limit, offset)
    pieces, params = [], []
    if connection.vendor == "sqlite":
        # SQLite merges the parts of a compound SELECT with an ORDER BY,
        # each read in order from its index, and stops after the page.
        for condition in parts:
            part = _sql_or_none(rows.filter(condition).order_by().values("date", "id"))
            if part:
                pieces.append(part[0])
                params.extend(part[1])
        if not pieces:
            raise EmptyResultSet
        return _ordered_union(quote, pieces, order), params
    # Elsewhere each part is cut at the page: its first offset + limit
    # (date, id) pairs hold all the part's rows of the page.
    for condition in parts:
        part = _sql_or_none(
            rows.filter(condition).order_by("-date", "-id").values("date", "id")[: offset + limit]
        )
        if part:
            # Django's own SQL of the part, its values as parameters.
            pieces.append("(%s)" % part[0])
            params.extend(part[1])
    if not pieces:
        raise EmptyResultSet
    if connection.vendor == "postgresql":
        # The distinct pairs of the parts appended: PostgreSQL merges the
        # ordered parts (Merge Append), drops the duplicates in passing and
        # stops after the page, where a UNION hashes and sorts them all.
        sql = "SELECT %s FROM (SELECT DISTINCT %s, %s FROM (%s) %s ORDER BY %s) %s" % (  # noqa: S608
            quote("id"),
            quote("date"),
            quote("id"),
            " UNION ALL ".join(pieces),
            quote("pairs"),
            order,
            quote("parts"),
        )
        return sql, params
    # A union of parenthesised parts, ordered and cut as a whole (not a
    # SELECT of each part: MariaDB would copy each part once more).
    return _ordered_union(quote, pieces, order), params


def _sql_or_none(queryset):
    """Django's SQL of ``queryset`` and its parameters, or None when it
    can match nothing (a part whose IN list is empty).
    """
    try:
        return queryset.query.sql_with_params()
    except EmptyResultSet:
        return None


def _ordered_union(quote, pieces, order):
    """The ids of the UNION of ``pieces`` (Django's SQL of each part),
    ordered and cut by ``order`` (names and integers only).
    """
    return "SELECT %s FROM (%s ORDER BY %s) %s" % (  # noqa: S608
        quote("id"),
        " UNION ".join(pieces),
        order,
        quote("parts"),
    )


# Accounts


def update_account_statistics(rebuild=False, now=None):
    """Count the accounts created per hour from ``core_user.date_joined``
    (the last 48 hours, or everything with ``rebuild``); return the number
    of hours written. Counting again gives the same numbers.
    """
    now = now or timezone.now()
    accounts = User.objects.all()
    if not rebuild:
        since = now - datetime.timedelta(hours=48)
        since = since.replace(minute=0, second=0, microsecond=0)
        accounts = accounts.filter(date_joined__gte=since)
    hours = {}
    for joined in accounts.values_list("date_joined", flat=True).iterator():
        moment = int(joined.timestamp()) // HOUR * HOUR
        hours[moment] = hours.get(moment, 0) + 1
    stale = AccountCounter.objects.all()
    if not rebuild:
        stale = stale.filter(start__gte=int(since.timestamp()))
    stale.exclude(start__in=list(hours)).delete()
    existing = dict(
        AccountCounter.objects.filter(start__in=list(hours)).values_list("start", "pk")
    )
    for moment, total in hours.items():
        if moment in existing:
            AccountCounter.objects.filter(pk=existing[moment]).update(new_accounts=total)
    AccountCounter.objects.bulk_create(
        [
            AccountCounter(start=moment, new_accounts=total)
            for moment, total in hours.items()
            if moment not in existing
        ]
    )
    return len(hours)


def message_counts(user):
    """Number of rows per status in what ``user`` sees (for the summary)."""
    return dict(
        visible_messages(user).order_by().values_list("status").annotate(total=Count("id"))
    )
