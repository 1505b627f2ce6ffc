"""logparser on the fixture logs: formats, counters, message log rows,
incremental reading, rotation and bad input.
"""

import bz2
import datetime
import gzip
import lzma
import os

import pytest
from django.core.management import CommandError, call_command

from modoboa.stats import logparser
from modoboa.stats.models import GLOBAL, HOUR, MINUTE, Counter, LogState, Maillog, QueueEntry

from .conftest import NOW

pytestmark = pytest.mark.django_db

T0 = int(datetime.datetime(2026, 3, 10, 8, 0, tzinfo=datetime.UTC).timestamp())
FORMATS = ["syslog.txt", "maillog_file.txt", "rfc3339_negative.txt", "journal.txt"]
FIELDS = (
    "sent",
    "recv",
    "bounced",
    "reject",
    "spam",
    "virus",
    "greylist",
    "size_sent",
    "size_recv",
)


def totals(scope, step=HOUR):
    result = {name: 0 for name in FIELDS}
    for row in Counter.objects.filter(step=step, domain=scope).values(*FIELDS):
        for name in FIELDS:
            result[name] += row[name]
    return {name: value for name, value in result.items() if value}


def minute(scope, offset):
    row = Counter.objects.get(step=MINUTE, domain=scope, start=T0 + offset)
    return {name: getattr(row, name) for name in FIELDS if getattr(row, name)}


EXPECTED_DOMAIN = {
    "recv": 2,
    "size_recv": 1300,
    "sent": 1,
    "size_sent": 2000,
    "bounced": 1,
    "reject": 1,
    "greylist": 1,
    "spam": 1,
    "virus": 1,
}


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_gives_the_same_counts(hosted, log_copy, name):
    report = logparser.parse_log(str(log_copy(name)), now=NOW)
    assert totals("stats.test") == EXPECTED_DOMAIN
    assert totals("alias-stats.test") == {"recv": 1, "size_recv": 1000}
    assert totals(GLOBAL) == {
        "recv": 3,
        "size_recv": 2300,
        "sent": 1,
        "size_sent": 2000,
        "bounced": 1,
        "reject": 1,
        "greylist": 1,
        "spam": 1,
        "virus": 1,
    }
    # Minutes in UTC whatever the offset of the line (-05:00, +0100, none).
    assert minute("stats.test", 0) == {"recv": 1, "size_recv": 1000}
    assert minute("stats.test", 60) == {"sent": 1, "size_sent": 2000, "bounced": 1}
    assert minute("stats.test", 120) == {"reject": 1, "greylist": 1}
    assert minute("stats.test", 180) == {"spam": 1, "virus": 1}
    assert minute("stats.test", 240) == {"recv": 1, "size_recv": 300}
    assert Counter.objects.filter(step=HOUR, domain="stats.test").get().start == T0
    assert report.unparsable == (1 if name == "journal.txt" else 0)


def test_the_plain_statements_name_the_columns_of_the_models():
    from modoboa.stats.events import MAILLOG_COLUMNS
    from modoboa.stats.models import COUNTERS

    assert logparser.INSERT_MAILLOG.split("(")[1].split(")")[0].split(", ") == list(
        MAILLOG_COLUMNS
    )
    assert logparser.INSERT_COUNTER.split("(")[1].split(")")[0].split(", ") == [
        "step",
        "domain",
        "start",
        *COUNTERS,
    ]
    assert [part.split(" = ")[0] for part in logparser.UPDATE_COUNTER[25:].split(", ")][
        : len(COUNTERS)
    ] == list(COUNTERS)
    columns = {
        model: {f.column for f in model._meta.concrete_fields} for model in (Counter, Maillog)
    }
    assert set(MAILLOG_COLUMNS) <= columns[Maillog]
    assert {"step", "domain", "start", *COUNTERS} <= columns[Counter]


def test_message_log_rows(hosted, log_copy):
    logparser.parse_log(str(log_copy("rfc3339_negative.txt")), now=NOW)
    assert sorted(Maillog.objects.values_list("queue_id", "rcpt", "status")) == [
        ("", "nobody@stats.test", "rejected"),
        ("", "user@stats.test", "greylisted"),
        ("A1B2C3D4E5", "user@stats.test", "sent"),
        ("A1B2C3D4E5", "user@stats.test", "sent"),
        ("A7B8C9D0E1", "user@stats.test", "sent"),
        ("B2C3D4E5F6", "far@outside.test", "sent"),
        ("B2C3D4E5F6", "ghost@outside.test", "bounced"),
        ("E5F6A7B8C9", "user@stats.test", "sent"),
    ]
    delivered = Maillog.objects.filter(queue_id="A1B2C3D4E5").order_by("id")
    assert [(r.rcpt, r.original_rcpt, r.sender, r.size) for r in delivered] == [
        ("user@stats.test", "", "stranger@outside.test", 1000),
        ("user@stats.test", "user@alias-stats.test", "stranger@outside.test", 1000),
    ]
    assert delivered[1].to_domain == "alias-stats.test"
    assert delivered[0].date == datetime.datetime(2026, 3, 10, 8, 0, 3, tzinfo=datetime.UTC)
    bounce = Maillog.objects.get(status="bounced")
    assert bounce.queue_id == "B2C3D4E5F6"
    assert bounce.sender == "user@stats.test" and bounce.from_domain == "stats.test"
    assert bounce.relay == "mx.outside.test[192.0.2.20]:25"
    assert "550 5.1.1 <ghost@outside.test>: User unknown" in bounce.answer
    srs = Maillog.objects.get(queue_id="E5F6A7B8C9")
    assert srs.sender == "bob@example.org"
    reject = Maillog.objects.get(status="rejected")
    assert reject.queue_id == "" and reject.sender == "stranger@outside.test"
    assert reject.answer.startswith("550 5.1.1 <nobody@stats.test>: Recipient address rejected")
    # The probe of address verification is no delivery; the hand-over to
    # the content filter is logged but not counted.
    assert not Maillog.objects.filter(queue_id="F6A7B8C9D0").exists()
    assert Maillog.objects.filter(queue_id="A7B8C9D0E1").count() == 1
    # Only the probe, never logged as removed, stays in the queue.
    assert list(QueueEntry.objects.values_list("queue_id", flat=True)) == ["F6A7B8C9D0"]


def test_a_second_run_counts_nothing_twice(hosted, log_copy):
    path = str(log_copy("syslog.txt"))
    logparser.parse_log(path, now=NOW)
    before = (totals("stats.test"), totals(GLOBAL, MINUTE), Maillog.objects.count())
    report = logparser.parse_log(path, now=NOW)
    assert report.lines == 0
    assert (totals("stats.test"), totals(GLOBAL, MINUTE), Maillog.objects.count()) == before


def split(path, at):
    """The file cut after its ``at``-th line: (first part, rest)."""
    lines = path.read_bytes().splitlines(keepends=True)
    return b"".join(lines[:at]), b"".join(lines[at:])


def test_lines_appended_later_are_read_once_even_a_half_written_one(hosted, log_copy):
    path = log_copy("maillog_file.txt")
    first, rest = split(path, 8)
    # A run happens while Postfix is half-way through a line.
    path.write_bytes(first + rest[:40])
    logparser.parse_log(str(path), now=NOW)
    assert LogState.objects.get().offset == len(first)
    with open(path, "ab") as handle:
        handle.write(rest[40:])
    logparser.parse_log(str(path), now=NOW)
    assert totals("stats.test") == EXPECTED_DOMAIN
    assert Maillog.objects.count() == 8


@pytest.mark.parametrize("rotated_name", ["mail.log.1", "mail.log-20260311"])
def test_rotation_mid_way_loses_nothing(hosted, log_copy, rotated_name):
    path = log_copy("syslog.txt")
    first, rest = split(path, 9)
    middle, last = rest[: len(rest) // 2], rest[len(rest) // 2 :]
    middle, tail = middle.rsplit(b"\n", 1)[0] + b"\n", middle.rsplit(b"\n", 1)[1]
    last = tail + last
    path.write_bytes(first)
    logparser.parse_log(str(path), now=NOW)
    # Postfix writes more, then logrotate moves the file away and a new
    # one starts; the queue entry of a message spans both files.
    with open(path, "ab") as handle:
        handle.write(middle)
    os.rename(path, path.parent / rotated_name)
    (path.parent / "mail.log.2.gz").write_bytes(b"\x1f\x8b compressed, never read")
    path.write_bytes(last)
    report = logparser.parse_log(str(path), now=NOW)
    assert any("rotated" in note for note in report.notes)
    assert totals("stats.test") == EXPECTED_DOMAIN
    assert Maillog.objects.count() == 8
    logparser.parse_log(str(path), now=NOW)
    assert totals("stats.test") == EXPECTED_DOMAIN


@pytest.mark.parametrize(
    ("suffix", "opener"),
    [(".20260311-080000.gz", gzip.open), (".1.bz2", bz2.open), (".1.xz", lzma.open)],
)
def test_a_rotated_file_compressed_at_once_is_read_to_its_end(hosted, log_copy, suffix, opener):
    # "postfix logrotate" renames maillog_file and compresses it at once.
    path = log_copy("maillog_file.txt")
    first, rest = split(path, 10)
    middle, last = split_at_line(rest)
    path.write_bytes(first)
    logparser.parse_log(str(path), now=NOW)
    with opener(str(path) + suffix, "wb") as handle:
        handle.write(first + middle)
    (path.parent / "mail.log.7.gz").write_bytes(b"\x1f\x8b not really gzip")
    path.unlink()
    path.write_bytes(last)
    report = logparser.parse_log(str(path), now=NOW)
    assert any("reading the rest of" in note for note in report.notes)
    assert totals("stats.test") == EXPECTED_DOMAIN
    assert Maillog.objects.count() == 8


def test_a_rotated_file_that_cannot_be_read_is_reported(hosted, log_copy):
    path = log_copy("maillog_file.txt")
    first, rest = split(path, 10)
    path.write_bytes(first)
    logparser.parse_log(str(path), now=NOW)
    # A gzip stream cut short: its first line is there, the rest is not.
    with gzip.open(str(path) + ".1.gz", "wb") as handle:
        handle.write(first + rest)
    data = (path.parent / "mail.log.1.gz").read_bytes()
    (path.parent / "mail.log.1.gz").write_bytes(data[: len(data) // 2])
    path.unlink()
    path.write_bytes(b"")
    report = logparser.parse_log(str(path), now=NOW)
    assert any("cannot read the log file" in note for note in report.notes)
    assert totals("stats.test")["recv"] >= 1


def split_at_line(data):
    """``data`` cut at the line boundary nearest its middle."""
    cut = data.rfind(b"\n", 0, len(data) // 2) + 1
    return data[:cut], data[cut:]


def test_a_file_truncated_in_place_is_read_again_from_its_start(hosted, log_copy):
    path = log_copy("syslog.txt")
    first, rest = split(path, 12)
    path.write_bytes(first)
    logparser.parse_log(str(path), now=NOW)
    # copytruncate: the old content is copied, the file emptied and reused.
    (path.parent / "mail.log.1").write_bytes(first + rest[:0])
    path.write_bytes(rest)
    logparser.parse_log(str(path), now=NOW)
    assert totals("stats.test") == EXPECTED_DOMAIN


def test_bad_lines_are_skipped_and_counted(hosted, log_copy, capsys):
    path = log_copy("garbage.txt")
    report = logparser.parse_log(str(path), now=NOW)
    assert report.lines == 14
    assert report.unparsable == 6
    assert totals("stats.test") == {"sent": 2, "size_sent": 200}
    assert totals(GLOBAL) == {"sent": 2, "size_sent": 200, "reject": 1}
    # The clock went back one minute: that line counts in its own minute.
    assert minute("stats.test", -60) == {"sent": 1, "size_sent": 100}
    assert minute("stats.test", 0) == {"sent": 1, "size_sent": 100}


def test_an_endless_line_is_skipped_and_what_follows_is_read(hosted, log_copy):
    path = log_copy("syslog.txt")
    content = path.read_bytes()
    path.write_bytes(b"x" * (3 << 20) + b"\n" + content)
    report = logparser.parse_log(str(path), now=NOW)
    assert totals("stats.test") == EXPECTED_DOMAIN
    # Skipped in pieces (one per block read), never kept whole in memory.
    assert report.unparsable == 4 and report.used == 20


def test_the_command_reports_in_verbose_mode(hosted, log_copy, capsys):
    path = log_copy("garbage.txt")
    call_command("logparser", logfile=str(path), verbose=True)
    output = capsys.readouterr().out
    assert "14 lines read" in output and "6 not log lines (skipped)" in output


def test_a_missing_log_file_is_a_clear_error_and_changes_nothing(hosted, tmp_path, unchanged):
    with (
        unchanged(),
        pytest.raises(CommandError, match="the log file .*missing.log does not exist"),
    ):
        call_command("logparser", logfile=str(tmp_path / "missing.log"))


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("{tmp}", "is not a regular file"),
        ("/dev/zero", "is not a regular file"),
        ("{tmp}/" + "x" * 300, "too long"),
    ],
)
def test_what_is_not_a_log_file_is_a_clear_error(hosted, tmp_path, unchanged, path, message):
    with unchanged(), pytest.raises(CommandError, match=message):
        call_command("logparser", logfile=path.format(tmp=tmp_path))


def test_an_unreadable_log_file_is_a_clear_error(hosted, log_copy, monkeypatch):
    path = log_copy("syslog.txt")
    real_open = open

    def refusing_open(name, *args, **kwargs):
        if str(name) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(name, *args, **kwargs)

    # The tests run as root, whom file modes do not stop.
    monkeypatch.setattr("builtins.open", refusing_open)
    with pytest.raises(CommandError, match="cannot read the log file .*: Permission denied"):
        call_command("logparser", logfile=str(path))


def test_the_logfile_parameter_is_the_default(hosted, log_copy):
    from modoboa.parameters import tools as param_tools

    path = log_copy("journal.txt")
    param_tools.set_global_parameter("logfile", str(path), app="modoboa_stats")
    param_tools.set_global_parameter("message_log_retention", 3650, app="modoboa_stats")
    call_command("logparser")
    assert LogState.objects.get().path == str(path)
    assert Maillog.objects.count() == 8


def test_old_message_log_rows_are_purged(hosted, log_copy):
    logparser.parse_log(str(log_copy("journal.txt")), now=NOW)
    logparser.purge(30, now=NOW + datetime.timedelta(days=1))
    assert Maillog.objects.count() == 8
    assert Counter.objects.filter(step=MINUTE).exists()
    # Minute counters live eight days, the message log its parameter's days.
    logparser.purge(30, now=NOW + datetime.timedelta(days=28))
    assert Maillog.objects.count() == 8
    assert not Counter.objects.filter(step=MINUTE).exists()
    logparser.purge(30, now=NOW + datetime.timedelta(days=31))
    assert Maillog.objects.count() == 0
    assert not Counter.objects.filter(step=MINUTE).exists()
    assert totals("stats.test") == EXPECTED_DOMAIN


def test_a_running_parser_blocks_a_second_one(hosted, log_copy, capsys):
    from modoboa.lib.cronlock import job_lock

    path = log_copy("journal.txt")
    with job_lock("logparser"):
        call_command("logparser", logfile=str(path), verbosity=2)
    assert (
        "logparser: another run holds its lock (on this node or another one); nothing done."
        in capsys.readouterr().err
    )
    assert not Maillog.objects.exists()
