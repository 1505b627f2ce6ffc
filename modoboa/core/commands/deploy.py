"""``modoboa-admin.py deploy``: create a ready-to-use Modoboa instance."""

import base64
import datetime
import getpass
import keyword
import os
import pprint
import re
import secrets
import shutil
import string
import subprocess
import sys
from string import Template
from urllib.parse import urlsplit

import dj_database_url

from modoboa.core import builtin_extensions, settings_defaults

from . import KEPT_ADMIN_MARKER, Command, CommandFailed

# "package.module.SomeError: message", as a traceback's last line gives it
EXCEPTION_LINE = re.compile(r"^(?:[a-z_]\w*\.)*[A-Z]\w*: ")


def _failure_summary(output):
    """One line telling why a ``manage.py`` run failed: the last exception
    of its traceback with the lines of its message (database drivers spread
    theirs over several lines), or its last line.
    """
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    for index in range(len(lines) - 1, -1, -1):
        if EXCEPTION_LINE.match(lines[index]):
            return " ".join(lines[index:])[:500]
    return lines[-1] if lines else ""


TEMPLATE_DIR = os.path.join(os.path.dirname(__file__), "templates")

ENGINES = {
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
    "pgsql": "django.db.backends.postgresql",
    "mysql": "django.db.backends.mysql",
    "sqlite": "django.db.backends.sqlite3",
    "sqlite3": "django.db.backends.sqlite3",
}

# Names a new instance package may not take: they would hide a module the
# instance imports.
RESERVED_NAMES = {"modoboa", "django", "test", "tests", "site", "rest_framework", "reversion"}


def _pformat(value, indent=0):
    text = pprint.pformat(value, width=88, sort_dicts=False)
    if indent:
        text = text.replace("\n", "\n" + " " * indent)
    return text


def parse_dburl(value):
    """Parse ``NAME:URL`` and return ``(name, settings dict)``.

    Raise CommandFailed with a one-line reason when it is malformed.
    """
    name, sep, url = value.partition(":")
    if not sep or not name or not url or "://" not in url:
        raise CommandFailed(
            "malformed --dburl %r: expected NAME:URL, e.g. "
            "default:postgres://user:pass@host:5432/dbname" % value
        )
    if not name.isidentifier():
        raise CommandFailed("malformed --dburl %r: bad connection name %r" % (value, name))
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ENGINES:
        raise CommandFailed(
            "unknown database engine %r in --dburl (use postgres, mysql or sqlite)" % scheme
        )
    if scheme.startswith("sqlite"):
        # sqlite:////full/path: the path after "sqlite:///" must be absolute.
        path = url.split("://", 1)[1]
        if not path.startswith("//") or path.strip("/") == "":
            raise CommandFailed(
                "malformed SQLite URL %r: use sqlite:////full/path/to/db.sqlite" % url
            )
    try:
        config = dj_database_url.parse(url)
    except (ValueError, KeyError) as exc:
        raise CommandFailed("malformed database URL %r: %s" % (url, exc)) from None
    config["ENGINE"] = ENGINES[scheme]
    if not config.get("NAME"):
        raise CommandFailed("malformed database URL %r: no database name" % url)
    if config.get("PORT") in ("", None):
        config.pop("PORT", None)
    return name, config


def normalize_database(config):
    """Add the options every Modoboa connection needs."""
    config = dict(config)
    config["ATOMIC_REQUESTS"] = True
    if config["ENGINE"].endswith("mysql"):
        options = dict(config.get("OPTIONS") or {})
        options.setdefault("charset", "utf8mb4")
        options.setdefault("init_command", "SET sql_mode='STRICT_TRANS_TABLES'")
        config["OPTIONS"] = options
    elif config["ENGINE"].endswith("sqlite3"):
        options = dict(config.get("OPTIONS") or {})
        for key, value in settings_defaults.sqlite_options().items():
            options.setdefault(key, value)
        config["OPTIONS"] = options
        # Each worker keeps its connection: a connection that closes takes
        # a lock for a moment, which a Postfix lookup opening the file then
        # meets (Postfix sets no busy timeout).
        for key, value in settings_defaults.sqlite_connection().items():
            config.setdefault(key, value)
    for key in (
        "CONN_MAX_AGE",
        "CONN_HEALTH_CHECKS",
        "DISABLE_SERVER_SIDE_CURSORS",
        "USER",
        "PASSWORD",
        "HOST",
        "PORT",
    ):
        if config.get(key) in (0, False, None, ""):
            config.pop(key, None)
    if not config.get("OPTIONS"):
        config.pop("OPTIONS", None)
    return config


def check_database(config):
    """Connect once, so a wrong URL fails before anything is written."""
    engine = config["ENGINE"]
    if engine.endswith("sqlite3"):
        directory = os.path.dirname(config["NAME"]) or "."
        if not os.path.isdir(directory):
            raise CommandFailed("database directory %s does not exist" % directory)
        if not os.access(directory, os.W_OK):
            raise CommandFailed("database directory %s is not writable" % directory)
        return
    try:
        if engine.endswith("postgresql"):
            import psycopg2

            connection = psycopg2.connect(
                dbname=config["NAME"],
                user=config.get("USER") or None,
                password=config.get("PASSWORD") or None,
                host=config.get("HOST") or None,
                port=config.get("PORT") or None,
                connect_timeout=5,
            )
        else:
            import MySQLdb

            kwargs = {"database": config["NAME"], "connect_timeout": 5}
            if config.get("USER"):
                kwargs["user"] = config["USER"]
            if config.get("PASSWORD"):
                kwargs["password"] = config["PASSWORD"]
            if config.get("HOST"):
                kwargs["host"] = config["HOST"]
            if config.get("PORT"):
                kwargs["port"] = int(config["PORT"])
            connection = MySQLdb.connect(**kwargs)
    except Exception as exc:  # noqa: BLE001 - any driver error means unreachable
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CommandFailed(
            "cannot connect to database %s: %s" % (config["NAME"], reason)
        ) from None
    connection.close()


def use_wal(path):
    """Put an SQLite database in write-ahead-log mode (a persistent setting).

    Postfix's SQLite lookups set no busy timeout: with the default rollback
    journal, a lookup that meets a write fails. In WAL mode readers never
    wait for writers.
    """
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


def create_private_file(path, mode=0o660):
    """Create the empty file ``path`` (a new SQLite database) with ``mode``.

    The database holds password hashes and API tokens: no other local user
    may read it. Its group keeps read-write access because Postfix, Dovecot
    and OpenDKIM read it in WAL mode, which needs write access to the
    ``-shm`` and ``-wal`` files SQLite creates with the database's mode (see
    docs/postfix.rst). SQLite takes an empty file for a new database.
    """
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    os.close(descriptor)
    os.chmod(path, mode)  # whatever the umask


def random_key(length=50):
    alphabet = string.ascii_letters + string.digits + "!#%&()*+,-./:;<=>?@[]^_{|}~"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def strong_password(length=16):
    """A random password meeting the default password policy."""
    alphabet = string.ascii_letters + string.digits
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in value)
            and any(c.isupper() for c in value)
            and any(c.isdigit() for c in value)
        ):
            return value


class DeployCommand(Command):
    """Create a new Modoboa instance."""

    help = "Create a new Modoboa instance"

    def add_arguments(self, parser):
        parser.add_argument("name", help="The name of your Modoboa instance")
        parser.add_argument(
            "--collectstatic",
            action="store_true",
            default=False,
            help="Run django collectstatic command",
        )
        parser.add_argument(
            "--dburl",
            nargs="+",
            metavar="NAME:URL",
            help=(
                "Database connection(s): default:<url> is required; other prefixes "
                "(amavis:<url>...) are accepted. URL: <mysql|postgres>://[user:pass@"
                "[host:port]]/dbname or sqlite:////full/path/to/file.sqlite"
            ),
        )
        parser.add_argument(
            "--domain", help="The main domain of your Modoboa instance (host name)"
        )
        parser.add_argument("--lang", default="en-us", help="Set the default language")
        parser.add_argument("--timezone", default="UTC", help="Set the local timezone")
        parser.add_argument(
            "--devel",
            action="store_true",
            default=False,
            help="Create a development instance (DEBUG on, plain HTTP)",
        )
        parser.add_argument(
            "--extensions",
            nargs="*",
            metavar="NAME",
            help="Extensions to install and enable ('all' for every known one)",
        )
        parser.add_argument(
            "--dont-install-extensions",
            action="store_true",
            default=False,
            help="Do not install extensions using pip",
        )
        parser.add_argument(
            "--admin-username",
            default="admin",
            help="Username of the initial super administrator",
        )

    # Interaction

    def _ask(self, question, default=None, secret=False):
        if not sys.stdin.isatty():
            raise CommandFailed(
                "missing value for '%s' and no terminal to ask it: give it as an option" % question
            )
        prompt = "%s%s: " % (question, " [%s]" % default if default else "")
        try:
            answer = getpass.getpass(prompt) if secret else input(prompt)
        except EOFError:
            raise CommandFailed("no answer for '%s'" % question) from None
        answer = answer.strip()
        return answer or (default or "")

    def _ask_database(self):
        self.stdout.write("Configuring the default database connection\n")
        engine = self._ask("Database engine (postgres, mysql, sqlite3)", "postgres").lower()
        if engine not in ENGINES:
            raise CommandFailed("unknown database engine %r" % engine)
        if engine.startswith("sqlite"):
            path = self._ask("Full path of the SQLite database file")
            if not os.path.isabs(path):
                raise CommandFailed("the SQLite path must be absolute")
            return {"ENGINE": ENGINES[engine], "NAME": path}
        default_port = "5432" if engine.startswith("postgres") else "3306"
        config = {
            "ENGINE": ENGINES[engine],
            "HOST": self._ask("Database host", "localhost"),
            "PORT": self._ask("Database port", default_port),
            "NAME": self._ask("Database name", "modoboa"),
            "USER": self._ask("Username"),
            "PASSWORD": self._ask("Password", secret=True),
        }
        if not config["PORT"].isdigit():
            raise CommandFailed("the port must be a number")
        return config

    # Extensions

    def _extensions(self, options):
        names = options.get("extensions") or []
        if names == ["all"]:
            names = self._all_extensions()
        modules = []
        for name in names:
            if not name or any(
                c not in string.ascii_letters + string.digits + "-_." for c in name
            ):
                raise CommandFailed("invalid extension name %r" % name)
            if builtin_extensions.canonical_name(name):
                module = builtin_extensions.module_for(name)
                if module is None:
                    raise CommandFailed(
                        "the extension %s is not available in this version of Modoboa" % name
                    )
                if module not in modules:
                    modules.append(module)
                continue
            if not options["dont_install_extensions"]:
                result = subprocess.run(  # noqa: S603 - fixed argv, no shell
                    [sys.executable, "-m", "pip", "install", name],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if result.returncode != 0:
                    raise CommandFailed("failed to install extension %s with pip" % name)
            modules.append(name.replace("-", "_"))
        return modules

    def _all_extensions(self):
        """Every extension of 1.10 is built in: 'all' enables those present."""
        return list(builtin_extensions.available())

    # Rendering

    def render_settings(self, name, databases, options, extensions, secret_key):
        devel = options["devel"]
        modoboa_apps = tuple(settings_defaults.MODOBOA_APPS) + tuple(extensions)
        routers = ""
        if "amavis" in databases:
            routers = '\nDATABASE_ROUTERS = ["modoboa.amavis.dbrouter.AmavisRouter"]\n'
        extension_lines = []
        for module in extensions:
            alias = module.replace(".", "_")
            extension_lines.append(
                "\ntry:\n"
                "    from %s import settings as %s_settings\n"
                "except ImportError:\n"
                "    pass\n"
                "else:\n"
                "    %s_settings.apply(globals())\n" % (module, alias, alias)
            )
        if devel:
            security = (
                "# Development instance: plain HTTP, no secure cookies.\n"
                "SECURE_CONTENT_TYPE_NOSNIFF = True\n"
                'X_FRAME_OPTIONS = "DENY"'
            )
        else:
            security = (
                'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\n'
                "SECURE_SSL_REDIRECT = True\n"
                "SECURE_HSTS_SECONDS = 31536000\n"
                "SECURE_HSTS_INCLUDE_SUBDOMAINS = True\n"
                "SECURE_HSTS_PRELOAD = False\n"
                "SECURE_CONTENT_TYPE_NOSNIFF = True\n"
                'SECURE_REFERRER_POLICY = "same-origin"\n'
                "SESSION_COOKIE_SECURE = True\n"
                "CSRF_COOKIE_SECURE = True\n"
                "SESSION_COOKIE_HTTPONLY = True\n"
                'SESSION_COOKIE_SAMESITE = "Lax"\n'
                "LANGUAGE_COOKIE_SECURE = True\n"
                'LANGUAGE_COOKIE_SAMESITE = "Lax"\n'
                'X_FRAME_OPTIONS = "DENY"\n'
                "CSRF_TRUSTED_ORIGINS = %s"
                % _pformat(["https://%s" % host for host in self.allowed_hosts if host != "*"])
            )
        logging = _pformat(settings_defaults.LOGGING).replace(
            "'facility': %d" % settings_defaults.SysLogHandler.LOG_AUTH,
            "'facility': SysLogHandler.LOG_AUTH",
        )
        values = {
            "name": name,
            "date": datetime.date.today().isoformat(),
            "secret_key": repr(secret_key),
            # As modoboa.lib.encryption.generate_key makes them.
            "encryption_key": repr(base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")),
            "debug": repr(devel),
            "allowed_hosts": _pformat(self.allowed_hosts),
            "security": security,
            "modoboa_apps": _pformat(modoboa_apps),
            "django_apps": _pformat(tuple(settings_defaults.DJANGO_APPS)),
            "middleware": _pformat(tuple(settings_defaults.MIDDLEWARE)),
            "authentication_backends": _pformat(tuple(settings_defaults.AUTHENTICATION_BACKENDS)),
            "templates": _pformat(settings_defaults.TEMPLATES),
            "databases": _pformat(databases),
            "database_routers": routers,
            "language_code": repr(options["lang"]),
            "time_zone": repr(options["timezone"]),
            "languages": _pformat(settings_defaults.LANGUAGES),
            "password_validators": _pformat(settings_defaults.AUTH_PASSWORD_VALIDATORS),
            "rest_framework": _pformat(settings_defaults.REST_FRAMEWORK),
            "spectacular_settings": _pformat(settings_defaults.SPECTACULAR_SETTINGS),
            "modoboa_api_url": repr(settings_defaults.MODOBOA_API_URL),
            "dovecot_lookup_path": _pformat(settings_defaults.DOVECOT_LOOKUP_PATH),
            "ckeditor_configs": _pformat(settings_defaults.CKEDITOR_CONFIGS),
            "silenced_checks": _pformat(
                list(settings_defaults.SILENCED_SYSTEM_CHECKS)
                # HSTS preloading is a commitment to take deliberately.
                + ([] if devel else ["security.W021"])
            ),
            "logging": logging,
            "extensions_settings": "".join(extension_lines),
        }
        with open(os.path.join(TEMPLATE_DIR, "settings.py.tpl"), encoding="utf-8") as fp:
            return Template(fp.read()).substitute(values)

    def _render(self, template, target, **values):
        with open(os.path.join(TEMPLATE_DIR, template), encoding="utf-8") as fp:
            content = Template(fp.read()).substitute(values)
        with open(target, "w", encoding="utf-8") as fp:
            fp.write(content)

    # Steps

    def _manage(self, instance_dir, *args, extra_env=None):
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="%s.settings" % self.name)
        env.update(extra_env or {})
        result = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [sys.executable, "manage.py", *args],
            cwd=instance_dir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise CommandFailed(
                "'manage.py %s' failed: %s"
                % (" ".join(args), _failure_summary(result.stderr or result.stdout))
            )
        return result.stdout

    def handle(self, options):
        name = options["name"]
        if not name.isidentifier() or keyword.iskeyword(name) or name in RESERVED_NAMES:
            raise CommandFailed(
                "%r is not a valid instance name: use a Python identifier that is not "
                "a module name Modoboa needs" % name
            )
        self.name = name
        instance_dir = os.path.abspath(name)
        if os.path.exists(instance_dir):
            raise CommandFailed("%s already exists: choose another name" % instance_dir)
        databases = {}
        for value in options.get("dburl") or []:
            conn_name, config = parse_dburl(value)
            if conn_name in databases:
                raise CommandFailed("connection %r given twice in --dburl" % conn_name)
            databases[conn_name] = config
        if options.get("dburl") and "default" not in databases:
            raise CommandFailed("--dburl needs a 'default:' connection")
        if "default" not in databases:
            databases["default"] = self._ask_database()
        databases = {key: normalize_database(value) for key, value in databases.items()}
        domain = options.get("domain") or self._ask("Domain name of this instance", "localhost")
        domain = domain.strip().lower()
        if not domain or any(c in domain for c in "/ :'\"\\"):
            raise CommandFailed("invalid --domain %r" % domain)
        self.allowed_hosts = [domain]
        if options["devel"]:
            self.allowed_hosts += [
                host for host in ("localhost", "127.0.0.1", "[::1]") if host != domain
            ]
        for config in databases.values():
            check_database(config)
        extensions = self._extensions(options)
        created_sqlite = [
            config["NAME"]
            for config in databases.values()
            if config["ENGINE"].endswith("sqlite3") and not os.path.exists(config["NAME"])
        ]
        for path in created_sqlite:
            create_private_file(path)
        try:
            self._create(instance_dir, name, databases, options, extensions, domain)
        except BaseException:
            shutil.rmtree(instance_dir, ignore_errors=True)
            for path in created_sqlite:
                for suffix in ("", "-journal", "-wal", "-shm"):
                    if os.path.exists(path + suffix):
                        os.unlink(path + suffix)
            raise

    def _create(self, instance_dir, name, databases, options, extensions, domain):
        package_dir = os.path.join(instance_dir, name)
        os.makedirs(package_dir)
        os.makedirs(os.path.join(instance_dir, "media"))
        self._render("manage.py.tpl", os.path.join(instance_dir, "manage.py"), name=name)
        os.chmod(os.path.join(instance_dir, "manage.py"), 0o755)  # noqa: S103 - a script
        self._render("urls.py.tpl", os.path.join(package_dir, "urls.py"), name=name)
        self._render("wsgi.py.tpl", os.path.join(package_dir, "wsgi.py"), name=name)
        with open(os.path.join(package_dir, "__init__.py"), "w", encoding="utf-8") as fp:
            fp.write('"""The %s Modoboa instance."""\n' % name)
        settings_path = os.path.join(package_dir, "settings.py")
        with open(settings_path, "w", encoding="utf-8") as fp:
            fp.write(self.render_settings(name, databases, options, extensions, random_key()))
        os.chmod(settings_path, 0o640)
        self.stdout.write("Instance files written to %s\n" % instance_dir)
        migrated = self._manage(instance_dir, "migrate", "--noinput")
        took_over = "Taking over a Modoboa" in migrated
        if took_over:
            self.stdout.write(
                "The existing Modoboa 1.10 database was taken over: see "
                "'manage.py modo takeover --check'\n"
            )
        for config in databases.values():
            if config["ENGINE"].endswith("sqlite3"):
                use_wal(config["NAME"])
        self.stdout.write("Database ready\n")
        # A development instance keeps upstream's default password (the
        # command's own default: a password that is given must pass the
        # policy); a production one gets a random password.
        admin_password = "password" if options["devel"] else strong_password()
        # Through the environment: a command line is visible to every user in ps.
        output = self._manage(
            instance_dir,
            "load_initial_data",
            "--admin-username",
            options["admin_username"],
            extra_env={} if options["devel"] else {"MODOBOA_ADMIN_PASSWORD": admin_password},
        )
        if options["collectstatic"]:
            self._manage(instance_dir, "collectstatic", "--noinput")
            self.stdout.write("Static files collected\n")
        self._manage(instance_dir, "set_default_site", domain)
        if took_over:
            self.stdout.write(
                "Modoboa instance %s is ready. Every account of the database keeps its "
                "password.\n" % name
            )
            return
        kept = [line for line in output.splitlines() if line.startswith(KEPT_ADMIN_MARKER)]
        if kept:
            # The database was already in use: its administrators are
            # untouched, so the password chosen above means nothing.
            username = kept[0][len(KEPT_ADMIN_MARKER) :].split(" (")[0].strip()
            self.stdout.write(
                "Modoboa instance %s is ready. The database already had a super "
                "administrator (%s): it was kept with its password.\n" % (name, username)
            )
            return
        self.stdout.write(
            "Modoboa instance %s is ready. Log in as %s with password %s%s\n"
            % (
                name,
                options["admin_username"],
                admin_password,
                "" if options["devel"] else " (change it after your first login)",
            )
        )
