"""Cron jobs started at the same moment by several processes (as two panel
nodes sharing the database would start them) do their work once: the lock
is held by the database server (the file beside the database on SQLite),
not by a file in one machine's temporary directory.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from modoboa.admin.models import Quota
from modoboa.core.models import User
from modoboa.lib import cronlock
from modoboa.lib.cronlock import AlreadyRunning, job_lock
from tests.fixtures.mailserver import manage_py_environment

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Takes job_lock(argv[1]) at wall-clock time argv[2], says "held" or
# "busy", and keeps the lock until its standard input closes.
HOLDER = """
import sys, time
import django
django.setup()
from modoboa.lib.cronlock import AlreadyRunning, job_lock
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
try:
    with job_lock(sys.argv[1]):
        print("held", flush=True)
        sys.stdin.readline()
except AlreadyRunning:
    print("busy", flush=True)
"""


def holder(name, start_at=0.0):
    return subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-c", HOLDER, name, str(start_at)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=manage_py_environment(),
        cwd=TOP,
    )


def first_line(process):
    line = process.stdout.readline().strip()
    assert line, process.stderr.read()
    return line


def release(process):
    process.stdin.close()
    assert process.wait(timeout=60) == 0, process.stderr.read()


def test_processes_trying_at_the_same_moment_get_the_lock_once():
    start_at = time.time() + 4  # all have started Django by then
    processes = [holder("race", start_at) for _ in range(4)]
    try:
        answers = sorted(first_line(p) for p in processes)
        assert answers == ["busy", "busy", "busy", "held"]
        # The test process, on its own connection, is refused too.
        with pytest.raises(AlreadyRunning), job_lock("race"):
            pass
    finally:
        for process in processes:
            release(process)
    with job_lock("race"):
        pass


def test_a_killed_holder_does_not_block_the_next_run():
    process = holder("killed")
    assert first_line(process) == "held"
    with pytest.raises(AlreadyRunning), job_lock("killed"):
        pass
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stdin.close()
    deadline = time.monotonic() + 30
    while True:
        try:
            with job_lock("killed"):
                break
        except AlreadyRunning:
            # The server notices the closed connection a moment later.
            assert time.monotonic() < deadline, "the lock outlived its holder"
            time.sleep(0.2)


def test_each_job_has_its_own_lock():
    process = holder("one")
    try:
        assert first_line(process) == "held"
        with job_lock("two"):
            pass
    finally:
        release(process)


def test_the_lock_is_in_the_database_not_in_the_temporary_directory():
    from django.db import connection

    if connection.vendor == "sqlite":
        path = cronlock.lock_path("job")
        assert path == connection.settings_dict["NAME"] + ".job.lock"
    else:
        # A name of its own: other test processes write there meanwhile.
        name = "job%d" % os.getpid()
        directory = tempfile.gettempdir()
        with job_lock(name):
            assert [entry for entry in os.listdir(directory) if name in entry] == []


def run_together(*commands):
    """Start every ``python -m django`` command at once; return their results."""
    env = manage_py_environment()
    processes = [
        subprocess.Popen(  # noqa: S603 - fixed argv
            [sys.executable, "-m", "django", *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=TOP,
        )
        for command in commands
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        results.append((process.returncode, out, err))
    return results


def test_two_nodes_running_clean_inactive_accounts_disable_once(make_domain, make_account):
    make_domain("test.com")
    for index in range(20):
        make_account("old%d@test.com" % index)
    User.objects.filter(username__startswith="old").update(
        last_login=timezone.now() - timedelta(days=365)
    )
    command = ["clean_inactive_accounts", "--silent", "--verbose"]
    results = run_together(command, command)
    assert [code for code, _out, _err in results] == [0, 0], results
    assert not User.objects.filter(username__startswith="old", is_active=True).exists()
    listed = [out for _code, out, _err in results if "20 inactive account(s)" in out]
    assert len(listed) == 1, results


def test_two_nodes_running_repair_fix_once(make_domain, make_account):
    make_domain("test.com")
    for index in range(20):
        make_account("user%d@test.com" % index)
    Quota.objects.filter(username__startswith="user").delete()
    results = run_together(["modo", "repair"], ["modo", "repair"])
    assert [code for code, _out, _err in results] == [0, 0], results
    fixed = [out for _code, out, _err in results if "20 fixed" in out]
    assert len(fixed) == 1, results
    assert Quota.objects.filter(username__startswith="user").count() == 20
