"""The documentation builds without a warning (what ``tox -e doc`` runs)."""

import os
import subprocess
import sys

import pytest

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs")


# The build does not touch the database: once per run is enough.
@pytest.mark.engines("sqlite")
def test_sphinx_builds_the_documentation_without_warnings(tmp_path):
    result = subprocess.run(  # noqa: S603 - fixed argv
        [
            sys.executable,
            "-m",
            "sphinx",
            "-q",
            "-E",
            "-W",
            "--keep-going",
            "-b",
            "html",
            "-d",
            str(tmp_path / "doctrees"),
            DOCS,
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    index = (tmp_path / "html" / "index.html").read_text()
    assert "Installation" in index
    assert (tmp_path / "html" / "deployment.html").exists()
