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
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field

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
    more): a single year, month or day is read in the order of an index;
    several are summed per source first.
    """
    rows = SourceVolume.objects.filter(header_from=domain, passed=passed)
    covering = [(scale, starts) for scale, starts in spans(period).items() if starts]
    if len(covering) == 1 and len(covering[0][1]) == 1:
        scale, (start,) = covering[0]
        rows = rows.filter(scale=scale, start=start).values("source_ip", *COUNTERS)
    else:
        rows = (
            rows.filter(_any_of(Q(scale=scale, start__in=starts) for scale, starts in covering))
            .values("source_ip")
            .annotate(**{name: Sum(name) for name in COUNTERS})
        )
    found = list(rows.order_by("-total", "source_ip")[: MAX_SOURCES + 1])
    return [
        Source(ip=row.pop("source_ip"), **{k: v or 0 for k, v in row.items()})
        for row in found[:MAX_SOURCES]
    ], len(found) > MAX_SOURCES


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
    """The :class:`Summary` of ``domain`` over ``period`` (three queries)."""
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
