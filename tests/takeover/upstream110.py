"""Databases made by upstream Modoboa 1.10.x itself, installed from PyPI.

``ensure(version)`` installs ``modoboa==<version>`` into its own virtualenv
under ``bench/.cache`` (kept between runs, like bench/'s upstream 2.12),
with what Python 3.11 needs for it (the fixture's README): ``setuptools<58``
and ``--no-build-isolation``, lxml 4.9.4 and psycopg2-binary 2.9.10, a
gevent that builds, the names Python removed put back at start-up, SQLite's
``legacy_alter_table`` and Django 2.2.24's fix for psycopg2 2.9's UTC
offset. ``build(version, url)`` deploys a 1.10 instance on a database with
1.10's own ``deploy`` and fills it with 1.10's own ``modo import``.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

from .databases import TOP

CACHE = os.path.join(TOP, "bench", ".cache")

OVERRIDES = {
    "gevent": "gevent",
    "lxml": "lxml==4.9.4",
    "psycopg2": None,
    "mysqlclient": None,
    "django-auth-ldap": None,
    "argparse": None,
    "ipaddress": None,
}
EXTRA = ["psycopg2-binary==2.9.10", "mysqlclient==2.3.2"]

SHIMS = '''"""Names Python 3.11 removed that Django 1.11 and Modoboa 1.10 use."""
import base64
import collections
import collections.abc
import gettext
import inspect

for _name in ("Mapping", "MutableMapping", "Sequence", "MutableSequence", "Iterable",
              "Iterator", "Callable", "Set", "MutableSet", "Hashable", "Sized", "Container"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))
if not hasattr(inspect, "getargspec"):
    ArgSpec = collections.namedtuple("ArgSpec", "args varargs keywords defaults")

    def getargspec(func):
        spec = inspect.getfullargspec(func)
        return ArgSpec(spec.args, spec.varargs, spec.varkw, spec.defaults)

    inspect.getargspec = getargspec
if not hasattr(base64, "decodestring"):
    base64.decodestring = base64.decodebytes
    base64.encodestring = base64.encodebytes
_translation = gettext.translation


def translation(domain, localedir=None, languages=None, class_=None, fallback=False,
                codeset=None):
    return _translation(domain, localedir, languages, class_, fallback)


gettext.translation = translation
if not hasattr(gettext.NullTranslations, "set_output_charset"):
    gettext.NullTranslations.set_output_charset = lambda self, charset: None
'''

# 1.10's CSV import format (seed, "Using CSV files"). Passwords are hashed
# by 1.10 (--crypt-password) except in PREHASHED, stored as given.
DATA = """\
domain; example.com; 1000; 100; true
domain; example.org; 500; 50; true
domain; disabled.test; 0; 0; false
domainalias; example.net; example.com; true
relaydomain; relay.test; mx.relay.test; 25; relay; true; true
account; user1@example.com; Toto12345; User; One; true; SimpleUsers; user1@example.com; 0
account; user2@example.com; Toto12345; User; Two; true; SimpleUsers; user2@example.com; 0
account; user3@example.org; Toto12345; User; Three; true; SimpleUsers; user3@example.org; 20
account; off@example.org; Toto12345; Off; Line; false; SimpleUsers; off@example.org; 0
account; dadmin@example.org; Toto12345; Dom; Admin; true; DomainAdmins; dadmin@example.org; 0; \
example.org
account; reseller1; Toto12345; Res; Eller; true; Resellers; ; 0; example.com
account; lost@disabled.test; Toto12345; Lost; User; true; SimpleUsers; lost@disabled.test; 0
alias; info@example.com; true; user1@example.com; user2@example.com
alias; ext@example.com; true; someone@external.test
alias; @example.org; true; user3@example.org
alias; team@example.org; true; info@example.com; user3@example.org; partner@external.test
alias; user2@example.com; true; user2.fwd@external.test
alias; user1@example.com; true; user1.fwd@external.test; user1@example.com
alias; sales@disabled.test; true; user1@example.com
"""
PREHASHED = """\
account; plain@example.org; {PLAIN}Toto12345; Plain; Text; true; SimpleUsers; \
plain@example.org; 0
account; md5@example.org; %(md5)s; Md5; Crypt; true; SimpleUsers; md5@example.org; 0
"""

# The passwords of the accounts made above (1.10's deploy makes "admin").
PASSWORDS = {"admin": "password"}

# The Postfix and Dovecot keys the tests ask both sides about.
KEYS = [
    "example.com",
    "example.org",
    "example.net",
    "disabled.test",
    "relay.test",
    "unknown.test",
    "user1@example.com",
    "user2@example.com",
    "user3@example.org",
    "off@example.org",
    "dadmin@example.org",
    "lost@disabled.test",
    "plain@example.org",
    "md5@example.org",
    "info@example.com",
    "ext@example.com",
    "@example.org",
    "team@example.org",
    "sales@disabled.test",
    "nobody@example.org",
    "@example.net",
    "user1@example.net",
    "reseller1",
]


def venv(version):
    return os.path.join(CACHE, "modoboa-%s-venv" % version)


def python(version):
    return os.path.join(venv(version), "bin", "python")


def _pip(version, *args):
    # Without PYTHONPATH: this project's tree on it (with its egg-info, also
    # named modoboa) would make pip skip upstream's package.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    subprocess.run(
        [python(version), "-m", "pip", "install", "-q", *args], check=True, cwd=CACHE, env=env
    )


def _requirements(version):
    directory = tempfile.mkdtemp(prefix="modoboa-%s-" % version)
    try:
        subprocess.run(
            [
                python(version),
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "modoboa==%s" % version,
                "-d",
                directory,
            ],
            check=True,
            cwd=CACHE,
        )
        wheel = [name for name in os.listdir(directory) if name.endswith(".whl")][0]
        with zipfile.ZipFile(os.path.join(directory, wheel)) as archive:
            metadata = next(name for name in archive.namelist() if name.endswith("METADATA"))
            text = archive.read(metadata).decode()
    finally:
        shutil.rmtree(directory)
    requirements = []
    for line in text.splitlines():
        if not line.startswith("Requires-Dist:") or "extra ==" in line:
            continue
        spec = line.split(":", 1)[1].strip()
        name = re.split(r"[ (<>=;]", spec, maxsplit=1)[0]
        if name in OVERRIDES:
            if OVERRIDES[name]:
                requirements.append(OVERRIDES[name])
            continue
        requirements.append(spec.replace(" (", "").replace(")", ""))
    return requirements


def _patch(version):
    site = subprocess.run(
        [python(version), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with open(os.path.join(site, "modoboa110_shims.py"), "w") as handle:
        handle.write(SHIMS)
    with open(os.path.join(site, "modoboa110_shims.pth"), "w") as handle:
        handle.write("import modoboa110_shims\n")
    sqlite = os.path.join(site, "django", "db", "backends", "sqlite3", "base.py")
    with open(sqlite) as handle:
        text = handle.read()
    if "legacy_alter_table" not in text:
        text = text.replace(
            '        conn.create_function("django_power", 2, _sqlite_power)\n        return conn',
            '        conn.create_function("django_power", 2, _sqlite_power)\n'
            '        conn.execute("PRAGMA legacy_alter_table = ON")\n        return conn',
        )
        with open(sqlite, "w") as handle:
            handle.write(text)
    postgresql = os.path.join(site, "django", "db", "backends", "postgresql", "utils.py")
    with open(postgresql) as handle:
        text = handle.read()
    text = text.replace(
        "    if offset != 0:\n",
        "    if offset not in (0, __import__('datetime').timedelta(0)):\n",
    )
    with open(postgresql, "w") as handle:
        handle.write(text)
    # mysqlclient 2 has no encoder for str (Django 2.2 stopped asking).
    mysql = os.path.join(site, "django", "db", "backends", "mysql", "base.py")
    with open(mysql) as handle:
        text = handle.read()
    text = text.replace(
        "        conn.encoders[SafeText] = conn.encoders[six.text_type]\n"
        "        conn.encoders[SafeBytes] = conn.encoders[bytes]\n",
        "        if six.text_type in conn.encoders:\n"
        "            conn.encoders[SafeText] = conn.encoders[six.text_type]\n"
        "            conn.encoders[SafeBytes] = conn.encoders[bytes]\n",
    )
    with open(mysql, "w") as handle:
        handle.write(text)


def ensure(version):
    """Install upstream ``version`` once; return its virtualenv's python."""
    ready = os.path.join(venv(version), ".modoboa-ready")
    if os.path.exists(ready):
        return python(version)
    os.makedirs(CACHE, exist_ok=True)
    shutil.rmtree(venv(version), ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", venv(version)], check=True)
    _pip(version, "setuptools<58", "wheel")
    _pip(version, "--no-build-isolation", *_requirements(version), *EXTRA)
    _pip(version, "--no-deps", "modoboa==%s" % version)
    _patch(version)
    open(ready, "w").close()
    return python(version)


def _run(version, args, cwd, **kwargs):
    env = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    env["PATH"] = os.path.dirname(python(version)) + os.pathsep + env["PATH"]
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, **kwargs
    )
    if result.returncode != 0:
        raise AssertionError("%s failed:\n%s\n%s" % (" ".join(args), result.stdout, result.stderr))
    return result


def build(version, dburl, directory):
    """Deploy 1.10 ``version`` on the (empty) database at ``dburl`` and
    fill it through 1.10's own commands; return the instance directory."""
    ensure(version)
    directory = str(directory)
    bindir = os.path.dirname(python(version))
    _run(
        version,
        [
            python(version),
            os.path.join(bindir, "modoboa-admin.py"),
            "deploy",
            "instance110",
            "--dburl",
            "default:%s" % dburl,
            "--domain",
            "localhost",
            "--dont-install-extensions",
        ],
        directory,
    )
    instance = os.path.join(directory, "instance110")
    hashed = os.path.join(directory, "data.csv")
    with open(hashed, "w") as handle:
        handle.write(DATA.replace("\\\n", ""))
    _run(
        version,
        [python(version), "manage.py", "modo", "import", "--crypt-password", hashed],
        instance,
    )
    md5 = _run(
        version,
        [
            python(version),
            "-c",
            "from passlib.hash import md5_crypt; print(md5_crypt.hash('Toto12345'))",
        ],
        instance,
    ).stdout.strip()
    prehashed = os.path.join(directory, "prehashed.csv")
    with open(prehashed, "w") as handle:
        handle.write((PREHASHED % {"md5": "{MD5-CRYPT}" + md5}).replace("\\\n", ""))
    _run(version, [python(version), "manage.py", "modo", "import", prehashed], instance)
    _run(
        version,
        [
            python(version),
            "manage.py",
            "shell",
            "-c",
            "from rest_framework.authtoken.models import Token\n"
            "from modoboa.core.models import User\n"
            "for name in ('admin', 'reseller1'):\n"
            "    print(Token.objects.create(user=User.objects.get(username=name)).key)\n",
        ],
        instance,
    )
    return instance
