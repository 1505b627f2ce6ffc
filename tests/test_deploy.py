"""``modoboa-admin.py deploy`` and the installed package, end to end.

Each test runs the real command in a subprocess and inspects the instance it
writes. They run once (on the SQLite pass of the suite); the PostgreSQL and
MariaDB deployments use the throwaway servers the test runner started.
"""

import glob
import os
import re
import secrets
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from urllib.parse import urlsplit

import pytest
from django.test import override_settings

from modoboa.core import settings_defaults

pytestmark = pytest.mark.engines("sqlite")

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADMIN_SCRIPT = os.path.join(os.path.dirname(sys.executable), "modoboa-admin.py")


def instance_environment(env=None):
    """The environment of a command an administrator runs: none of the
    test process's settings (the browser fixture allows async-unsafe
    calls for the whole session, which a production check rightly refuses).
    """
    env = dict(env or os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def deploy(cwd, *args, env=None):
    return subprocess.run(
        [ADMIN_SCRIPT, "deploy", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=instance_environment(env),
        timeout=600,
        check=False,
    )


def manage(instance_dir, *args, env=None):
    env = instance_environment(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=instance_dir,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def server_url(variable):
    url = os.environ.get(variable)
    if not url:
        if os.environ.get("MODOBOA_REQUIRE_DAEMONS") == "1":
            pytest.fail("%s is not set: the test runner starts the servers" % variable)
        pytest.skip("%s is not set (run through scripts/test)" % variable)
    return url


def fresh_database(url):
    """Create an empty database on the server of ``url``; return its URL."""
    parts = urlsplit(url)
    name = "deploy_%s" % secrets.token_hex(4)
    if parts.scheme.startswith("postgres"):
        import psycopg2

        connection = psycopg2.connect(
            dbname=parts.path.lstrip("/"),
            user=parts.username,
            password=parts.password,
            host=parts.hostname,
            port=parts.port,
        )
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("CREATE DATABASE %s" % name)
    else:
        import MySQLdb

        connection = MySQLdb.connect(
            user=parts.username,
            password=parts.password,
            host=parts.hostname,
            port=parts.port,
        )
        with connection.cursor() as cursor:
            cursor.execute("CREATE DATABASE %s CHARACTER SET utf8mb4" % name)
    connection.close()
    return "%s://%s/%s" % (parts.scheme, parts.netloc, name)


@pytest.fixture
def workdir(tmp_path):
    return str(tmp_path)


def test_help_deploy_lists_every_upstream_option():
    result = subprocess.run(
        [ADMIN_SCRIPT, "help", "deploy"], capture_output=True, text=True, check=True
    )
    for option in (
        "--collectstatic",
        "--dburl",
        "--domain",
        "--lang",
        "--timezone",
        "--devel",
        "--extensions",
        "--dont-install-extensions",
        "--admin-username",
    ):
        assert option in result.stdout


def test_silent_sqlite_deploy_makes_a_secure_instance(workdir):
    db = os.path.join(workdir, "db.sqlite")
    result = deploy(
        workdir,
        "instance",
        "--collectstatic",
        "--domain",
        "mail.example.com",
        "--dburl",
        "default:sqlite:///%s" % db,
    )
    assert result.returncode == 0, result.stderr
    instance = os.path.join(workdir, "instance")
    for path in (
        "manage.py",
        "instance/settings.py",
        "instance/urls.py",
        "instance/wsgi.py",
        "media",
        "sitestatic",
    ):
        assert os.path.exists(os.path.join(instance, path)), path
    assert oct(os.stat(os.path.join(instance, "instance/settings.py")).st_mode)[-3:] == "640"
    password = re.search(r"with password (\S+)", result.stdout).group(1)
    # Readers (Postfix, Dovecot) never wait for the console's writes.
    import sqlite3

    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    # Password hashes and API tokens: no other local user reads them (issue
    # 14); the group (Postfix, Dovecot) reads and writes in WAL mode.
    for path in (db, db + "-wal", db + "-shm"):
        if os.path.exists(path):
            assert oct(os.stat(path).st_mode)[-3:] == "660", path
    assert password != "password"
    check = manage(instance, "check", "--deploy", "--fail-level", "WARNING")
    assert check.returncode == 0, check.stdout + check.stderr
    shell = manage(
        instance,
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; from django.contrib.sites.models import Site;"
        "from modoboa.core.models import User;"
        "print(settings.DEBUG, Site.objects.get(pk=1).domain,"
        " User.objects.get(username='admin').check_password(%r))" % password,
    )
    assert shell.stdout.split() == ["False", "mail.example.com", "True"], shell.stderr


def test_second_deploy_on_a_used_database_keeps_its_administrator(workdir):
    db = os.path.join(workdir, "db.sqlite")
    first = deploy(
        workdir, "first", "--domain", "mail.example.com", "--dburl", "default:sqlite:///%s" % db
    )
    assert first.returncode == 0, first.stderr
    password = re.search(r"with password (\S+)", first.stdout).group(1)
    second = deploy(
        workdir, "second", "--domain", "mail.example.com", "--dburl", "default:sqlite:///%s" % db
    )
    assert second.returncode == 0, second.stderr
    assert "already had a super administrator (admin): it was kept" in second.stdout
    assert "with password" not in second.stdout
    shell = manage(
        os.path.join(workdir, "second"),
        "shell",
        "--no-imports",
        "-c",
        "from modoboa.core.models import User;"
        "print(User.objects.filter(is_superuser=True).count(),"
        " User.objects.get(username='admin').check_password(%r))" % password,
    )
    assert shell.stdout.split() == ["1", "True"], shell.stderr


def test_generated_settings_spell_out_the_shared_defaults(workdir):
    db = os.path.join(workdir, "db.sqlite")
    result = deploy(
        workdir,
        "inst",
        "--devel",
        "--domain",
        "localhost",
        "--lang",
        "fr",
        "--timezone",
        "Europe/Paris",
        "--dburl",
        "default:sqlite:///%s" % db,
    )
    assert result.returncode == 0, result.stderr
    namespace = {"__file__": os.path.join(workdir, "inst", "inst", "settings.py")}
    with open(namespace["__file__"], encoding="utf-8") as fp:
        exec(fp.read(), namespace)  # noqa: S102 - the file we just generated
    assert namespace["MODOBOA_APPS"] == settings_defaults.MODOBOA_APPS
    assert namespace["MIDDLEWARE"] == settings_defaults.MIDDLEWARE
    assert namespace["AUTH_PASSWORD_VALIDATORS"] == settings_defaults.AUTH_PASSWORD_VALIDATORS
    assert namespace["REST_FRAMEWORK"] == settings_defaults.REST_FRAMEWORK
    assert namespace["LOGGING"] == settings_defaults.LOGGING
    assert namespace["CKEDITOR_CONFIGS"] == settings_defaults.CKEDITOR_CONFIGS
    assert namespace["LOCALE_PATHS"] == settings_defaults.LOCALE_PATHS
    from modoboa.lib import encryption

    with override_settings(MODOBOA_ENCRYPTION_KEY=namespace["MODOBOA_ENCRYPTION_KEY"]):
        assert encryption.check_key() is None
    assert namespace["FORMAT_MODULE_PATH"] == settings_defaults.FORMAT_MODULE_PATH
    assert namespace["MODOBOA_POSTFIX_MAPS_DIR"] == settings_defaults.MODOBOA_POSTFIX_MAPS_DIR
    assert namespace["DATABASES"]["default"]["ATOMIC_REQUESTS"] is True
    assert namespace["LANGUAGE_CODE"] == "fr"
    assert namespace["TIME_ZONE"] == "Europe/Paris"
    assert namespace["DEBUG"] is True
    assert namespace["STATIC_URL"] == "/sitestatic/"
    assert namespace["MEDIA_URL"] == "/media/"
    assert "User 'admin'" not in result.stderr
    assert "with password password" in result.stdout


@pytest.mark.parametrize("variable", ["MODOBOA_TEST_PG_URL", "MODOBOA_TEST_MYSQL_URL"])
def test_silent_deploy_on_a_database_server(workdir, variable):
    url = fresh_database(server_url(variable))
    result = deploy(
        workdir,
        "instance",
        "--collectstatic",
        "--domain",
        "localhost",
        "--dburl",
        "default:%s" % url,
    )
    assert result.returncode == 0, result.stderr
    instance = os.path.join(workdir, "instance")
    check = manage(instance, "check", "--deploy", "--fail-level", "WARNING")
    assert check.returncode == 0, check.stdout + check.stderr
    count = manage(
        instance,
        "shell",
        "--no-imports",
        "-c",
        "from django.contrib.auth.models import Group; print(Group.objects.count())",
    )
    assert count.stdout.strip() == "3", count.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--dburl", "default:oracle://u:p@h/db"], "unknown database engine"),
        (["--dburl", "default:postgres//nohost"], "malformed --dburl"),
        (["--dburl", "nourl"], "malformed --dburl"),
        (["--dburl", "amavis:sqlite:////tmp/x.db"], "needs a 'default:' connection"),
        (["--dburl", "default:sqlite:///relative.db"], "malformed SQLite URL"),
        (["--dburl", "default:postgres://u:p@127.0.0.1:1/db"], "cannot connect to database"),
        (["--dburl", "default:mysql://u:p@127.0.0.1:1/db"], "cannot connect to database"),
        (["--dburl", "default:sqlite:////nonexistent-dir/db.sqlite"], "does not exist"),
    ],
)
def test_bad_database_options_stop_cleanly(workdir, args, message):
    result = deploy(workdir, "instance", "--domain", "localhost", *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not os.path.exists(os.path.join(workdir, "instance"))


def test_existing_directory_is_refused_and_left_alone(workdir):
    os.makedirs(os.path.join(workdir, "instance"))
    marker = os.path.join(workdir, "instance", "keep")
    open(marker, "w").close()
    result = deploy(
        workdir,
        "instance",
        "--domain",
        "localhost",
        "--dburl",
        "default:sqlite:///%s/db.sqlite" % workdir,
    )
    assert result.returncode != 0
    assert "already exists" in result.stderr
    assert os.path.exists(marker)
    assert not os.path.exists(os.path.join(workdir, "db.sqlite"))


@pytest.mark.parametrize("name", ["modoboa", "1bad", "with-dash", "class"])
def test_bad_instance_names_are_refused(workdir, name):
    result = deploy(
        workdir,
        name,
        "--domain",
        "localhost",
        "--dburl",
        "default:sqlite:///%s/db.sqlite" % workdir,
    )
    assert result.returncode != 0
    assert "not a valid instance name" in result.stderr


def test_unknown_option_is_refused(workdir):
    result = deploy(workdir, "instance", "--no-such-option")
    assert result.returncode != 0
    assert not os.path.exists(os.path.join(workdir, "instance"))


def test_missing_values_without_a_terminal_fail_instead_of_hanging(workdir):
    result = subprocess.run(
        [ADMIN_SCRIPT, "deploy", "instance", "--domain", "localhost"],
        cwd=workdir,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "give it as an option" in result.stderr
    assert not os.path.exists(os.path.join(workdir, "instance"))


def test_failure_after_writing_removes_the_half_made_instance(workdir):
    # An extension that cannot be imported makes "migrate" fail after the
    # files were written.
    result = deploy(
        workdir,
        "instance",
        "--domain",
        "localhost",
        "--dont-install-extensions",
        "--extensions",
        "no_such_extension_module",
        "--dburl",
        "default:sqlite:///%s/db.sqlite" % workdir,
    )
    assert result.returncode != 0
    assert "failed" in result.stderr
    assert not os.path.exists(os.path.join(workdir, "instance"))
    assert not os.path.exists(os.path.join(workdir, "db.sqlite"))


def deploy_with_extension(workdir, extension, env):
    """A development instance in ``workdir``/instance with ``extension``
    (a name of ``--extensions``); return the instance's directory.
    """
    result = deploy(
        workdir,
        "instance",
        "--devel",
        "--domain",
        "localhost",
        "--dont-install-extensions",
        "--extensions",
        extension,
        "--dburl",
        "default:sqlite:///%s/db.sqlite" % workdir,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return os.path.join(workdir, "instance")


def as_admin(instance, statements, env):
    """Run ``statements`` in the instance's shell with ``c``, a test client
    logged in as its administrator; return the printed lines.
    """
    script = (
        "from django.test import Client;"
        "from modoboa.core.models import User;"
        "c = Client(HTTP_HOST='localhost'); c.force_login(User.objects.get(username='admin'));"
        + statements
    )
    shell = manage(instance, "shell", "--no-imports", "-c", script, env=env)
    assert shell.returncode == 0, shell.stderr
    return shell.stdout.splitlines()


def test_an_extension_is_loaded_from_modoboa_apps(workdir):
    """The example extension: initial data, parameters, console and API URLs."""
    env = dict(os.environ, PYTHONPATH=TOP)
    instance = deploy_with_extension(workdir, "tests.example_extension", env)
    lines = as_admin(
        instance,
        "from modoboa.parameters import tools as t;"
        "print(t.get_global_parameter('greeting', app='example_ext'));"
        "print(c.get('/example/').content.decode());"
        "print(c.get('/api/v1/example/ping/').json());"
        "print(sorted(a for a, _ in t.registry.apps('user')))",
        env,
    )
    assert lines == [
        "initialised",
        "initialised",
        "{'pong': True}",
        "['example_ext']",
    ]


STATS_LOG = os.path.join(TOP, "modoboa", "stats", "tests", "logs", "journal.txt")


def test_deploy_with_modoboa_stats_gives_the_commands_and_pages(workdir, tmp_path):
    """1.10's name of the statistics extension: its tables, commands, pages."""
    env = dict(os.environ, PYTHONPATH=TOP)
    instance = deploy_with_extension(workdir, "modoboa_stats", env)
    log = tmp_path / "mail.log"
    shutil.copyfile(STATS_LOG, log)
    parsed = manage(instance, "logparser", "--logfile", str(log), "--verbose", env=env)
    assert parsed.returncode == 0, parsed.stderr
    assert "28 lines read: 20 used" in parsed.stdout
    again = manage(instance, "logparser", "--logfile", str(log), "--verbose", env=env)
    assert "0 lines read" in again.stdout
    missing = manage(instance, "logparser", "--logfile", str(tmp_path / "none"), env=env)
    assert missing.returncode == 1
    assert "does not exist" in missing.stderr and "Traceback" not in missing.stderr
    assert manage(instance, "update_statistics", env=env).returncode == 0
    lines = as_admin(
        instance,
        "print(c.get('/stats/').status_code, c.get('/stats/maillog/').status_code);"
        "print(c.get('/api/v1/maillog/').status_code)",
        env,
    )
    assert lines == ["200 200", "200"]


def source_files():
    """Every file of the ``modoboa`` package under version control."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "modoboa"],  # noqa: S607 - git from PATH
        cwd=TOP,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode == 0 and listed.stdout:
        names = listed.stdout.strip("\0").split("\0")
    else:  # not a git checkout: the files on disk
        names = [
            os.path.relpath(os.path.join(root, name), TOP)
            for root, dirs, files in os.walk(os.path.join(TOP, "modoboa"))
            for name in files
            if "__pycache__" not in root
        ]
    return [name for name in names if os.path.exists(os.path.join(TOP, name))]


def test_pip_installs_the_package_and_the_command(tmp_path):
    """``pip install .`` then ``modoboa-admin.py help deploy``.

    The dependencies come from this virtualenv (a .pth file), so the test
    checks the package itself: its data files and its entry point.
    """
    wheel_dir = tmp_path / "wheel"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(wheel_dir), TOP],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # Every folder of data files is declared: setuptools has nothing to warn about.
    assert "absent from" not in build.stdout + build.stderr
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    site = glob.glob(str(venv / "lib" / "python*" / "site-packages"))[0]
    with open(os.path.join(site, "deps.pth"), "w", encoding="utf-8") as fp:
        fp.write(sysconfig.get_paths()["purelib"] + "\n")
    wheel = glob.glob(str(wheel_dir / "modoboa-*.whl"))[0]
    with zipfile.ZipFile(wheel) as archive:
        packaged = set(archive.namelist())
    missing = sorted(set(source_files()) - packaged)
    assert not missing, "not in the wheel (MANIFEST.in?): %s" % missing
    # Without PYTHONPATH: a source tree on it (with its egg-info) would make
    # pip believe the package is already installed.
    clean_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", "--no-deps", wheel],
        check=True,
        capture_output=True,
        timeout=300,
        env=clean_env,
    )
    result = subprocess.run(
        [str(venv / "bin" / "modoboa-admin.py"), "help", "deploy"],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        check=False,
        env=clean_env,
    )
    assert result.returncode == 0, result.stderr
    assert "--dburl" in result.stdout
    installed = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import modoboa, os; d = os.path.dirname(modoboa.__file__);"
            "print(os.path.exists(os.path.join(d, 'core/commands/templates/settings.py.tpl')),"
            " os.path.isdir(os.path.join(d, 'admin/migrations')),"
            " bool([f for r, _, fs in os.walk(d) for f in fs if f.endswith('.mo')]),"
            " bool([f for r, _, fs in os.walk(d) for f in fs if f.endswith('.html')]))",
        ],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        check=True,
    )
    assert installed.stdout.split() == ["True", "True", "True", "True"]
