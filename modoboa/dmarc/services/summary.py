"""What a domain's report page and the API show: the records of a period
summed in SQL from the summaries the import keeps (``daily``), in three
queries whatever the number of records.

- totals: messages fully aligned (DKIM and SPF pass), partially aligned
  (one of them passes), failed (both fail);
- sources: per source IP, the messages that passed DMARC ("trusted") and
  those that did not ("threats"), with SPF/DKIM results and dispositions,
  grouped by the organisation of the IP (from its reverse DNS name, when
  look-ups are on; bounded in time);
- a series of daily (weekly for long periods) buckets for the chart.
"""

import datetime
import ipaddress
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from django.db import connections, router
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import DailyVolume, SourceVolume
from .daily import SOURCE_COUNTERS

MAX_SOURCES = 100
MAX_DAYS = 400
DAILY_UP_TO = 62
RLOOKUP_TIMEOUT = 1.0
RLOOKUP_WORKERS = 16
TOP_BATCH = 250
TOP_ROUNDS = 4
TOP_COVERAGE = 2 / 3
TOP_QUERIES = 2 + TOP_ROUNDS * (3 + 1)
MAX_QUERIES = 1 + 2 * TOP_QUERIES


class PeriodError(ValueError):
    """A period that cannot be shown; the text says why (and which field)."""

    def __init__(self, field_name, message):
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass
class Period:
    start: datetime.date
    end: datetime.date  # included

    @property
    def days(self):
        return (self.end - self.start).days + 1

    @property
    def is_week(self):
        return self.days == 7 and self.start.isoweekday() == 1

    @property
    def label(self):
        if self.is_week:
            year, week, _day = self.start.isocalendar()
            return _("Week %(week)d of %(year)d") % {"week": week, "year": year}
        return "%s – %s" % (self.start.isoformat(), self.end.isoformat())

    def shifted(self, direction):
        delta = datetime.timedelta(days=self.days * direction)
        return Period(self.start + delta, self.end + delta)

    def query(self):
        if self.is_week:
            year, week, _day = self.start.isocalendar()
            return {"week": "%d-W%02d" % (year, week)}
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    def bounds(self):
        """Aware datetimes: the first instant and the one after the end."""
        tz = datetime.UTC
        start = datetime.datetime.combine(self.start, datetime.time(), tzinfo=tz)
        end = datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time(), tzinfo=tz
        )
        return start, end


def week_of(day):
    monday = day - datetime.timedelta(days=day.isoweekday() - 1)
    return Period(monday, monday + datetime.timedelta(days=6))


FIRST_YEAR, LAST_YEAR = 1970, 9000


def _date(value, name):
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise PeriodError(name, _("Enter a date as YYYY-MM-DD.")) from None
    _check_year(day, name)
    return day


def _check_year(day, name):
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise PeriodError(
            name,
            _("Enter a date between %(first)d and %(last)d.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
        )


def parse_period(params, default_day=None):
    """The period asked by ``params`` (a QueryDict or dict): ``week``
    (``2026-W49``) or ``start`` and ``end`` (dates, end included); else the
    week of ``default_day`` (today by default). Raise PeriodError.
    """
    week = (params.get("week") or "").strip()
    start = (params.get("start") or "").strip()
    end = (params.get("end") or "").strip()
    if week:
        try:
            year, number = week.upper().split("-W")
            monday = datetime.date.fromisocalendar(int(year), int(number), 1)
        except ValueError:
            raise PeriodError("week", _("Enter a week as YYYY-Www (e.g. 2026-W07).")) from None
        _check_year(monday, "week")
        return week_of(monday)
    if start or end:
        if not start:
            raise PeriodError("start", _("This field is required."))
        if not end:
            raise PeriodError("end", _("This field is required."))
        period = Period(_date(start, "start"), _date(end, "end"))
        if period.end < period.start:
            raise PeriodError("end", _("The end date is before the start date."))
        if period.days > MAX_DAYS:
            raise PeriodError("end", _("A period is at most %d days long.") % MAX_DAYS)
        return period
    return week_of(default_day or timezone.now().date())


def latest_day(domain):
    """The start day of the latest report about ``domain`` (or None)."""
    return DailyVolume.objects.filter(header_from=domain).aggregate(last=Max("day"))["last"]


def _month_end(day):
    following = (
        day.replace(year=day.year + 1, month=1)
        if day.month == 12
        else day.replace(month=day.month + 1)
    )
    return following - datetime.timedelta(days=1)


def spans(period):
    """``{scale: [start, ...]}``: ``period`` as whole calendar years
    (``"y"``), whole calendar months (``"m"``) and the days left over
    (``"d"``), the fewest summary rows that cover it.
    """
    result = {"y": [], "m": [], "d": []}
    day = period.start
    while day <= period.end:
        if (day.month, day.day) == (1, 1) and datetime.date(day.year, 12, 31) <= period.end:
            result["y"].append(day)
            day = datetime.date(day.year + 1, 1, 1)
        elif day.day == 1 and _month_end(day) <= period.end:
            result["m"].append(day)
            day = _month_end(day) + datetime.timedelta(days=1)
        else:
            result["d"].append(day)
            day += datetime.timedelta(days=1)
    return result


@dataclass
class Source:
    ip: str
    total: int
    spf_pass: int
    spf_fail: int
    dkim_pass: int
    dkim_fail: int
    none: int
    quarantine: int
    reject: int
    hostname: str = ""


@dataclass
class Organisation:
    name: str
    sources: list = field(default_factory=list)

    @property
    def total(self):
        return sum(source.total for source in self.sources)


@dataclass
class Summary:
    period: Period
    total: int = 0
    fully: int = 0
    partially: int = 0
    failed: int = 0
    buckets: list = field(default_factory=list)  # (day, fully, partially, failed)
    bucket: str = "day"
    trusted: list = field(default_factory=list)  # of Organisation
    threats: list = field(default_factory=list)
    trusted_more: int = 0
    threats_more: int = 0


def _buckets(domain, period):
    """Daily (or weekly) volumes: one summary row per day."""
    rows = DailyVolume.objects.filter(
        header_from=domain, day__gte=period.start, day__lte=period.end
    ).values_list("day", "fully", "partially", "failed")
    by_day = {day: [fully, partially, failed] for day, fully, partially, failed in rows}
    daily = []
    day = period.start
    while day <= period.end:
        daily.append([day, *by_day.get(day, [0, 0, 0])])
        day += datetime.timedelta(days=1)
    if period.days <= DAILY_UP_TO:
        return daily, "day"
    weekly = []
    for index in range(0, len(daily), 7):
        chunk = daily[index : index + 7]
        weekly.append([chunk[0][0]] + [sum(values[i] for values in chunk) for i in (1, 2, 3)])
    return weekly, "week"


COUNTERS = SOURCE_COUNTERS


def _sources(domain, period, passed):
    """The MAX_SOURCES largest sources of the period (and whether there are
    more).
    """
    found = top_sources(domain, period, passed, MAX_SOURCES + 1)
    return found[:MAX_SOURCES], len(found) > MAX_SOURCES


def _source(ip, counters):
    return Source(ip=ip, **{name: counters[name] or 0 for name in COUNTERS})


def address_order(ip):
    """The sort key of an address in the database's order: PostgreSQL
    stores them as ``inet`` (IPv4 before IPv6, then by value), the other
    engines as text.
    """
    if connections[router.db_for_read(SourceVolume)].vendor == "postgresql":
        address = ipaddress.ip_address(ip)
        return address.version, int(address)
    return ip


def _rank(source):
    return (-source.total, address_order(source.ip))


def _covering_filter(period):
    return _any_of(
        Q(scale=scale, start__in=starts) for scale, starts in spans(period).items() if starts
    )


def grouped_sources(domain, period, passed, limit, offset=0):
    """The straightforward answer: every summary row of the period summed
    per source in SQL, ``limit`` sources from ``offset`` in the order of
    the page (largest first, then by address). One query.
    """
    rows = (
        SourceVolume.objects.filter(header_from=domain, passed=passed)
        .filter(_covering_filter(period))
        .values("source_ip")
        .annotate(**{name: Sum(name) for name in COUNTERS})
        .order_by("-total", "source_ip")[offset : offset + limit]
    )
    return [_source(row.pop("source_ip"), row) for row in rows]


INDEX_HINTS = {
    "sqlite": "INDEXED BY %s",
    "mysql": "FORCE INDEX (%s)",
}
TOP_INDEX = "dmarc_sourcevolume_top_idx"
IP_INDEX = "dmarc_sourcevolume_ip_idx"


def _units_sql(connection, period):
    """The condition selecting the summary rows that tile ``period``
    (its whole years, whole months and days left over) and its parameters.
    """
    quote = connection.ops.quote_name
    conditions, params = [], []
    for scale, starts in spans(period).items():
        if starts:
            conditions.append(
                "(%s = %%s AND %s IN (%s))"
                % (quote("scale"), quote("start"), ", ".join(["%s"] * len(starts)))
            )
            params.append(scale)
            params.extend(connection.ops.adapt_datefield_value(start) for start in starts)
    return " OR ".join(conditions), params


def _hint(connection, index):
    hint = INDEX_HINTS.get(connection.vendor)
    return hint % index if hint else ""


def exact_sums(domain, period, passed, addresses):
    """The sources among ``addresses`` with rows in the period, their rows
    summed: one query through the index by address (the engines would
    otherwise read every row of the period through the other index, its
    conditions on the units looking more selective). PostgreSQL chooses
    by its statistics.
    """
    connection = connections[router.db_for_read(SourceVolume)]
    quote = connection.ops.quote_name
    units, unit_params = _units_sql(connection, period)
    params = [domain.pk, passed, *addresses, *unit_params]
    # Only quoted names, placeholders and a fixed hint: values are parameters.
    template = (
        "SELECT %s, %s FROM %s %s WHERE %s = %%s AND %s = %%s AND %s IN (%s) AND (%s) GROUP BY %s"
    )
    names = (
        quote("source_ip"),
        ", ".join("SUM(%s)" % quote(name) for name in COUNTERS),
        quote(SourceVolume._meta.db_table),
        _hint(connection, IP_INDEX),
        quote("header_from_id"),
        quote("passed"),
        quote("source_ip"),
        ", ".join(["%s"] * len(addresses)),
        units,
        quote("source_ip"),
    )
    sql = template % names
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [Source(str(ip), *(int(value or 0) for value in values)) for ip, *values in rows]


def ranked_sources(domain, period, passed, limit, offset=0):
    """What :func:`grouped_sources` returns, in two queries that read
    less: the rows of the period's units (its whole years, months and days
    left over) summed per source from the ``(domain, scale, start, passed,
    -total, address)`` index alone, which holds the volume and the address
    (no table row is read), ``limit`` addresses from ``offset`` in the
    order of the page; then the other counters of these addresses only
    (:func:`exact_sums`).
    """
    connection = connections[router.db_for_read(SourceVolume)]
    quote = connection.ops.quote_name
    units, unit_params = _units_sql(connection, period)
    # Only quoted names, placeholders and a fixed hint: values are parameters.
    template = (
        "SELECT %s, SUM(%s) AS %s FROM %s %s WHERE %s = %%s AND %s = %%s AND (%s) "
        "GROUP BY %s ORDER BY %s DESC, %s LIMIT %%s OFFSET %%s"
    )
    names = (
        quote("source_ip"),
        quote("total"),
        quote("volume"),
        quote(SourceVolume._meta.db_table),
        _hint(connection, TOP_INDEX),
        quote("header_from_id"),
        quote("passed"),
        units,
        quote("source_ip"),
        quote("volume"),
        quote("source_ip"),
    )
    with connection.cursor() as cursor:
        cursor.execute(template % names, [domain.pk, passed, *unit_params, limit, offset])
        order = [str(ip) for ip, _volume in cursor.fetchall()]
    if not order:
        return []
    found = {source.ip: source for source in exact_sums(domain, period, passed, order)}
    return [found[ip] for ip in order]


def year_parts(period):
    """``period`` cut at the turns of the year: ``[(first, last), ...]``."""
    parts = []
    start = period.start
    while start <= period.end:
        end = min(period.end, datetime.date(start.year, 12, 31))
        parts.append((start, end))
        start = end + datetime.timedelta(days=1)
    return parts


def bounding_unit(first, last):
    """The smallest summary unit (day, month or year; ``(scale, start,
    days)``) that contains the days ``first``..``last`` of one year.
    """
    if first == last:
        return "d", first, 1
    if (first.year, first.month) == (last.year, last.month):
        return "m", first.replace(day=1), _month_end(first).day
    year = datetime.date(first.year, 1, 1)
    return "y", year, (datetime.date(first.year + 1, 1, 1) - year).days


def top_sources(domain, period, passed, limit):
    """The ``limit`` largest sources of the period, exactly as
    :func:`grouped_sources` ranks them, without summing every row when the
    period is made of several summary units (see docs/dmarc.rst):

    - a single unit (a calendar year, a month or a day) is read in the
      order of an index;
    - otherwise each part of the period within one calendar year lies in
      one unit (its day, month or year) whose volumes bound the part's
      from above, read largest first from the same index. Candidates come
      in that order, their exact volumes over the period are summed (by
      address, from an index), and the reading stops when the ``limit``-th
      exact volume is larger than what any source not read yet can reach
      (the sum of the bounds reached in each unit: a threshold algorithm);
    - when the units are much longer than the period (less than
      ``TOP_COVERAGE`` of their days), or after ``TOP_ROUNDS`` readings
      (of 250, 500, 1,000 then 2,000 candidates per unit), the volumes of
      the period's whole years, months and days are summed per source from
      the index alone, then the counters of the ``limit`` first
      (:func:`ranked_sources`, two queries).

    At most ``2 + TOP_ROUNDS * (units + 1)`` queries (a period of at most
    MAX_DAYS days lies in at most 3 calendar years, so 18).
    """
    covering = [(scale, starts) for scale, starts in spans(period).items() if starts]
    rows = SourceVolume.objects.filter(header_from=domain, passed=passed)
    if len(covering) == 1 and len(covering[0][1]) == 1:
        scale, (start,) = covering[0]
        found = rows.filter(scale=scale, start=start).values("source_ip", *COUNTERS)
        found = found.order_by("-total", "source_ip")[:limit]
        return [_source(row.pop("source_ip"), row) for row in found]
    units = [bounding_unit(first, last) for first, last in year_parts(period)]
    if period.days < TOP_COVERAGE * sum(days for _scale, _start, days in units):
        return ranked_sources(domain, period, passed, limit)
    cursors = [
        {"scale": scale, "start": start, "offset": 0, "bound": 0} for scale, start, _days in units
    ]
    exact = {}
    seen = set()
    for size in (TOP_BATCH << rounds for rounds in range(TOP_ROUNDS)):
        fresh = []
        for cursor in cursors:
            if cursor["offset"] is None:
                continue
            batch = list(
                rows.filter(scale=cursor["scale"], start=cursor["start"])
                .order_by("-total", "source_ip")
                .values_list("source_ip", "total")[cursor["offset"] : cursor["offset"] + size]
            )
            if len(batch) < size:
                cursor["offset"] = None
                cursor["bound"] = 0
            else:
                cursor["offset"] += size
                cursor["bound"] = batch[-1][1]
            for ip, _total in batch:
                if ip not in seen:
                    seen.add(ip)
                    fresh.append(ip)
        if fresh:
            for source in exact_sums(domain, period, passed, fresh):
                exact[source.ip] = source
        ranked = sorted(exact.values(), key=_rank)[:limit]
        if all(cursor["offset"] is None for cursor in cursors):
            return ranked
        threshold = sum(cursor["bound"] for cursor in cursors)
        if len(ranked) == limit and ranked[-1].total > threshold:
            return ranked
    return ranked_sources(domain, period, passed, limit)


SOURCES_PER_PAGE = 100
TOP_DEPTH = 1000
MAX_PAGE = 100000
KINDS = {"trusted": True, "threats": False}


def parse_page(value):
    """The page number ``value`` (text, empty for the first page); raise
    PeriodError naming ``page``.
    """
    value = (value or "1").strip()
    if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE:
        raise PeriodError("page", _("Enter a page number between 1 and %d.") % MAX_PAGE)
    return int(value)


def parse_kind(value):
    """``True`` for ``trusted``, ``False`` for ``threats``; else PeriodError."""
    if value not in KINDS:
        raise PeriodError("kind", _("Choose trusted or threats."))
    return KINDS[value]


def sources_page(domain, period, passed, page):
    """Page ``page`` (from 1) of every source of the period, in the order
    of the report page (its first page is the page's list), and whether
    another page follows: the first TOP_DEPTH sources from the threshold
    algorithm, the following ones from the volumes summed per source
    (:func:`ranked_sources`, LIMIT/OFFSET in SQL). At most TOP_QUERIES
    queries.
    """
    offset = (page - 1) * SOURCES_PER_PAGE
    wanted = SOURCES_PER_PAGE + 1
    if offset + wanted <= TOP_DEPTH:
        found = top_sources(domain, period, passed, offset + wanted)[offset:]
    else:
        found = ranked_sources(domain, period, passed, wanted, offset)
    return found[:SOURCES_PER_PAGE], len(found) > SOURCES_PER_PAGE


def group_sources(sources, rlookups=False, resolver=None):
    """``sources`` grouped by organisation (reverse DNS when ``rlookups``)."""
    names = {}
    if rlookups:
        names = reverse_names({source.ip for source in sources}, resolver=resolver)
    return _group(sources, names)


def _any_of(conditions):
    result = Q()
    for condition in conditions:
        result |= condition
    return result


SECOND_LEVEL = {"ac", "co", "com", "edu", "gov", "ne", "net", "or", "org"}


def organisation_domain(hostname):
    """A guess of the organisation's domain of ``hostname``: its last two
    labels, three under a country's second level (``example.co.uk``).
    """
    labels = hostname.rstrip(".").lower().split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def reverse_names(addresses, timeout=RLOOKUP_TIMEOUT, resolver=None):
    """``{address: hostname}`` from PTR records; the look-ups run in
    parallel and all of them give up after ``timeout`` seconds.
    """
    import dns.exception
    import dns.resolver
    import dns.reversename

    from modoboa.admin import dns_checks

    resolver = resolver or dns_checks.get_resolver(timeout)

    def lookup(address):
        try:
            answer = resolver.resolve(dns.reversename.from_address(address), "PTR", search=False)
            return str(answer[0].target).rstrip(".")
        except (dns.exception.DNSException, ValueError, IndexError):
            return ""

    names = {}
    if not addresses:
        return names
    executor = ThreadPoolExecutor(max_workers=RLOOKUP_WORKERS)
    futures = {executor.submit(lookup, address): address for address in addresses}
    done, _pending = wait(futures, timeout=timeout)
    executor.shutdown(wait=False, cancel_futures=True)
    for future in done:
        names[futures[future]] = future.result()
    return names


def _group(sources, names):
    unresolved = _("Unresolved")
    groups = {}
    for source in sources:
        source.hostname = names.get(source.ip, "")
        key = organisation_domain(source.hostname) if source.hostname else unresolved
        groups.setdefault(key, Organisation(key)).sources.append(source)
    return sorted(groups.values(), key=lambda org: (org.name == unresolved, -org.total, org.name))


def summarize(domain, period, rlookups=False, resolver=None):
    """The :class:`Summary` of ``domain`` over ``period``: three queries
    for a single calendar year, month or day, at most MAX_QUERIES otherwise.
    """
    summary = Summary(period=period)
    summary.buckets, summary.bucket = _buckets(domain, period)
    for _day, fully, partially, failed in summary.buckets:
        summary.fully += fully
        summary.partially += partially
        summary.failed += failed
    summary.total = summary.fully + summary.partially + summary.failed
    trusted, summary.trusted_more = _sources(domain, period, True)
    threats, summary.threats_more = _sources(domain, period, False)
    names = {}
    if rlookups:
        names = reverse_names({s.ip for s in trusted + threats}, resolver=resolver)
    summary.trusted = _group(trusted, names)
    summary.threats = _group(threats, names)
    return summary
