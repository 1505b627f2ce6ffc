"""A takeover killed at any step completes when ``migrate`` runs again,
with the same schema and rows as an uninterrupted run."""

import os
import re
import signal
import subprocess

import pytest

from .databases import TOP
from .test_migrate_110 import assert_rows_kept, snapshot

pytestmark = pytest.mark.engines("sqlite", "postgresql")


def kill_at(database, pattern, *command):
    """Run ``command`` (migrate by default) and kill it (SIGKILL) once it
    prints ``pattern``."""
    env = database.environment()
    env["PYTHONUNBUFFERED"] = "1"
    process = subprocess.Popen(
        database.command(*(command or ("migrate", "--no-input", "-v", "2"))),
        cwd=TOP,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen = []
    for line in process.stdout:
        seen.append(line)
        if re.search(pattern, line):
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=300)
    process.stdout.close()
    assert process.returncode == -signal.SIGKILL, "".join(seen)


@pytest.mark.parametrize(
    "step",
    [
        "Applying Django's migrations 1.10 did not have",
        "Migration history of Modoboa 1.10 recorded",
        "Rebuilding table|ALTER TABLE",
    ],
)
def test_a_killed_takeover_completes_when_run_again(make_database, fresh_schema, step):
    database = make_database().load_110_fixture()
    before = snapshot(database)

    kill_at(database, step)
    result = database.manage("migrate", "--no-input")

    assert result.returncode == 0, result.stderr
    assert database.schema() == fresh_schema
    assert_rows_kept(before, database)
