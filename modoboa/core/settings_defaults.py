"""Settings every Modoboa instance shares.

``modoboa-admin.py deploy`` writes these values explicitly into the
instance's ``settings.py`` (so a postmaster can read and edit them), and the
test settings import them. ``apply_defaults`` fills in what a settings
module left out.
"""

import os
from logging.handlers import SysLogHandler

MODOBOA_APPS = (
    "modoboa",
    "modoboa.core",
    "modoboa.core.twofactor",
    "modoboa.lib",
    "modoboa.admin",
    "modoboa.transport",
    "modoboa.relaydomains",
    "modoboa.limits",
    "modoboa.parameters",
)

DJANGO_APPS = (
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "django.contrib.staticfiles",
    "reversion",
    "ckeditor",
    "ckeditor_uploader",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
)

INSTALLED_APPS = DJANGO_APPS + MODOBOA_APPS

MIDDLEWARE = (
    # X-Forwarded-For is read only from MODOBOA_TRUSTED_PROXIES (see below).
    "modoboa.core.security_middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "modoboa.core.security_middleware.ContentSecurityPolicyMiddleware",
    # Before anything that reads the database: turns a 500 caused by an
    # unreachable database into a 503.
    "modoboa.lib.middleware.DatabaseUnavailableMiddleware",
    "modoboa.lib.middleware.SQLiteReadsDeferredMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "modoboa.core.middleware.AccountStateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "modoboa.core.twofactor.middleware.TwoFactorEnrolmentMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "modoboa.core.middleware.LocalConfigMiddleware",
    "modoboa.lib.middleware.AjaxLoginRedirect",
    "modoboa.lib.middleware.CommonExceptionCatcher",
    "modoboa.lib.middleware.RequestCatcherMiddleware",
)

# Local accounts only. To authenticate against a directory or a mail server
# too, list "modoboa.lib.authbackends.LDAPBackend" (configured online: set
# the "Authentication type" parameter to LDAP) or
# "modoboa.lib.authbackends.SMTPBackend" (AUTH_SMTP_SERVER_ADDRESS,
# AUTH_SMTP_SERVER_PORT, AUTH_SMTP_SECURED_MODE = None, "ssl" or "starttls",
# AUTH_SMTP_CA_FILE) before ModelBackend. See docs/authentication.rst.
AUTHENTICATION_BACKENDS = ("django.contrib.auth.backends.ModelBackend",)

AUTH_USER_MODEL = "core.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.i18n",
                "django.template.context_processors.media",
                "django.template.context_processors.static",
                "django.template.context_processors.tz",
                "django.contrib.messages.context_processors.messages",
                "modoboa.core.context_processors.top_notifications",
            ],
        },
    },
]

ROOT_URLCONF = "modoboa.urls"

SITE_ID = 1

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LANGUAGES = (
    ("cs", "Čeština"),
    ("de", "Deutsch"),
    ("el", "Ελληνικά"),
    ("en", "English"),
    ("es", "Español"),
    ("fr", "Français"),
    ("it", "Italiano"),
    ("ja", "日本語"),
    ("nl", "Nederlands"),
    ("pl", "Polski"),
    ("pt-br", "Português (Brasil)"),
    ("pt", "Português"),
    ("ro", "Română"),
    ("ru", "Русский"),
    ("sv", "Svenska"),
    ("zh-hant", "繁體中文"),
)

# Modoboa's catalogues before those of the applications listed first in
# INSTALLED_APPS: Django and DRF translate some of the same English words
# differently ("Username", "Email", "Search", "None"...).
LOCALE_PATHS = [os.path.join(os.path.dirname(os.path.dirname(__file__)), "locale")]

# Dates shown one way per language (see modoboa/formats).
FORMAT_MODULE_PATH = ["modoboa.formats"]

STATIC_URL = "/sitestatic/"
MEDIA_URL = "/media/"

LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:root"

SESSION_EXPIRE_AT_BROWSER_CLOSE = False

DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# Password validation rules
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "modoboa.core.password_validation.ComplexityValidator",
        "OPTIONS": {"upper": 1, "lower": 1, "digits": 1, "specials": 0},
    },
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": (
        "modoboa.core.token_auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ),
    "DEFAULT_PARSER_CLASSES": (
        "modoboa.lib.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ),
    "DEFAULT_PERMISSION_CLASSES": ("rest_framework.permissions.IsAuthenticated",),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "modoboa.lib.api.exceptions.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Modoboa API",
    "DESCRIPTION": (
        "Manage domains, domain aliases, accounts, aliases, sender addresses, "
        "resources and relay domains.\n\n"
        "Authenticate with the header `Authorization: Token <key>`: a super "
        "administrator gets its token in Settings > API or with "
        "`manage.py api_token <username>`. Bodies are JSON.\n\n"
        "You only see and change what your role reaches: anything else answers 404. "
        "Lists return a JSON array; add `?page=` or `?page_size=` (max 1000) "
        "for pages. Errors name each field at fault."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "modoboa.lib.api.schema.add_error_responses",
    ],
}

# Modoboa specific settings

# Addresses (or networks) of the reverse proxies whose X-Forwarded-For header
# gives the client address used by login throttling and the authentication
# log; "unix" stands for a Unix socket. Requests from anywhere else keep
# their own address, whatever header they send.
MODOBOA_TRUSTED_PROXIES = ["127.0.0.1", "::1", "unix"]

# Sent on every response (pages may set their own): no inline script or
# style, no framing. Extensions that load assets from elsewhere add sources.
MODOBOA_CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# The panel acts for users on Dovecot (filters, away messages...) through a
# master user whose secret is in this file (see docs/mail_access.rst and
# "manage.py mail_master_secret"); None: those features say it is missing.
MODOBOA_MAIL_MASTER_SECRET_FILE = None
MODOBOA_MAIL_MASTER_USER = "modoboa"
MODOBOA_MAIL_MASTER_SEPARATOR = "*"

# Where generate_postfix_maps wrote the map files on this host; the
# dashboard tells whether they are what this version writes (None: no check).
MODOBOA_POSTFIX_MAPS_DIR = "/etc/postfix"

MODOBOA_API_URL = "https://api.modoboa.org/1/"
MODOBOA_CUSTOM_LOGO = None
DOVECOT_LOOKUP_PATH = ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot")

# CKeditor
CKEDITOR_UPLOAD_PATH = "uploads/"
CKEDITOR_IMAGE_BACKEND = "pillow"
CKEDITOR_RESTRICT_BY_USER = True
CKEDITOR_BROWSE_SHOW_DIRS = True
CKEDITOR_ALLOW_NONIMAGE_FILES = False
CKEDITOR_CONFIGS = {
    "default": {
        "allowedContent": True,
        "toolbar": "Modoboa",
        "width": None,
        "toolbar_Modoboa": [
            ["Bold", "Italic", "Underline"],
            ["JustifyLeft", "JustifyCenter", "JustifyRight", "JustifyBlock"],
            ["BidiLtr", "BidiRtl", "Language"],
            ["NumberedList", "BulletedList", "-", "Outdent", "Indent"],
            ["Undo", "Redo"],
            ["Link", "Unlink", "Anchor", "-", "Smiley"],
            ["TextColor", "BGColor", "-", "Source"],
            ["Font", "FontSize"],
            ["Image"],
            ["SpellChecker"],
        ],
    },
}
SILENCED_SYSTEM_CHECKS = ["ckeditor.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "syslog": {"format": "%(name)s: %(levelname)s %(message)s"},
    },
    "handlers": {
        "syslog-auth": {
            "class": "modoboa.core.logging_handlers.SafeSysLogHandler",
            "facility": SysLogHandler.LOG_AUTH,
            "formatter": "syslog",
        },
        "modoboa": {
            "class": "modoboa.core.logging_handlers.SQLHandler",
        },
    },
    "loggers": {
        "modoboa.auth": {
            "handlers": ["syslog-auth", "modoboa"],
            "level": "INFO",
            "propagate": False,
        },
        "modoboa.admin": {
            "handlers": ["modoboa"],
            "level": "INFO",
            "propagate": False,
        },
    },
}


def sqlite_connection():
    """How long (seconds) a process keeps its SQLite connection, checked
    before reuse: a connection that closes takes a lock for a moment, and a
    Postfix lookup opening the file then fails (Postfix sets no busy
    timeout).
    """
    return {"CONN_MAX_AGE": 600, "CONN_HEALTH_CHECKS": True}


def sqlite_options():
    """The OPTIONS of an SQLite connection shared by the panel and the mail
    path (see docs/configuration.rst, "SQLite").

    - the file itself is in write-ahead-log mode (a property of the file,
      set by deploy): Postfix and Dovecot read while the panel writes
      (readers never wait for a writer, nor a writer for readers);
    - ``synchronous=NORMAL``: safe with WAL (a power cut may lose the last
      commits, never corrupt the file), and a commit needs no fsync;
    - ``transaction_mode`` IMMEDIATE: a transaction takes the write lock
      when it begins, so two requests that read then write queue up instead
      of one failing with "database is locked" (a deferred transaction that
      meets a newer write cannot wait: SQLite refuses it at once);
    - ``timeout``: how long (seconds) a connection waits for the write lock,
      shorter than gunicorn's 30 s worker timeout, so a request that waited
      too long answers 503 instead of being killed.
    """
    return {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA synchronous=NORMAL",
    }


def apply_defaults(namespace):
    """Fill ``namespace`` (a settings module's globals) with the defaults it
    does not define.
    """
    for name, value in globals().items():
        if name.isupper() and name not in namespace:
            namespace[name] = value
