"""What ``modo takeover --check`` reports, read with plain SQL so that it
works on a 1.10 database before anything is changed.
"""

import json
from collections import Counter

from django.db import connection as default_connection

from modoboa.core import builtin_extensions
from modoboa.core.takeover import conform, detect

# 1.10's extension tables, by prefix, and the extension (1.10 name) whose
# application takes them over once it is installed.
EXTENSION_TABLES = [
    ("postfix_autoreply_", "postfix_autoreply"),
    ("modoboa_radicale_", "radicale"),
    ("radicale_", "radicale"),
    ("modoboa_contacts_", "contacts"),
    ("modoboa_dmarc_", "dmarc"),
    ("modoboa_imap_migration_", "imap_migration"),
]

# 1.10 settings (of its instance's settings.py) and what replaces them.
SETTINGS = {
    "MODOBOA_APPS": "MODOBOA_APPS lists this package's applications; 1.10's extensions "
    "are enabled with 'modoboa-admin.py deploy --extensions NAME' (1.10's names accepted)",
    "MIDDLEWARE_CLASSES": "MIDDLEWARE (Django 5.2), as written by deploy",
    "INSTALLED_APPS": "INSTALLED_APPS = DJANGO_APPS + MODOBOA_APPS, as written by deploy",
    "TEMPLATE_CONTEXT_PROCESSORS": "TEMPLATES[0]['OPTIONS']['context_processors']",
    "DATABASES": "DATABASES: the same values (deploy --dburl default:<url>)",
    "SECRET_KEY": "SECRET_KEY: copy it, or sessions and API tokens' signatures differ "
    "(tokens themselves are rows and keep working)",
    "ALLOWED_HOSTS": "ALLOWED_HOSTS: the same values",
    "TIME_ZONE": "TIME_ZONE: the same value",
    "LANGUAGE_CODE": "LANGUAGE_CODE: the same value",
    "MODOBOA_API_URL": "MODOBOA_API_URL: the same value",
    "AUTHENTICATION_BACKENDS": "AUTHENTICATION_BACKENDS: modoboa.lib.authbackends.* "
    "become modoboa.core.auth.* (deploy writes them)",
    "REST_FRAMEWORK": "REST_FRAMEWORK: written by deploy (token and session authentication)",
    "DNSBL_PROVIDERS": "DNSBL_PROVIDERS: the same setting",
    "AUTH_SMTP_SERVER_ADDRESS": "AUTH_SMTP_SERVER_ADDRESS: the same setting",
    "AUTH_SMTP_SERVER_PORT": "AUTH_SMTP_SERVER_PORT: the same setting",
    "AUTH_SMTP_SECURED_MODE": "AUTH_SMTP_SECURED_MODE: the same setting",
    "AUTH_LDAP_USER_ATTR_MAP": "AUTH_LDAP_USER_ATTR_MAP: the same setting",
    "LDAP_PASSWORD_ATTR": "the 'ldap_password_attribute' core parameter",
    "LDAP_ACTIVE_DIRECTORY": "the 'ldap_is_active_directory' core parameter",
    "CKEDITOR_UPLOAD_PATH": "CKEDITOR_UPLOAD_PATH: the same setting",
    "LOGGING": "LOGGING: written by deploy (syslog 'modoboa' and 'modoboa.auth' loggers)",
    "PASSWORD_HASHERS": "not used: hashes follow the 'password_scheme' parameter",
    "STATIC_ROOT": "STATIC_ROOT: the same value",
    "MEDIA_ROOT": "MEDIA_ROOT: the same value",
}


def _scalar(cursor, sql, params=()):
    cursor.execute(sql, params)
    return cursor.fetchone()[0]


def forwards_without_local_copy(cursor, connection):
    """Return the addresses of mailboxes whose forward has no local copy
    while their self-alias is still enabled (what 1.10 left).
    """
    cursor.execute(
        "SELECT fwd.address FROM admin_alias fwd "
        "JOIN admin_alias self ON self.address = fwd.address AND self.internal = %s "
        "AND self.enabled = %s "
        "JOIN modoboa_admin_aliasrecipient own ON own.alias_id = self.id "
        "AND own.r_mailbox_id IS NOT NULL "
        "WHERE fwd.internal = %s AND fwd.enabled = %s AND NOT EXISTS ("
        "SELECT 1 FROM modoboa_admin_aliasrecipient r WHERE r.alias_id = fwd.id "
        "AND r.r_mailbox_id = own.r_mailbox_id) ORDER BY fwd.address",
        [True, True, False, True],
    )
    return [row[0] for row in cursor.fetchall()]


def gather(connection=None, settings_file=None):
    """Return the report as a list of ``(section, lines)``."""
    from modoboa.core.app_settings import password_settings
    from modoboa.core.password_hashers import get_scheme

    connection = connection or default_connection
    finding = detect.inspect(connection)
    sections = []
    if finding.refused:
        return [("Database", [finding.message])], finding
    if finding.kind == detect.EMPTY:
        return [
            ("Database", ["Empty: nothing to take over (migrate makes a fresh install)."])
        ], finding
    describe = {
        detect.MODOBOA_110: "Modoboa %s: 'manage.py migrate' (or 'modo takeover') takes "
        "it over" % finding.version,
        detect.PENDING: "Taken over from Modoboa 1.10, schema alignment not finished: run "
        "'manage.py migrate' again",
        detect.CURRENT: "This release's schema",
    }
    lines = [describe[finding.kind]]
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        if "django_migrations" in tables:
            kept = _scalar(
                cursor,
                "SELECT COUNT(*) FROM django_migrations WHERE app LIKE %s",
                [detect.KEPT_PREFIX + "%"],
            )
            if kept:
                lines.append("Taken over from Modoboa 1.10 (%d rows of its history kept)" % kept)
        sections.append(("Database", lines))
        sections.append(("Counts", _counts(cursor, connection)))
        sections.append(("Extension tables", _extension_tables(cursor, connection, tables)))
        scheme_name, _rounds = password_settings_or_default(password_settings)
        sections.append(("Password hashes", _hashes(cursor, scheme_name, get_scheme)))
        sections.append(("Parameters", _parameters(cursor)))
        if settings_file:
            sections.append(("Settings of 1.10's settings.py", _settings(settings_file)))
        sections.append(("Behaviour changes", _behaviour(cursor, connection)))
    return sections, finding


def password_settings_or_default(password_settings):
    try:
        return password_settings()
    except Exception:  # noqa: BLE001 - a 1.10 schema may not be readable by the ORM yet
        from modoboa.core.password_hashers import DEFAULT_ROUNDS, DEFAULT_SCHEME

        return DEFAULT_SCHEME, DEFAULT_ROUNDS


def _counts(cursor, connection):
    counts = [
        ("domains", "SELECT COUNT(*) FROM admin_domain WHERE type = 'domain'"),
        ("relay domains", "SELECT COUNT(*) FROM admin_domain WHERE type = 'relaydomain'"),
        ("domain aliases", "SELECT COUNT(*) FROM admin_domainalias"),
        ("mailboxes", "SELECT COUNT(*) FROM admin_mailbox"),
        ("aliases", "SELECT COUNT(*) FROM admin_alias WHERE internal = %s", [False]),
        (
            "alias recipients",
            "SELECT COUNT(*) FROM modoboa_admin_aliasrecipient r JOIN admin_alias a "
            "ON a.id = r.alias_id WHERE a.internal = %s",
            [False],
        ),
        ("accounts", "SELECT COUNT(*) FROM core_user"),
        ("super administrators", "SELECT COUNT(*) FROM core_user WHERE is_superuser = %s", [True]),
        ("API tokens", "SELECT COUNT(*) FROM authtoken_token"),
        ("quota usage rows", "SELECT COUNT(*) FROM admin_quota"),
    ]
    lines = [
        "%s: %d" % (item[0], _scalar(cursor, item[1], item[2] if len(item) > 2 else ()))
        for item in counts
    ]
    cursor.execute(
        "SELECT g.name, COUNT(*) FROM core_user_groups ug JOIN auth_group g "
        "ON g.id = ug.group_id GROUP BY g.name ORDER BY g.name"
    )
    lines += ["accounts in group %s: %d" % row for row in cursor.fetchall()]
    return lines


def _extension_tables(cursor, connection, tables):
    covered = set(conform.covered_tables(connection))
    lines = []
    for table in sorted(tables - covered):
        if table == "dkim" or table.startswith("modoboa_takeover"):
            continue
        extension = next(
            (name for prefix, name in EXTENSION_TABLES if table.startswith(prefix)), None
        )
        quoted = connection.ops.quote_name(table)
        rows = _scalar(cursor, "SELECT COUNT(*) FROM %s" % quoted)  # noqa: S608 - a table name
        if extension is None:
            owner = "not a table of Modoboa 1.10 or its extensions"
        elif builtin_extensions.module_for(extension):
            owner = "extension '%s': enable it with 'modoboa-admin.py deploy --extensions %s'" % (
                extension,
                extension,
            )
        else:
            owner = "extension '%s', not part of this release yet" % extension
        lines.append("%s (%d rows): kept untouched; %s" % (table, rows, owner))
    return lines or ["none"]


def _hashes(cursor, scheme_name, get_scheme):
    cursor.execute("SELECT password FROM core_user")
    schemes = Counter()
    for (password,) in cursor.fetchall():
        if password.startswith("{") and "}" in password:
            schemes[password[: password.index("}") + 1]] += 1
        else:
            schemes["(no {SCHEME} prefix: cannot log in)"] += 1
    target = get_scheme(scheme_name).prefix
    if not target.startswith("{"):
        target = "{%s}" % target
    lines = []
    for prefix, count in sorted(schemes.items()):
        if prefix == target:
            lines.append("%s: %d, the configured scheme" % (prefix, count))
        else:
            lines.append(
                "%s: %d, verified as they are; rewritten as %s at the next successful "
                "login ('update_scheme' parameter, on by default)" % (prefix, count, target)
            )
    return lines


def _parameters(cursor):
    from modoboa.parameters.tools import registry

    cursor.execute("SELECT _parameters FROM core_localconfig")
    row = cursor.fetchone()
    stored = row[0] if row else {}
    if isinstance(stored, str):
        stored = json.loads(stored or "{}")
    lines = []
    for app, values in sorted(stored.items()):
        if not registry.exists("global", app):
            lines.append(
                "%s: %d values kept, unused until its application is installed"
                % (app, len(values))
            )
            continue
        known = registry.get_defaults("global", app)
        unknown = sorted(set(values) - set(known))
        new = sorted(set(known) - set(values))
        line = "%s: %d values kept" % (app, len(set(values) & set(known)))
        if unknown:
            line += "; not used by this release: %s" % ", ".join(unknown)
        if new:
            line += "; new, default used: %s" % ", ".join(new)
        lines.append(line)
    return lines or ["none stored"]


def _settings(path):
    import ast

    with open(path) as handle:
        tree = ast.parse(handle.read(), filename=path)
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        for target in targets:
            if isinstance(target, ast.Name) and target.id.isupper():
                names.append(target.id)
    lines = []
    for name in names:
        lines.append(
            "%s -> %s" % (name, SETTINGS.get(name, "same name (Django setting), keep if set"))
        )
    return lines


def _behaviour(cursor, connection):
    lines = []
    forwards = forwards_without_local_copy(cursor, connection)
    if forwards:
        lines.append(
            "Forwards without local copies: %d (%s). 1.10 left the mailbox's internal "
            "self-alias enabled, so these mailboxes kept receiving a copy; this release "
            "delivers to the forward only. 'manage.py modo takeover' keeps 1.10's delivery "
            "(the forwards then keep local copies, as the account page shows); "
            "'manage.py modo takeover --forwards as-configured' applies them as configured."
            % (len(forwards), ", ".join(forwards))
        )
    disabled = _scalar(
        cursor,
        "SELECT COUNT(*) FROM admin_alias a JOIN admin_domain d ON d.id = a.domain_id "
        "WHERE d.enabled = %s",
        [False],
    )
    if disabled:
        lines.append(
            "Aliases of disabled domains: %d. 1.10's alias map still answered for them; "
            "this release's does not (docs/decisions.rst). Enable the domain to keep them."
            % disabled
        )
    keyless = _scalar(
        cursor,
        "SELECT COUNT(*) FROM admin_domain WHERE enable_dkim = %s AND dkim_private_key_path = ''",
        [True],
    )
    if keyless:
        lines.append(
            "Domains with DKIM enabled and no key yet: %d. The dkim view leaves them out until "
            "'modo manage_dkim_keys' makes their key (1.10's listed them with an empty path)."
            % keyless
        )
    cursor.execute(
        "SELECT m.address, d.name, COUNT(*) FROM admin_mailbox m JOIN admin_domain d "
        "ON d.id = m.domain_id GROUP BY m.address, d.name HAVING COUNT(*) > 1"
    )
    for local, domain, count in cursor.fetchall():
        lines.append(
            "BLOCKING: mailbox %s@%s exists %d times; delete the extra ones with 1.10 before "
            "migrating (this release has a unique constraint)." % (local, domain, count)
        )
    return lines or ["none"]
