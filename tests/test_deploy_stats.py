"""An instance deployed with 1.10's name of the statistics extension has
its tables, its commands and its pages.
"""

import os
import shutil

import pytest

from tests.test_deploy import TOP, deploy, manage

pytestmark = pytest.mark.engines("sqlite")

LOG = os.path.join(TOP, "modoboa", "stats", "tests", "logs", "journal.txt")


def test_deploy_with_modoboa_stats_gives_the_commands_and_pages(tmp_path):
    workdir = str(tmp_path)
    env = dict(os.environ, PYTHONPATH=TOP)
    result = deploy(
        workdir,
        "instance",
        "--devel",
        "--domain",
        "localhost",
        "--dont-install-extensions",
        "--extensions",
        "modoboa_stats",
        "--dburl",
        "default:sqlite:///%s/db.sqlite" % workdir,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    instance = os.path.join(workdir, "instance")
    log = tmp_path / "mail.log"
    shutil.copyfile(LOG, log)
    parsed = manage(instance, "logparser", "--logfile", str(log), "--verbose", env=env)
    assert parsed.returncode == 0, parsed.stderr
    assert "28 lines read: 20 used" in parsed.stdout
    again = manage(instance, "logparser", "--logfile", str(log), "--verbose", env=env)
    assert "0 lines read" in again.stdout
    missing = manage(instance, "logparser", "--logfile", str(tmp_path / "none"), env=env)
    assert missing.returncode == 1
    assert "does not exist" in missing.stderr and "Traceback" not in missing.stderr
    assert manage(instance, "update_statistics", env=env).returncode == 0
    script = (
        "from django.test import Client;"
        "from modoboa.core.models import User;"
        "c = Client(HTTP_HOST='localhost'); c.force_login(User.objects.get(username='admin'));"
        "print(c.get('/stats/').status_code, c.get('/stats/maillog/').status_code);"
        "print(c.get('/api/v1/maillog/').status_code)"
    )
    shell = manage(instance, "shell", "--no-imports", "-c", script, env=env)
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.splitlines() == ["200 200", "200"]
