"""Upstream ``modoboa`` from PyPI, in its own virtualenv under bench/.cache.

``ensure()`` installs it on first use (2.12.0, its latest release, installs
on Python 3.11 once Debian's ``librrd-dev`` is there for ``rrdtool``), then
creates an instance with upstream's own ``deploy`` command. Nothing of it is
committed: bench/.cache is ignored by git.
"""

import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, ".cache")
VENV = os.path.join(CACHE, "upstream-venv")
VERSION = os.environ.get("BENCH_UPSTREAM_VERSION", "2.12.0")
INSTANCE = "upstream_instance"
# The MariaDB driver, at the version of our requirements.txt.
DRIVERS = ["mysqlclient==2.3.2"]
DEBIAN_PACKAGES = ["librrd-dev", "pkg-config", "libldap2-dev", "libsasl2-dev", "redis-server"]


def python():
    return os.path.join(VENV, "bin", "python")


def instance_dir():
    return os.path.join(CACHE, INSTANCE)


def manage_py():
    return os.path.join(instance_dir(), "manage.py")


def _installed_version():
    if not os.path.exists(python()):
        return None
    done = subprocess.run(
        [python(), "-c", "import importlib.metadata as m; print(m.version('modoboa'))"],
        capture_output=True,
        text=True,
        # Not from the repository: its modoboa.egg-info would answer.
        cwd=CACHE,
    )
    return done.stdout.strip() if done.returncode == 0 else None


def _debian_packages(log):
    missing = [
        name
        for name in DEBIAN_PACKAGES
        if subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True
        ).stdout.find("install ok installed")
        < 0
    ]
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing Debian packages %s" % " ".join(missing))
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-q"], env=env, check=False, capture_output=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends"] + missing,
            env=env,
            check=True,
            capture_output=True,
        )


def _has_mysql_driver():
    done = subprocess.run([python(), "-c", "import MySQLdb"], capture_output=True, cwd=CACHE)
    return done.returncode == 0


def ensure(redis_url, log=print):
    """Install upstream and deploy its instance if not done yet."""
    os.makedirs(CACHE, exist_ok=True)
    if _installed_version() != VERSION:
        _debian_packages(log)
        if not os.path.exists(python()):
            subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        log("pip install modoboa==%s (several minutes the first time)" % VERSION)
        subprocess.run(
            [
                python(),
                "-m",
                "pip",
                "install",
                "-q",
                "modoboa==%s" % VERSION,
                "psycopg2-binary",
                "dj-database-url",
            ]
            + DRIVERS,
            check=True,
        )
        shutil.rmtree(instance_dir(), ignore_errors=True)
    elif not _has_mysql_driver():
        # Venvs made before the MariaDB plans were added lack it.
        log("pip install %s into upstream's virtualenv" % " ".join(DRIVERS))
        subprocess.run([python(), "-m", "pip", "install", "-q"] + DRIVERS, check=True)
    if not os.path.exists(manage_py()):
        log("deploying the upstream instance")
        template = os.path.join(CACHE, "upstream-template.sqlite3")
        if os.path.exists(template):
            os.remove(template)
        env = dict(os.environ, PATH=os.path.dirname(python()) + os.pathsep + os.environ["PATH"])
        subprocess.run(
            [
                os.path.join(VENV, "bin", "modoboa-admin.py"),
                "deploy",
                INSTANCE,
                "--dburl",
                "default:sqlite:///" + template,
                "--domain",
                "localhost",
                "--dont-install-extensions",
                "--admin-username",
                "admin",
                "--redisurl",
                redis_url,
            ],
            cwd=CACHE,
            env=env,
            check=True,
            capture_output=True,
        )
