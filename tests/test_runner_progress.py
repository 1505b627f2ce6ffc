"""``scripts/test`` says which engine it runs and how far it is: the
engine's position before its pass, pytest's percentage during it, and a
summary line per engine and overall.
"""

import os
import pathlib
import re
import subprocess
import sys

TOP = pathlib.Path(__file__).resolve().parents[1]


def test_the_runner_shows_the_engine_and_the_progress(tmp_path):
    env = dict(os.environ)
    env.pop("MODOBOA_TEST_DB", None)
    env["MODOBOA_TEST_ARTIFACTS"] = str(tmp_path)
    env["PYTHONPATH"] = str(TOP)
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            str(TOP / "scripts" / "testrunner.py"),
            "--engine",
            "sqlite",
            "--no-lint",
            "-n",
            "1",
            "--",
            "modoboa/core/tests/test_number_formats.py",
            "-k",
            "en or fr or de",
        ],
        cwd=TOP,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[engine 1/1, sqlite] pytest on sqlite" in result.stderr
    # pytest's own progress, in percent, while the pass runs.
    assert re.search(r"\[100%\]", result.stdout)
    done = re.search(
        r"\[engine 1/1, sqlite\] done: sqlite\s+(\d+) tests\s+0 failed", result.stderr
    )
    assert done and int(done.group(1)) >= 3
    assert "Total: %s passed, 0 failed, 0 skipped" % done.group(1) in result.stdout
    assert (tmp_path / "junit-sqlite.xml").is_file()
