"""The cron jobs of the demonstration instance (run by ``scripts/serve``).

Reads the crontab that docs/cron.rst tells postmasters to install, and runs
each job when its schedule says so, as cron would, so that the demo's state
(DNS checks, DKIM keys, mailbox operations, and the jobs of the extensions)
moves as it does in production. Every job runs once at start-up too. The
output of the jobs goes to ``<instance>/jobs.log``.

Usage: demo_jobs.py --python PYTHON --instance DIR [--once]
"""

import argparse
import datetime
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

TOP = Path(__file__).resolve().parents[1]
CRON_PAGE = TOP / "docs" / "cron.rst"
CRON_LINE = re.compile(
    r"^\s*(?P<schedule>(?:\S+\s+){5})(?P<user>\S+)\s+\$PYTHON \$INSTANCE/manage\.py "
    r"(?P<command>.+)$"
)
# Bounds of the five fields: minute, hour, day of month, month, day of week.
FIELDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))


def field_values(text, low, high):
    """The values a crontab field (``*``, ``*/5``, ``1,15``, ``1-5``) allows."""
    values = set()
    for part in text.split(","):
        part, _slash, step = part.partition("/")
        step = int(step) if step else 1
        if part == "*":
            start, end = low, high
        elif "-" in part:
            start, end = (int(v) for v in part.split("-"))
        else:
            start = end = int(part)
        values.update(range(start, end + 1, step))
    return values


def is_due(schedule, moment):
    """Tell whether a five-field ``schedule`` matches ``moment`` (a minute)."""
    fields = schedule.split()
    current = (
        moment.minute,
        moment.hour,
        moment.day,
        moment.month,
        moment.isoweekday() % 7,
    )
    return all(
        value in field_values(text, low, high)
        for text, (low, high), value in zip(fields, FIELDS, current, strict=True)
    )


def documented_jobs(page=CRON_PAGE):
    """``[(schedule, manage.py arguments)]`` of the page's crontab."""
    jobs = []
    for line in page.read_text().splitlines():
        match = CRON_LINE.match(line)
        if match:
            command = match.group("command").replace("&> /dev/null", "")
            jobs.append((match.group("schedule").strip(), shlex.split(command)))
    return jobs


def run_job(python, instance, arguments, log):
    """Run ``manage.py arguments`` of ``instance``, output to ``log``."""
    log.write("%s manage.py %s\n" % (datetime.datetime.now().isoformat(), " ".join(arguments)))
    log.flush()
    subprocess.run(  # noqa: S603 - arguments from our own docs page
        [python, os.path.join(instance, "manage.py"), *arguments],
        cwd=instance,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        timeout=600,
        check=False,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", required=True)
    parser.add_argument("--instance", required=True)
    parser.add_argument("--once", action="store_true", help="run every job once and stop")
    args = parser.parse_args(argv)
    jobs = documented_jobs()
    with open(os.path.join(args.instance, "jobs.log"), "a", encoding="utf-8") as log:
        for _schedule, arguments in jobs:
            run_job(args.python, args.instance, arguments, log)
        while not args.once:
            # Sleep to the start of the next minute, then run what is due.
            time.sleep(60 - time.time() % 60)
            moment = datetime.datetime.now()
            for schedule, arguments in jobs:
                if is_due(schedule, moment):
                    run_job(args.python, args.instance, arguments, log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
