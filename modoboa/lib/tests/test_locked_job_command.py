"""``LockedJobCommand``: the one way a cron job takes its lock."""

import importlib
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands, load_command_class

from modoboa.admin.management.commands.modo import find_subcommands
from modoboa.core import jobs
from modoboa.lib.cronlock import LockedJobCommand, job_lock, skipped

DOCS = Path(__file__).resolve().parents[3] / "docs"
CRON_LINE = re.compile(r"^\s*(?:\S+\s+){5}\S+\s+\$PYTHON \$INSTANCE/manage\.py (?P<command>.+)$")
# Django's own job: it deletes expired sessions, harmless twice at once.
NOT_OURS = {"clearsessions"}


class Job(LockedJobCommand):
    job_name = "test_locked_job"

    def run_job(self, *args, **options):
        return options["verbosity"] * 10

    def job_done(self, result, **options):
        self.stdout.write("job done: %d" % result)


def run(command, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_job_without_a_name_is_refused():
    with pytest.raises(TypeError, match="Nameless: a locked job needs a job_name"):
        type("Nameless", (LockedJobCommand,), {})


@pytest.mark.django_db
def test_the_job_runs_then_reports_after_the_lock():
    assert run(Job(), "-v", "2") == ("job done: 20\n", "")


@pytest.mark.django_db
def test_a_held_lock_skips_the_job_quietly_unless_verbose():
    with job_lock("test_locked_job"):
        assert run(Job()) == ("", "")
        assert run(Job(), "-v", "2") == ("", skipped("test_locked_job") + "\n")


def cron_commands():
    """The commands of every cron line of the docs, and the jobs the
    dashboard expects: ``(name, Command class)``.
    """
    commands, subcommands = get_commands(), find_subcommands()
    # The dashboard's names of ``modo`` subcommands are bare.
    names = {
        "modo " + name if name not in commands and name in subcommands else name
        for name in jobs.SCHEDULE
    }
    for page in sorted(DOCS.glob("*.rst")):
        for line in page.read_text().splitlines():
            match = CRON_LINE.match(line)
            if match:
                words = match.group("command").split()
                names.add("modo " + words[1] if words[0] == "modo" else words[0])
    found = []
    for name in sorted(names - NOT_OURS):
        if name.startswith("modo "):
            module = importlib.import_module(subcommands[name[5:]])
            found.append((name, module.Command))
        else:
            found.append((name, type(load_command_class(commands[name], name))))
    return found


def test_every_cron_job_is_a_locked_job_named_after_its_command():
    found = cron_commands()
    assert len(found) >= 15, found
    for name, command in found:
        assert issubclass(command, LockedJobCommand), name
        assert command.job_name == name.split()[-1], name
