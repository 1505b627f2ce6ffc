"""After ``modo takeover``, every old login, alias and map answer still
works: key by key, on the genuine 1.10.7 database.

- Postfix: each map ``generate_postfix_maps`` writes is queried with
  ``postmap -q`` on the taken-over database, and must answer what 1.10's
  map answered for the same key on the untouched 1.10 database (1.10's
  queries, as the inventory describes them, run on it);
- Dovecot: the seed's ``password_query`` and ``user_query`` give the same
  rows on both, and ``doveadm pw -t`` verifies every stored hash with the
  account's password;
- the console logs every account in with its old password (the hash is
  then rewritten with the configured scheme, which Dovecot verifies too),
  and the API accepts the old tokens.
"""

import json
import os
import subprocess
import sys

import pytest

from tests.fixtures.mailserver import require_binaries

from .databases import TOP

pytestmark = pytest.mark.engines("sqlite", "postgresql")

PASSWORDS = {"admin": "password"}
DEFAULT_PASSWORD = "Toto12345"

# What 1.10's maps answered (modoboa-1.10-inventory.md, "Postfix maps").
UPSTREAM_MAPS = {
    "sql-domains.cf": (
        "SELECT name FROM admin_domain WHERE name = %s AND type = 'domain' AND enabled = %s",
        lambda key: [key, True],
    ),
    "sql-domain-aliases.cf": (
        "SELECT dom.name FROM admin_domainalias da JOIN admin_domain dom ON dom.id = da.target_id "
        "WHERE da.name = %s AND da.enabled = %s AND dom.enabled = %s",
        lambda key: [key, True, True],
    ),
    "sql-aliases.cf": (
        "SELECT r.address FROM modoboa_admin_aliasrecipient r JOIN admin_alias a "
        "ON a.id = r.alias_id WHERE a.address = %s AND a.enabled = %s "
        "AND (a.expire_at IS NULL OR a.expire_at > CURRENT_TIMESTAMP)",
        lambda key: [key, True],
    ),
    "sql-sender-login-map.cf": (
        "SELECT email FROM core_user WHERE email = %s AND is_active = %s "
        "UNION SELECT mb.address || '@' || dom.name FROM admin_senderaddress sa "
        "JOIN admin_mailbox mb ON mb.id = sa.mailbox_id JOIN admin_domain dom "
        "ON dom.id = mb.domain_id WHERE sa.address = %s "
        "UNION SELECT mb.address || '@' || dom.name FROM admin_alias a "
        "JOIN modoboa_admin_aliasrecipient r ON r.alias_id = a.id "
        "JOIN admin_mailbox mb ON mb.id = r.r_mailbox_id JOIN admin_domain dom "
        "ON dom.id = mb.domain_id WHERE a.address = %s AND a.enabled = %s",
        lambda key: [key, True, key, key, True],
    ),
    "sql-transport.cf": (
        "SELECT service || ':' || next_hop FROM transport_transport WHERE pattern = %s",
        lambda key: [key],
    ),
    "sql-relaydomains.cf": (
        "SELECT name FROM admin_domain WHERE name = %s AND type = 'relaydomain' AND enabled = %s",
        lambda key: [key, True],
    ),
    "sql-relay-recipient-verification.cf": (
        "SELECT action FROM relaydomains_recipientaccess WHERE pattern = %s",
        lambda key: [key.split("@", 1)[1]] if "@" in key else None,
    ),
}

KEYS = [
    "example.com", "example.org", "example.net", "reseller.test", "relay.test", "unknown.test",
    "user1@example.com", "user2@example.com", "user3@example.org", "user4@example.org",
    "user5@example.org", "user6@example.com", "user7@example.org", "dadmin@example.org",
    "bob@reseller.test", "contact@reseller.test", "info@example.com", "ext@example.com",
    "@example.org", "team@example.org", "nobody@example.org", "@example.net",
    "user1@example.net", "sales@example.net", "admin", "reseller1", "someone@relay.test",
]  # fmt: skip

DOVECOT_QUERIES = {
    "sqlite": (
        "SELECT email AS user, password FROM core_user u INNER JOIN admin_mailbox mb "
        "ON u.id=mb.user_id INNER JOIN admin_domain dom ON mb.domain_id=dom.id "
        "WHERE u.email=%s AND u.is_active=1 AND dom.enabled=1",
        "SELECT '/var/vmail/%%Ld/%%Ln' AS home, 5000 as uid, 5000 as gid, "
        "('*:bytes=' || mb.quota || 'M') AS quota_rule FROM admin_mailbox mb "
        "INNER JOIN admin_domain dom ON mb.domain_id=dom.id WHERE mb.address=%s AND dom.name=%s",
    ),
    "postgresql": (
        "SELECT email AS user, password FROM core_user u INNER JOIN admin_mailbox mb "
        "ON u.id=mb.user_id INNER JOIN admin_domain dom ON mb.domain_id=dom.id "
        "WHERE u.email=%s AND u.is_active AND dom.enabled",
        "SELECT '/var/vmail/%%Ld/%%Ln' AS home, 5000 as uid, 5000 as gid, "
        "'*:bytes=' || mb.quota || 'M' AS quota_rule FROM admin_mailbox mb "
        "INNER JOIN admin_domain dom ON mb.domain_id=dom.id WHERE mb.address=%s AND dom.name=%s",
    ),
}


def upstream_answer(database, filename, key):
    sql, params = UPSTREAM_MAPS[filename]
    if database.vendor == "mysql":
        sql = sql.replace("mb.address || '@' || dom.name", "CONCAT(mb.address, '@', dom.name)")
        sql = sql.replace("service || ':' || next_hop", "CONCAT(service, ':', next_hop)")
    values = params(key)
    if values is None:
        return set()
    return {row[0] for row in database.query(sql, values)}


def postmap(config, driver, path, key):
    result = subprocess.run(
        ["postmap", "-c", str(config), "-q", key, "%s:%s" % (driver, path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 1 and not result.stderr.strip():
        return set()
    assert result.returncode == 0, result.stderr
    return set(result.stdout.strip().split(","))


@pytest.fixture(scope="module")
def taken_over(tmp_path_factory):
    """The fixture as 1.10 left it, and a copy taken over by this release."""
    from django.db import connection

    from .databases import Database

    directory = tmp_path_factory.mktemp("keys")
    old = Database(connection.vendor, directory).load_110_fixture()
    new = Database(connection.vendor, directory).load_110_fixture()
    try:
        result = new.manage("modo", "takeover")
        assert result.returncode == 0, result.stderr
        yield old, new, directory
    finally:
        old.drop()
        new.drop()


def map_differences(old, new, directory, keys=KEYS):
    """Return ``[(map, key, 1.10's answer, ours)]`` where they differ."""
    require_binaries("postmap", package="postfix")
    maps = directory / ("maps-%s" % new.name)
    maps.mkdir(exist_ok=True)
    result = new.manage("generate_postfix_maps", "--destdir", str(maps))
    assert result.returncode == 0, result.stderr
    config = directory / "postfix"
    config.mkdir(exist_ok=True)
    (config / "main.cf").write_text("compatibility_level = 3.6\n")
    driver = {"sqlite": "sqlite", "postgresql": "pgsql", "mysql": "mysql"}[new.vendor]
    differences = []
    for filename in UPSTREAM_MAPS:
        for key in keys:
            expected = upstream_answer(old, filename, key)
            answer = postmap(config, driver, maps / filename, key)
            if answer != expected:
                differences.append((filename, key, sorted(expected), sorted(answer)))
    return differences


def test_postfix_maps_answer_what_110_answered_for_every_key(taken_over):
    old, new, directory = taken_over

    assert map_differences(old, new, directory) == []


def test_forwards_as_configured_change_only_the_announced_answer(taken_over, make_database):
    old, _new, directory = taken_over
    new = make_database().load_110_fixture()
    result = new.manage("modo", "takeover", "--forwards", "as-configured")
    assert result.returncode == 0, result.stderr

    assert map_differences(old, new, directory) == [
        (
            "sql-aliases.cf",
            "user2@example.com",
            ["user2.fwd@external.test", "user2@example.com"],
            ["user2.fwd@external.test"],
        )
    ]


def mailbox_users(database):
    return [
        row[0]
        for row in database.query(
            "SELECT u.email FROM core_user u JOIN admin_mailbox mb ON mb.user_id = u.id "
            "ORDER BY u.email"
        )
    ]


def test_dovecot_lookups_answer_what_110_answered_and_verify_old_hashes(taken_over):
    require_binaries("doveadm", package="dovecot-core")
    old, new, _directory = taken_over
    password_query, user_query = DOVECOT_QUERIES[new.vendor]
    users = mailbox_users(old)
    assert len(users) == 9
    for user in users + ["admin", "nobody@example.org"]:
        assert new.query(password_query, [user]) == old.query(password_query, [user]), user
        local, _sep, domain = user.partition("@")
        assert new.query(user_query, [local, domain]) == old.query(user_query, [local, domain])
    for user, hashed in new.query(password_query.split(" WHERE ")[0] + " ORDER BY email"):
        verified = subprocess.run(
            ["doveadm", "pw", "-t", hashed, "-p", PASSWORDS.get(user, DEFAULT_PASSWORD)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert verified.returncode == 0, (user, hashed, verified.stderr)


def probe(database, logins, tokens):
    result = subprocess.run(
        [sys.executable, os.path.join(os.path.dirname(__file__), "login_probe.py")],
        input=json.dumps({"logins": logins, "tokens": tokens}),
        cwd=TOP,
        env=database.environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_old_users_log_in_with_their_old_passwords_and_old_tokens(taken_over):
    require_binaries("doveadm", package="dovecot-core")
    old, new, _directory = taken_over
    accounts = [row[0] for row in old.query("SELECT username FROM core_user ORDER BY username")]
    tokens = [row[0] for row in old.query("SELECT key FROM authtoken_token")]
    logins = [[name, PASSWORDS.get(name, DEFAULT_PASSWORD)] for name in accounts]

    answer = probe(new, logins, tokens)

    for name in accounts:
        outcome = answer["logins"][name]
        assert outcome["status"] == 302 and outcome["logged_in"], (name, outcome)
        assert outcome["home"] in (200, 302), (name, outcome)
        # Rewritten with the configured scheme at login ('update_scheme').
        assert outcome["scheme"] == "{SHA512-CRYPT}", (name, outcome)
    assert answer["tokens"] == dict.fromkeys(tokens, 200)
    for name in accounts:
        stored = answer["logins"][name]["hash"]
        verified = subprocess.run(
            ["doveadm", "pw", "-t", stored, "-p", PASSWORDS.get(name, DEFAULT_PASSWORD)],
            capture_output=True,
            check=False,
        )
        assert verified.returncode == 0, name
    refused = probe(new, [["user1@example.com", "wrong"]], ["0" * 40])
    assert refused["logins"]["user1@example.com"]["status"] == 401
    assert refused["tokens"] == {"0" * 40: 401}
