"""Line prefixes and SRS addresses."""

import datetime

import pytest

from modoboa.stats.events import unwind_srs
from modoboa.stats.lines import Dates, parse

UTC = datetime.UTC
NOW = datetime.datetime(2026, 1, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jan  2 09:05:01 mx postfix/smtpd[1]: hi", datetime.datetime(2026, 1, 2, 9, 5, 1)),
        ("Jan 02 09:05:01.123456 mx postfix/smtpd[1]: hi", datetime.datetime(2026, 1, 2, 9, 5, 1)),
        # Read on 2 January, a line of 31 December is from the previous year.
        ("Dec 31 23:59:59 mx postfix/smtpd[1]: hi", datetime.datetime(2025, 12, 31, 23, 59, 59)),
        (
            "2026-01-02T04:05:01.5-05:00 mx postfix/smtpd[1]: hi",
            datetime.datetime(2026, 1, 2, 9, 5, 1),
        ),
        (
            "2026-01-02T10:35:01+01:30 mx postfix/smtpd[1]: hi",
            datetime.datetime(2026, 1, 2, 9, 5, 1),
        ),
        ("2026-01-02T09:05:01Z mx postfix/smtpd[1]: hi", datetime.datetime(2026, 1, 2, 9, 5, 1)),
        (
            "2026-01-02T10:05:01+0100 mx postfix/smtpd[1]: hi",
            datetime.datetime(2026, 1, 2, 9, 5, 1),
        ),
    ],
)
def test_every_prefix_gives_the_utc_date(settings, text, expected):
    settings.TIME_ZONE = "UTC"
    line = parse(text, Dates(NOW))
    assert line.date == expected.replace(tzinfo=UTC)
    assert (line.program, line.subprogram, line.text) == ("postfix", "smtpd", "hi")


def test_classic_lines_are_in_the_instance_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    line = parse("Jan  2 04:05:01 mx postfix/qmgr[2]: x", Dates(NOW))
    assert line.date == datetime.datetime(2026, 1, 2, 9, 5, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "program", "subprogram"),
    [
        # Amavis' own log file ($LOGFILE) writes its path.
        ("Jan  2 04:05:01 mx /usr/sbin/amavisd[24786]: (24786-01) x", "amavisd", ""),
        ("Jan  2 04:05:01 mx amavis[24786]: (24786-01) x", "amavis", ""),
        ("Jan  2 04:05:01 mx postfix/smtp[7]: (24786-01) x", "postfix", "smtp"),
        (
            "Jan  2 04:05:01 mx postfix/submission/smtpd[7]: (24786-01) x",
            "postfix",
            "submission/smtpd",
        ),
    ],
)
def test_the_program_of_a_line(settings, text, program, subprogram):
    settings.TIME_ZONE = "UTC"
    line = parse(text, Dates(NOW))
    assert (line.program, line.subprogram, line.text) == (program, subprogram, "(24786-01) x")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "Foo  2 09:05:01 mx postfix/smtpd[1]: hi",
        "Feb 30 09:05:01 mx postfix/smtpd[1]: hi",
        "2026-02-30T09:05:01Z mx postfix/smtpd[1]: hi",
        "2026-01-02T09:05:01+24:00 mx postfix/smtpd[1]: hi",
        "2026-01-02T09:05:01+01:00 mx",
        "Jan  2 09:05:01 mx postfix/smtpd[1] no colon",
    ],
)
def test_what_is_not_a_log_line_gives_none(text):
    assert parse(text, Dates(NOW)) is None


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("SRS0=HHH=TT=example.org=bob@fwd.test", "bob@example.org"),
        ("SRS0+HHH=TT=example.org=bob=x@fwd.test", "bob=x@example.org"),
        ("SRS1=HHH=first.test==HHH=TT=example.org=bob@fwd.test", "bob@example.org"),
        ("srs0=HHH=TT=example.org=bob@fwd.test", "bob@example.org"),
        ("SRS0=broken@fwd.test", "SRS0=broken@fwd.test"),
        ("SRS1=no-double@fwd.test", "SRS1=no-double@fwd.test"),
        ("plain@example.org", "plain@example.org"),
        ("", ""),
    ],
)
def test_srs_addresses_are_unwound(address, expected):
    assert unwind_srs(address) == expected
