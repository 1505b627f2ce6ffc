"""Settings used by the test suite.

The database is chosen by one environment variable, ``MODOBOA_TEST_DB``:
``sqlite`` (default), ``postgres`` or ``mysql``. The connection of the two
servers comes from ``MODOBOA_TEST_PG_URL`` and ``MODOBOA_TEST_MYSQL_URL``,
which ``scripts/run-tests`` sets after starting throwaway servers.
"""

import copy
import importlib
import os
import tempfile

import dj_database_url

from modoboa.core import builtin_extensions
from modoboa.core.settings_defaults import *  # noqa: F401,F403
from modoboa.core.settings_defaults import apply_defaults, sqlite_connection, sqlite_options

BASE_DIR = os.path.realpath(os.path.dirname(os.path.dirname(__file__)))
# Progress files of the import jobs: one directory per test process (each
# has its own database, hence its own job numbers).
MODOBOA_IMPORT_JOBS_DIR = os.path.join(
    tempfile.gettempdir(), "modoboa-test-import-jobs-%d" % os.getpid()
)
os.makedirs(MODOBOA_IMPORT_JOBS_DIR, exist_ok=True)

SECRET_KEY = "test-secret-key-that-is-long-enough-for-django-checks-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["*"]

ENGINE = os.environ.get("MODOBOA_TEST_DB", "sqlite").lower()
# One file per process, so parallel runs (and xdist workers) never share it.
_SQLITE_PATH = os.environ.get("MODOBOA_TEST_SQLITE_PATH") or os.path.join(
    tempfile.gettempdir(), "modoboa-test-%d.sqlite3" % os.getpid()
)

if ENGINE in ("postgres", "postgresql", "pgsql"):
    _default = dj_database_url.parse(
        os.environ.get("MODOBOA_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/modoboa")
    )
elif ENGINE in ("mysql", "mariadb"):
    _default = dj_database_url.parse(
        os.environ.get("MODOBOA_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/modoboa")
    )
    _default.setdefault("OPTIONS", {}).update(
        {"charset": "utf8mb4", "init_command": "SET sql_mode='STRICT_TRANS_TABLES'"}
    )
    _default["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
elif ENGINE == "sqlite":
    _default = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": _SQLITE_PATH,
        # A file, not memory: Postfix and Dovecot read it in integration tests.
        "TEST": {"NAME": _SQLITE_PATH},
        # What deployed instances get (WAL, busy timeout, IMMEDIATE).
        "OPTIONS": sqlite_options(),
        **sqlite_connection(),
    }
else:
    raise RuntimeError("MODOBOA_TEST_DB must be sqlite, postgres or mysql, not %r" % ENGINE)

_default["ATOMIC_REQUESTS"] = True
DATABASES = {"default": _default}

MEDIA_ROOT = os.path.join(tempfile.gettempdir(), "modoboa-test-media")
STATIC_ROOT = os.path.join(tempfile.gettempdir(), "modoboa-test-static")

# Cheap SHA-crypt hashing in tests; instances use the rounds parameter.
MODOBOA_TEST_PASSWORD_ROUNDS = 1000

# A fixed key for the data encrypted at rest (modoboa.lib.encryption).
MODOBOA_ENCRYPTION_KEY = "dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy0hISE="
# Default directory of the credentials documents (one per test process).
MODOBOA_PDFCREDENTIALS_DIR = os.path.join(
    tempfile.gettempdir(), "modoboa-test-pdfcredentials-%d" % os.getpid()
)

# The quarantine's Amavis tables live in the test database itself (no
# separate "amavis" alias): its migration creates them there.
AMAVIS_MANAGE_SCHEMA = True

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

apply_defaults(globals())

# Every built-in extension present is tested (each with its own settings).
for _module in builtin_extensions.available().values():
    MODOBOA_APPS = MODOBOA_APPS + (_module,)  # noqa: F405
    INSTALLED_APPS = INSTALLED_APPS + (_module,)  # noqa: F405
    try:
        _extension_settings = importlib.import_module(_module + ".settings")
    except ModuleNotFoundError as _exc:
        if _exc.name != _module + ".settings":
            raise
    else:
        _extension_settings.apply(globals())

# A copy: the shared defaults must stay as instances get them.
LOGGING = copy.deepcopy(LOGGING)  # noqa: F405
LOGGING["handlers"]["syslog-auth"] = {"class": "logging.NullHandler"}
