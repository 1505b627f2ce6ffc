"""The demonstration instance runs the documented cron jobs on schedule."""

import datetime
import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "demo_jobs.py"
spec = importlib.util.spec_from_file_location("demo_jobs", SCRIPT)
demo_jobs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(demo_jobs)


@pytest.mark.parametrize(
    "schedule, moment, due",
    [
        ("* * * * *", (2026, 12, 5, 9, 41), True),
        ("*/5 * * * *", (2026, 12, 5, 9, 40), True),
        ("*/5 * * * *", (2026, 12, 5, 9, 41), False),
        ("*/30 * * * *", (2026, 12, 5, 9, 30), True),
        ("0 0 * * *", (2026, 12, 5, 0, 0), True),
        ("0 0 * * *", (2026, 12, 5, 0, 1), False),
        ("0 * * * *", (2026, 12, 5, 13, 0), True),
        ("0 12 * * 1-5", (2026, 12, 5, 12, 0), False),  # a Saturday
        ("0 12 * * 6,0", (2026, 12, 6, 12, 0), True),  # a Sunday
    ],
)
def test_schedules_match_as_cron_matches_them(schedule, moment, due):
    assert demo_jobs.is_due(schedule, datetime.datetime(*moment)) is due


def test_the_jobs_are_those_of_the_documented_crontab():
    jobs = demo_jobs.documented_jobs()
    commands = [arguments[1] if arguments[0] == "modo" else arguments[0] for _s, arguments in jobs]
    for name in ("handle_mailbox_operations", "check_mx", "manage_dkim_keys", "cleanlogs"):
        assert name in commands
    assert ("*/30 * * * *", ["modo", "check_mx"]) in jobs


def test_once_runs_every_job_against_the_instance(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    # A manage.py that records what it was asked to do.
    (instance / "manage.py").write_text(
        "import sys\nopen('calls', 'a').write(' '.join(sys.argv[1:]) + '\\n')\n"
    )
    import sys

    assert demo_jobs.main(["--python", sys.executable, "--instance", str(instance), "--once"]) == 0
    calls = (instance / "calls").read_text().splitlines()
    assert calls == [" ".join(arguments) for _s, arguments in demo_jobs.documented_jobs()]
    assert "manage.py modo check_mx" in (instance / "jobs.log").read_text()
