"""``manage.py migrate_from_postfixadmin`` on a real PostfixAdmin database
(Debian's package's schema, filled by its CLI), on every engine."""

import subprocess

import pytest

from tests.fixtures.mailserver import require_binaries

from . import postfixadmin
from .databases import Database


@pytest.fixture
def source(make_database, tmp_path):
    database = make_database()
    postfixadmin.make(database, tmp_path)
    return database


@pytest.fixture
def target(make_database):
    database = make_database()
    for args in (("migrate", "--no-input"), ("load_initial_data",)):
        result = database.manage(*args)
        assert result.returncode == 0, result.stderr
    return database


def source_url(database):
    if database.vendor == "sqlite":
        return "sqlite:///%s" % database.path
    return database.url


def run(target, source, *args):
    return target.manage(
        "migrate_from_postfixadmin", "-s", "MD5-CRYPT", "--source", source_url(source), *args
    )


def test_everything_postfixadmin_had_is_taken_or_reported(source, target):
    result = run(target, source)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert (
        "domain backup.test not taken: a backup MX domain: create it as a relay domain "
        in "\n".join(lines)
    )
    assert any(line.startswith("alias broken@example.org not taken: ") for line in lines), lines
    assert any(
        line.startswith(
            "vacation message user1@example.com not taken: this release has no away-message"
        )
        for line in lines
    )
    assert lines[-1] == "Done: 14 taken, 2 already present, 3 not taken"
    domains = {
        row[0]: row[1:]
        for row in target.query("SELECT name, quota, default_mailbox_quota FROM admin_domain")
    }
    assert domains == {"example.com": (1000, 100), "example.org": (0, 0)}
    limits = dict(
        ((domain, name), value)
        for domain, name, value in target.query(
            "SELECT d.name, l.name, l.max_value FROM limits_domainobjectlimit l "
            "JOIN admin_domain d ON d.id = l.domain_id "
            "WHERE l.name IN ('mailboxes', 'mailbox_aliases')"
        )
    )
    assert limits[("example.com", "mailboxes")] == 10
    assert limits[("example.com", "mailbox_aliases")] == 20
    assert limits[("example.org", "mailboxes")] == -1
    assert target.query("SELECT name FROM admin_domainalias") == [("example.net",)]
    mailboxes = target.query(
        "SELECT u.username, u.password, m.quota, u.is_active, u.first_name FROM core_user u "
        "JOIN admin_mailbox m ON m.user_id = u.id ORDER BY u.username"
    )
    assert [row[0] for row in mailboxes] == [
        "dadmin@example.org", "user1@example.com", "user2@example.com", "user3@example.org"
    ]  # fmt: skip
    assert all(row[1].startswith("{MD5-CRYPT}$1$") for row in mailboxes)
    assert [row[2] for row in mailboxes] == [0, 50, 10, 0]
    assert [bool(row[3]) for row in mailboxes] == [True, True, True, False]
    recipients = {}
    for address, recipient in target.query(
        "SELECT a.address, r.address FROM admin_alias a JOIN modoboa_admin_aliasrecipient r "
        "ON r.alias_id = a.id WHERE a.internal = %s",
        [False],
    ):
        recipients.setdefault(address, set()).add(recipient)
    assert recipients == {
        "info@example.com": {"user1@example.com", "ext@external.test"},
        "@example.org": {"user3@example.org"},
        "team@example.org": {"info@example.com", "user3@example.org", "partner@external.test"},
        "user1@example.com": {"user1.fwd@external.test", "user1@example.com"},
        "user2@example.com": {"user2.fwd@external.test"},
    }
    roles = dict(
        target.query(
            "SELECT u.username, g.name FROM core_user u JOIN core_user_groups ug "
            "ON ug.user_id = u.id JOIN auth_group g ON g.id = ug.group_id "
            "WHERE g.name <> 'SimpleUsers'"
        )
    )
    assert roles == {"dadmin@example.org": "DomainAdmins"}
    assert target.query(
        "SELECT username, is_superuser FROM core_user WHERE username = 'boss@example.com'"
    ) in ([("boss@example.com", 1)], [("boss@example.com", True)])


def test_migrated_hashes_verify_with_dovecot(source, target):
    require_binaries("doveadm", package="dovecot-core")
    assert run(target, source).returncode == 0
    passwords = {"user3@example.org": "Secret678", "boss@example.com": "Boss12345"}
    for username, stored in target.query(
        "SELECT username, password FROM core_user WHERE username LIKE %s", ["%@%"]
    ):
        verified = subprocess.run(
            ["doveadm", "pw", "-t", stored, "-p", passwords.get(username, "Toto12345")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert verified.returncode == 0, (username, stored, verified.stderr)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_dovecot_logs_migrated_mailboxes_in_with_their_old_passwords(source, dovecot):
    """The import into the database Dovecot reads (the test database):
    ``doveadm auth test`` and an IMAP login accept the PostfixAdmin
    passwords, through our SQL passdb.
    """
    result = run(Database.of_tests(), source, "--no-progress")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "Done: 14 taken, 2 already present, 3 not taken"
    for address in ("user1@example.com", "user2@example.com", "dadmin@example.org"):
        assert dovecot.auth_ok(address, "Toto12345"), address
        assert not dovecot.auth_ok(address, "Toto12346"), address
    assert dovecot.imap_login("user1@example.com", "Toto12345") == 0
    # Disabled in PostfixAdmin, disabled here.
    assert not dovecot.auth_ok("user3@example.org", "Secret678")
    # A superadmin of PostfixAdmin has no mailbox: no mail login.
    assert not dovecot.auth_ok("boss@example.com", "Boss12345")


def test_a_dry_run_changes_nothing_and_a_second_run_takes_nothing_more(source, target):
    schema, users = target.schema(), target.query("SELECT username, password FROM core_user")

    dry = run(target, source, "--dry-run")

    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[-1] == (
        "Dry run: 14 taken, 2 already present, 3 not taken (nothing was changed)"
    )
    assert target.schema() == schema
    assert target.query("SELECT username, password FROM core_user") == users
    assert run(target, source).returncode == 0
    after = target.query("SELECT username, password FROM core_user ORDER BY username")

    again = run(target, source)

    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == "Done: 0 taken, 16 already present, 3 not taken"
    assert target.query("SELECT username, password FROM core_user ORDER BY username") == after


def test_bad_sources_and_schemes_are_refused(target, tmp_path):
    result = target.manage(
        "migrate_from_postfixadmin", "-s", "NOPE", "--source", "sqlite:////nonexistent"
    )
    assert result.returncode != 0
    assert "-s/--scheme: NOPE is not a scheme Modoboa verifies" in result.stderr
    result = target.manage("migrate_from_postfixadmin", "-s", "MD5-CRYPT")
    assert (
        "No source: give --source <database URL> or define a 'pfxadmin' connection"
        in result.stderr
    )
    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(b"")
    result = target.manage(
        "migrate_from_postfixadmin", "-s", "MD5-CRYPT", "--source", "sqlite:///%s" % empty
    )
    assert (
        "Not a PostfixAdmin database: no table admin, alias, domain, domain_admins, mailbox"
        in result.stderr
    )
    assert "Traceback" not in result.stderr
