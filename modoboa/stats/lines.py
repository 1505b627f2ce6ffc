"""Split one log line into its date, program and message.

Accepted prefixes:

- classic syslog and Postfix's ``maillog_file``: ``Dec  5 09:47:35`` or
  ``Dec 05 09:47:35.123456`` (no year, no zone: the instance's TIME_ZONE;
  the year is the current one, or the previous one when that would put the
  line more than a day in the future);
- RFC 3339 (rsyslog's high precision format):
  ``2026-12-05T09:47:35.123456+01:00``, ``-05:00`` or ``Z``;
- ``journalctl -o short-iso``: ``2026-12-05T09:47:35+0100``.

Then ``host program[/subprogram][[pid]]: message`` (``program`` may be a
path: its last component is kept).
"""

import datetime
import re
import zoneinfo

from django.conf import settings

MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}

CLASSIC = re.compile(
    r"(?P<month>[A-Z][a-z]{2}) {1,2}(?P<day>\d{1,2}) "
    r"(?P<hour>\d\d):(?P<minute>\d\d):(?P<second>\d\d)(?:\.\d{1,9})? "
)
ISO = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d\d)-(?P<day>\d\d)[T ]"
    r"(?P<hour>\d\d):(?P<minute>\d\d):(?P<second>\d\d)(?:[.,]\d{1,9})?"
    r"(?P<zone>Z|[+-]\d\d:?\d\d) "
)
# A program written as its path (Amavis' own log file: ``$LOGFILE`` lines
# read ``/usr/sbin/amavisd[1234]:``) is named by its last component.
REST = re.compile(
    r"(?P<host>\S+) (?:/(?:[A-Za-z0-9_.-]+/)*)?(?P<program>[A-Za-z0-9_.-]+)"
    r"(?:/(?P<subprogram>[A-Za-z0-9_./-]+))?"
    r"(?:\[\d+\])?: (?P<text>.*)"
)


class Line:
    """A parsed line: ``date`` (aware, UTC), ``program``, ``subprogram``
    (``smtpd`` in ``postfix/smtpd``) and ``text``.
    """

    __slots__ = ("date", "program", "subprogram", "text")

    def __init__(self, date, program, subprogram, text):
        self.date = date
        self.program = program
        self.subprogram = subprogram
        self.text = text


class Dates:
    """Turn the date fields of a line into an aware UTC datetime."""

    def __init__(self, now=None):
        self.zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.now = now or datetime.datetime.now(datetime.UTC)
        self._offsets = {}
        self.last_stamp = self.last_date = None

    def classic(self, match):
        month = MONTHS.get(match["month"])
        if month is None:
            return None
        local_now = self.now.astimezone(self.zone)
        year = local_now.year
        try:
            value = datetime.datetime(
                year,
                month,
                int(match["day"]),
                int(match["hour"]),
                int(match["minute"]),
                int(match["second"]),
                tzinfo=self.zone,
            )
        except ValueError:
            # 29 February of a year that has none: the line is from the
            # previous leap year, or garbage.
            try:
                value = datetime.datetime(
                    year - 1,
                    month,
                    int(match["day"]),
                    int(match["hour"]),
                    int(match["minute"]),
                    int(match["second"]),
                    tzinfo=self.zone,
                )
            except ValueError:
                return None
        if value - local_now > datetime.timedelta(days=1):
            # December's lines read in January.
            try:
                value = value.replace(year=year - 1)
            except ValueError:
                return None
        return value.astimezone(datetime.UTC)

    def iso(self, match):
        zone = match["zone"]
        offset = self._offsets.get(zone)
        if offset is None:
            if zone == "Z":
                offset = datetime.UTC
            else:
                digits = zone[1:].replace(":", "")
                hours, minutes = int(digits[:2]), int(digits[2:])
                if hours > 23 or minutes > 59:
                    return None
                delta = datetime.timedelta(hours=hours, minutes=minutes)
                offset = datetime.timezone(-delta if zone[0] == "-" else delta)
            self._offsets[zone] = offset
        try:
            value = datetime.datetime(
                int(match["year"]),
                int(match["month"]),
                int(match["day"]),
                int(match["hour"]),
                int(match["minute"]),
                int(match["second"]),
                tzinfo=offset,
            )
        except ValueError:
            return None
        return value.astimezone(datetime.UTC)


def parse(text, dates):
    """Return the :class:`Line` of ``text``, or None when it is not a log
    line of a known format.
    """
    match = ISO.match(text)
    convert = dates.iso
    if match is None:
        match = CLASSIC.match(text)
        if match is None:
            return None
        convert = dates.classic
    # Consecutive lines often share their date: convert it once.
    stamp = match.group()
    if stamp == dates.last_stamp:
        date = dates.last_date
    else:
        date = convert(match)
        dates.last_stamp, dates.last_date = stamp, date
    if date is None:
        return None
    rest = REST.fullmatch(text, match.end())
    if rest is None:
        return None
    return Line(date, rest["program"], rest["subprogram"] or "", rest["text"])
