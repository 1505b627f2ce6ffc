"""A real PostfixAdmin database: the schema made by Debian's ``postfixadmin``
package's own ``upgrade.php``, filled with its own ``postfixadmin-cli``.

The package's code is copied to a temporary directory with a
``config.local.php`` of the test (database, ``md5crypt`` hashes, quotas,
vacation), so that nothing under /etc is changed.
"""

import os
import shutil
import subprocess

import pytest

from tests.fixtures.mailserver import require_binaries

PACKAGE = "/usr/share/postfixadmin"

CONFIG = """<?php
$CONF['configured'] = true;
$CONF['database_type'] = '%(type)s';
$CONF['database_host'] = '%(host)s';
$CONF['database_port'] = '%(port)s';
$CONF['database_user'] = '%(user)s';
$CONF['database_password'] = '%(password)s';
$CONF['database_name'] = '%(name)s';
$CONF['encrypt'] = 'md5crypt';
$CONF['quota'] = 'YES';
$CONF['domain_quota'] = 'YES';
$CONF['vacation'] = 'YES';
$CONF['vacation_domain'] = 'autoreply.example.test';
$CONF['alias_domain'] = 'YES';
$CONF['emailcheck_resolve_domain'] = 'NO';
"""

# What PostfixAdmin's own CLI creates (module, task, object, options).
COMMANDS = [
    ("domain", "example.com", "--description Com --aliases 20 --mailboxes 10 --maxquota 100 "
     "--quota 1000 --active 1 --default-aliases 0 --backupmx 0"),
    ("domain", "example.org", "--description Org --aliases 0 --mailboxes 0 --maxquota 0 "
     "--quota 0 --active 1 --default-aliases 0 --backupmx 0"),
    ("domain", "example.net", "--description Net --aliases 0 --mailboxes 0 --maxquota 0 "
     "--quota 0 --active 1 --default-aliases 0 --backupmx 0"),
    ("domain", "backup.test", "--description Backup --aliases 0 --mailboxes 0 --maxquota 0 "
     "--quota 0 --active 1 --default-aliases 0 --backupmx 1"),
    ("aliasdomain", "example.net", "--target-domain example.com --active 1"),
    ("mailbox", "user1@example.com", "--password Toto12345 --password2 Toto12345 "
     "--name 'User One' --quota 50 --active 1 --welcome-mail 0"),
    ("mailbox", "user2@example.com", "--password Toto12345 --password2 Toto12345 "
     "--name 'User Two' --quota 10 --active 1 --welcome-mail 0"),
    ("mailbox", "user3@example.org", "--password Secret678 --password2 Secret678 "
     "--name 'User Three' --quota 0 --active 0 --welcome-mail 0"),
    ("mailbox", "dadmin@example.org", "--password Toto12345 --password2 Toto12345 "
     "--name 'Dom Admin' --quota 0 --active 1 --welcome-mail 0"),
    ("alias", "info@example.com", "--goto user1@example.com,ext@external.test --active 1"),
    ("alias", "@example.org", "--goto user3@example.org --active 1"),
    ("alias", "team@example.org",
     "--goto info@example.com,user3@example.org,partner@external.test --active 1"),
    ("alias", "broken@example.org", "--goto nobody@example.com --active 1"),
    ("admin", "dadmin@example.org", "--password Toto12345 --password2 Toto12345 "
     "--domains example.com,example.org --active 1"),
    ("admin", "boss@example.com", "--password Boss12345 --password2 Boss12345 --superadmin 1 "
     "--active 1"),
]  # fmt: skip


def cli(directory, *args):
    result = subprocess.run(
        ["php", os.path.join(directory, "scripts", "postfixadmin-cli.php"), *args],
        cwd=directory,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if "Error" in result.stdout or result.returncode != 0:
        raise AssertionError(
            "postfixadmin-cli %s: %s%s" % (" ".join(args), result.stdout, result.stderr)
        )
    return result.stdout


def make(database, directory):
    """Create PostfixAdmin's schema in ``database`` (empty) and fill it."""
    require_binaries("php", package="php-cli")
    if not os.path.isdir(PACKAGE):
        pytest.fail("Debian's postfixadmin package is not installed")
    code = os.path.join(str(directory), "postfixadmin")
    shutil.copytree(PACKAGE, code, symlinks=False, ignore_dangling_symlinks=True)
    os.makedirs(os.path.join(code, "templates_c"), exist_ok=True)
    if database.vendor == "sqlite":
        values = {"type": "sqlite", "host": "", "port": "", "user": "", "password": "",
                  "name": database.path}  # fmt: skip
    else:
        server = database.server
        values = {
            "type": "pgsql" if database.vendor == "postgresql" else "mysqli",
            "host": server.hostname,
            "port": server.port,
            "user": server.username,
            "password": server.password or "",
            "name": database.name,
        }
    with open(os.path.join(code, "config.local.php"), "w") as handle:
        handle.write(CONFIG % values)
    with open(os.path.join(code, "dbconfig.inc.php"), "w") as handle:
        handle.write("<?php\n$dbtype = '';\n$dbserver = '';\n$dbport = '';\n$dbname = '';\n"
                     "$dbuser = '';\n$dbpass = '';\n")  # fmt: skip
    upgrade = subprocess.run(
        ["php", os.path.join(code, "public", "upgrade.php")],
        cwd=code,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # upgrade.php reports (and ignores) some errors itself, such as
    # PostgreSQL's plpgsql being there already: the schema version it
    # records at the end says whether it went through.
    with database.cursor() as cursor:
        cursor.execute("SELECT value FROM config WHERE name = 'version'")
        version = cursor.fetchone()
    assert upgrade.returncode == 0 and version and int(version[0]) >= 1840, (
        upgrade.stdout[-2000:] + upgrade.stderr
    )
    for module, name, options in COMMANDS:
        cli(code, module, "add", name, *_split(options))
    # A forward: the CLI keeps the local copy (user1); the "forward only"
    # choice of PostfixAdmin's page leaves the mailbox out of goto (user2),
    # as does its vacation page for the row below (the CLI has neither).
    cli(code, "alias", "update", "user1@example.com", "--goto", "user1.fwd@external.test")
    with database.cursor() as cursor:
        cursor.execute(
            "UPDATE alias SET goto = 'user2.fwd@external.test' WHERE address = 'user2@example.com'"
        )
        # Its columns differ between engines: fill those it has.
        cursor.execute("SELECT * FROM vacation WHERE 1 = 0")
        columns = [column[0] for column in cursor.description]
        true = "true" if database.vendor == "postgresql" else "1"
        values = {
            "email": "'user1@example.com'", "subject": "'Away'", "body": "'Back soon'",
            "domain": "'example.com'", "active": true, "activefrom": "'2026-01-01 00:00:00'",
            "activeuntil": "'2038-01-01 00:00:00'", "cache": "''", "interval_time": "0",
            "created": "'2026-01-01 00:00:00'", "modified": "'2026-01-01 00:00:00'",
        }  # fmt: skip
        present = [column for column in columns if column in values]
        cursor.execute(
            "INSERT INTO vacation (%s) VALUES (%s)"
            % (", ".join(present), ", ".join(values[column] for column in present))
        )
    return code


def _split(options):
    import shlex

    return shlex.split(options)
