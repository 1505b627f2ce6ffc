"""The schema after ``migrate`` is the public contract Postfix, Dovecot and
OpenDKIM read: every table and column of the upstream 1.10 schema
(inventory section 2), with the same type family, nullability and unique
constraints, on the engine the suite runs on.
"""

import re

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

STR = "string"
TEXT = "text"
INT = "integer"
BIGINT = "bigint"
BOOL = "bool"
DATETIME = "datetime"
JSON = "json"
IP = "ip"

# Families a column may have on some engine for each expected family:
# JSON lives in text columns on MySQL/MariaDB and SQLite, an IP address in a
# char(39) outside PostgreSQL.
ACCEPTED = {JSON: {JSON, TEXT}, IP: {IP, STR}}


def col(family, null=False, length=None):
    return {"family": family, "null": null, "length": length}


ADMIN_OBJECT = {"creation": col(DATETIME), "last_modification": col(DATETIME)}

# table -> {column: spec}, from inventory section 2.
EXPECTED = {
    "core_user": {
        "id": col(INT),
        "password": col(STR, length=256),
        "last_login": col(DATETIME, null=True),
        "is_superuser": col(BOOL),
        "username": col(STR, length=254),
        "first_name": col(STR, length=30),
        "last_name": col(STR, length=30),
        "email": col(STR, length=254),
        "is_staff": col(BOOL),
        "is_active": col(BOOL),
        "date_joined": col(DATETIME),
        "is_local": col(BOOL),
        "master_user": col(BOOL),
        "language": col(STR, length=10),
        "phone_number": col(STR, null=True, length=128),
        "secondary_email": col(STR, null=True, length=254),
        "_parameters": col(JSON),
    },
    "core_user_groups": {"id": col(INT), "user_id": col(INT), "group_id": col(INT)},
    "core_user_user_permissions": {
        "id": col(INT),
        "user_id": col(INT),
        "permission_id": col(INT),
    },
    "core_objectaccess": {
        "id": col(INT),
        "user_id": col(INT),
        "content_type_id": col(INT),
        "object_id": col(INT),
        "is_owner": col(BOOL),
    },
    "core_log": {
        "id": col(INT),
        "date_created": col(DATETIME),
        "message": col(STR, length=255),
        "level": col(STR, length=15),
        "logger": col(STR, length=30),
    },
    "core_localconfig": {
        "id": col(INT),
        "api_pk": col(INT, null=True),
        "site_id": col(INT),
        "api_versions": col(JSON),
        "_parameters": col(JSON),
    },
    "admin_domain": {
        "id": col(INT),
        "name": col(STR, length=100),
        "quota": col(INT),
        "default_mailbox_quota": col(INT),
        "enabled": col(BOOL),
        "type": col(STR, length=20),
        "enable_dns_checks": col(BOOL),
        "transport_id": col(INT, null=True),
        "enable_dkim": col(BOOL),
        "dkim_key_selector": col(STR, length=30),
        "dkim_key_length": col(INT, null=True),
        "dkim_public_key": col(TEXT),
        "dkim_private_key_path": col(STR, length=254),
        **ADMIN_OBJECT,
    },
    "admin_domainalias": {
        "id": col(INT),
        "name": col(STR, length=100),
        "target_id": col(INT),
        "enabled": col(BOOL),
        **ADMIN_OBJECT,
    },
    "admin_mailbox": {
        "id": col(INT),
        "address": col(STR, length=252),
        "quota": col(INT),
        "use_domain_quota": col(BOOL),
        "domain_id": col(INT),
        "user_id": col(INT),
        **ADMIN_OBJECT,
    },
    "admin_quota": {
        "username": col(STR, length=254),
        "bytes": col(BIGINT),
        "messages": col(INT),
    },
    "admin_alias": {
        "id": col(INT),
        "address": col(STR, length=254),
        "domain_id": col(INT, null=True),
        "enabled": col(BOOL),
        "internal": col(BOOL),
        "description": col(TEXT),
        "expire_at": col(DATETIME, null=True),
        # Added (issue 14), with a database default so that 1.10's own
        # INSERTs still work: enabling an account enables only the aliases
        # disabling it switched off.
        "disabled_with_account": col(BOOL),
        **ADMIN_OBJECT,
    },
    "modoboa_admin_aliasrecipient": {
        "id": col(INT),
        "address": col(STR, length=254),
        "alias_id": col(INT),
        "r_mailbox_id": col(INT, null=True),
        "r_alias_id": col(INT, null=True),
    },
    "admin_senderaddress": {
        "id": col(INT),
        "address": col(STR, length=254),
        "mailbox_id": col(INT),
    },
    "admin_mailboxoperation": {
        "id": col(INT),
        "mailbox_id": col(INT, null=True),
        "type": col(STR, length=20),
        "argument": col(TEXT),
    },
    "admin_mxrecord": {
        "id": col(INT),
        "domain_id": col(INT),
        "name": col(STR, length=254),
        "address": col(IP),
        "managed": col(BOOL),
        "updated": col(DATETIME),
    },
    "admin_dnsblresult": {
        "id": col(INT),
        "domain_id": col(INT),
        "provider": col(STR, length=254),
        "mx_id": col(INT),
        "status": col(STR, length=45),
    },
    "limits_userobjectlimit": {
        "id": col(INT),
        "user_id": col(INT),
        "name": col(STR, length=254),
        "content_type_id": col(INT),
        "max_value": col(INT),
    },
    "limits_domainobjectlimit": {
        "id": col(INT),
        "domain_id": col(INT),
        "name": col(STR, length=254),
        "max_value": col(INT),
    },
    "transport_transport": {
        "id": col(INT),
        "pattern": col(STR, length=254),
        "service": col(STR, length=30),
        "next_hop": col(STR, length=100),
        "_settings": col(JSON),
    },
    "relaydomains_recipientaccess": {
        "id": col(INT),
        "pattern": col(STR, length=254),
        "action": col(STR, length=40),
    },
    "authtoken_token": {
        "key": col(STR, length=40),
        "created": col(DATETIME),
        "user_id": col(INT),
    },
    "reversion_revision": {
        "id": col(INT),
        "date_created": col(DATETIME),
        "comment": col(TEXT),
        "user_id": col(INT, null=True),
    },
    "reversion_version": {
        "id": col(INT),
        "object_id": col(STR, length=191),
        "format": col(STR),
        "serialized_data": col(TEXT),
        "object_repr": col(TEXT),
        "content_type_id": col(INT),
        "revision_id": col(INT),
        "db": col(STR),
    },
}

# table -> sets of columns that must be unique together (single columns
# included), from inventory section 2. (address, domain_id) on admin_mailbox
# is ours: upstream only checked it in Python (docs/decisions.rst).
EXPECTED_UNIQUE = {
    "core_user": [("username",)],
    "core_user_groups": [("user_id", "group_id")],
    "core_objectaccess": [("user_id", "content_type_id", "object_id")],
    "admin_domain": [("name",), ("transport_id",)],
    "admin_domainalias": [("name",)],
    "admin_mailbox": [("user_id",), ("address", "domain_id")],
    "admin_quota": [("username",)],
    "admin_alias": [("address", "internal")],
    "modoboa_admin_aliasrecipient": [("alias_id", "r_mailbox_id"), ("alias_id", "r_alias_id")],
    "admin_senderaddress": [("address", "mailbox_id")],
    "admin_dnsblresult": [("domain_id", "provider", "mx_id")],
    "limits_userobjectlimit": [("user_id", "name")],
    "limits_domainobjectlimit": [("domain_id", "name")],
    "transport_transport": [("pattern",)],
    "relaydomains_recipientaccess": [("pattern",)],
    "authtoken_token": [("key",), ("user_id",)],
}

PRIMARY_KEYS = {"admin_quota": "username", "authtoken_token": "key"}

# Every column compared with a lookup key (or joined on) by the seed's
# Dovecot queries, the Postfix maps, the quota dict, the post-login UPDATE
# and OpenDKIM's tables: each must lead an index.
LOOKUP_COLUMNS = [
    ("core_user", "email"),
    ("core_user", "username"),
    ("core_user", "is_active"),
    ("admin_domain", "name"),
    ("admin_domainalias", "name"),
    ("admin_domainalias", "target_id"),
    ("admin_mailbox", "address"),
    ("admin_mailbox", "domain_id"),
    ("admin_mailbox", "user_id"),
    ("admin_alias", "address"),
    ("modoboa_admin_aliasrecipient", "alias_id"),
    ("modoboa_admin_aliasrecipient", "r_mailbox_id"),
    ("admin_senderaddress", "address"),
    ("admin_senderaddress", "mailbox_id"),
    ("admin_mailboxoperation", "mailbox_id"),
    ("admin_quota", "username"),
    ("transport_transport", "pattern"),
    ("relaydomains_recipientaccess", "pattern"),
]


def classify(raw):
    """Type family of a raw column type as the engine reports it."""
    raw = raw.lower()
    if raw in ("bool", "boolean", "tinyint(1)"):
        return BOOL
    if raw.startswith("bigint"):
        return BIGINT
    if raw.startswith(("int", "integer", "smallint", "serial")):
        return INT
    if raw.startswith(("timestamp", "datetime")):
        return DATETIME
    if raw.startswith(("json", "jsonb")):
        return JSON
    if raw == "inet":
        return IP
    if "char" in raw:
        return STR
    if raw.endswith("text"):
        return TEXT
    return raw


def describe(table):
    """Return ``{column: (family, nullable, max_length, default)}``."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("PRAGMA table_info(%s)" % connection.ops.quote_name(table))
            result = {}
            for _cid, name, raw, notnull, default, pk in cursor.fetchall():
                match = re.search(r"\((\d+)\)", raw)
                result[name] = (
                    classify(raw),
                    not notnull and not pk,
                    int(match.group(1)) if match else None,
                    default,
                )
            return result
        if vendor == "postgresql":
            cursor.execute(
                "SELECT column_name, data_type, is_nullable, character_maximum_length, "
                "column_default FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s",
                [table],
            )
            return {
                name: (classify(raw), nullable == "YES", length, default)
                for name, raw, nullable, length, default in cursor.fetchall()
            }
        cursor.execute(
            "SELECT column_name, column_type, is_nullable, character_maximum_length, "
            "column_default FROM information_schema.columns "
            "WHERE table_schema = DATABASE() AND table_name = %s",
            [table],
        )
        return {
            name: (classify(raw), nullable == "YES", length, default)
            for name, raw, nullable, length, default in cursor.fetchall()
        }


def constraints(table):
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


def table_names():
    with connection.cursor() as cursor:
        return {info.name: info.type for info in connection.introspection.get_table_list(cursor)}


def test_every_upstream_table_exists():
    existing = table_names()
    missing = [table for table in EXPECTED if table not in existing]
    assert missing == []
    for table in (
        "django_content_type",
        "auth_permission",
        "auth_group",
        "auth_group_permissions",
        "django_session",
        "django_site",
        "django_migrations",
    ):
        assert table in existing


def test_no_table_of_the_dropped_upstream_models_exists():
    existing = table_names()
    for table in (
        "lib_parameter",
        "lib_userparameter",
        "core_extension",
        "limits_limit",
        "limits_limitspool",
        "relaydomains_relaydomain",
        "relaydomains_service",
        "admin_aliasrecipient",
    ):
        assert table not in existing


@pytest.mark.parametrize("table", sorted(EXPECTED))
def test_columns_match_the_upstream_schema(table):
    actual = describe(table)
    expected = EXPECTED[table]
    assert sorted(actual) == sorted(expected), "columns of %s" % table
    for name, spec in expected.items():
        family, nullable, length, _default = actual[name]
        assert family in ACCEPTED.get(spec["family"], {spec["family"]}), (table, name, family)
        assert nullable == spec["null"], (table, name, "nullable")
        if spec["length"] is not None:
            assert length == spec["length"], (table, name, "length")


@pytest.mark.parametrize("table", sorted(EXPECTED_UNIQUE))
def test_unique_constraints_match_the_upstream_schema(table):
    uniques = {
        tuple(info["columns"])
        for info in constraints(table).values()
        if info["unique"] or info["primary_key"]
    }
    for columns in EXPECTED_UNIQUE[table]:
        assert columns in uniques, (table, columns)


@pytest.mark.parametrize("table,column", sorted(PRIMARY_KEYS.items()))
def test_tables_keyed_by_a_name_use_it_as_primary_key(table, column):
    primary = [info["columns"] for info in constraints(table).values() if info["primary_key"]]
    assert primary == [[column]]


@pytest.mark.parametrize("table,column", LOOKUP_COLUMNS)
def test_every_column_a_daemon_looks_up_leads_an_index(table, column):
    leading = {
        info["columns"][0]
        for info in constraints(table).values()
        if info["columns"] and (info["index"] or info["unique"] or info["primary_key"])
    }
    assert column in leading, "%s.%s is not indexed" % (table, column)


def test_quota_usage_columns_default_to_zero_in_the_database():
    # Dovecot's dict quota INSERTs rows without always giving both values.
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO admin_quota (username) VALUES ('dict@test.com')")
        cursor.execute("SELECT bytes, messages FROM admin_quota WHERE username = 'dict@test.com'")
        assert cursor.fetchone() == (0, 0)
    columns = describe("admin_quota")
    assert str(columns["bytes"][3]).strip("'()") == "0"
    assert str(columns["messages"][3]).strip("'()") == "0"


def test_an_alias_inserted_with_the_columns_of_1_10_gets_the_added_one():
    # Scripts written for 1.10 INSERT aliases without the column added here.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO admin_alias (address, enabled, internal, description, creation, "
            "last_modification) VALUES ('raw@test.com', %s, %s, '', %s, %s)",
            [True, False, "2026-01-01 00:00:00", "2026-01-01 00:00:00"],
        )
        cursor.execute(
            "SELECT disabled_with_account FROM admin_alias WHERE address = 'raw@test.com'"
        )
        assert not cursor.fetchone()[0]


def test_the_dkim_view_exists_for_opendkim():
    assert table_names().get("dkim") == "v"
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, domain_name, private_key_path, selector FROM dkim")
        assert list(cursor.fetchall()) == []


def test_postgresql_merges_dict_quota_inserts_into_the_existing_row():
    def usage():
        cursor.execute("SELECT bytes, messages FROM admin_quota WHERE username = 'u@test.com'")
        return cursor.fetchone()

    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO admin_quota (username, bytes) VALUES ('u@test.com', 100)")
        if connection.vendor != "postgresql":
            # No trigger elsewhere: the primary key refuses a second row.
            from django.db import IntegrityError, transaction

            with pytest.raises(IntegrityError), transaction.atomic():
                cursor.execute(
                    "INSERT INTO admin_quota (username, bytes) VALUES ('u@test.com', 50)"
                )
            assert usage() == (100, 0)
            return
        # Older Dovecot releases: every write is an INSERT to be added up.
        cursor.execute(
            "INSERT INTO admin_quota (username, bytes, messages) VALUES ('u@test.com', 50, 2)"
        )
        assert usage() == (150, 2)
        # Dovecot 2.3, as captured from its SQL: increments are UPDATEs and a
        # recalculation deletes the row before writing the new totals.
        cursor.execute(
            "UPDATE admin_quota SET bytes=bytes+23,messages=messages+1 "
            "WHERE username = 'u@test.com'"
        )
        assert usage() == (173, 3)
        cursor.execute("DELETE FROM admin_quota WHERE username = 'u@test.com'")
        cursor.execute(
            "INSERT INTO admin_quota (bytes,messages,username) VALUES ('48','2','u@test.com') "
            "ON CONFLICT (username) DO UPDATE SET bytes='48',messages='2'"
        )
        assert usage() == (48, 2)


def test_the_models_and_the_migrations_agree():
    # A model change without its migration would leave the schema above
    # behind what the code expects.
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail("models changed without migration:\n%s" % out.getvalue())
