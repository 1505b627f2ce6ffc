"""Every lookup Postfix and Dovecot run goes through an index, on the engine
of the run: EXPLAIN of each generated map query and of the documented
Dovecot queries shows no full table scan.

- SQLite: ``EXPLAIN QUERY PLAN`` has no ``SCAN <table>`` step;
- PostgreSQL: with sequential scans discouraged, the plan holds no
  ``Seq Scan`` (which then means no usable index);
- MySQL / MariaDB: no table is read with the ``ALL`` access type.
"""

import re

import pytest
from django.db import connection

from modoboa.admin import services
from modoboa.admin.models import MailboxOperation
from modoboa.core import postfix_maps
from tests.fixtures.mailserver import CONTRIB

# Transactional: MySQL's ANALYZE TABLE commits.
pytestmark = pytest.mark.django_db(transaction=True)

KEYS = {
    "sql-domains.cf": "idx.test",
    "sql-domain-aliases.cf": "alias-idx.test",
    "sql-aliases.cf": "user@idx.test",
    "sql-maintain.cf": "user@idx.test",
    "sql-sender-login-map.cf": "user@idx.test",
    "sql-transport.cf": "relay-idx.test",
    "sql-relaydomains.cf": "relay-idx.test",
    "sql-spliteddomains-transport.cf": "local@relay-idx.test",
    "sql-relay-recipient-verification.cf": "someone@relay-idx.test",
}


@pytest.fixture
def data(superadmin, make_domain, make_account):
    """Enough rows of each table for the planners to prefer indexes."""
    act = {"acting_user": superadmin}
    for number in range(8):
        make_domain("filler%d.test" % number)
        make_account("user%d@filler%d.test" % (number, number))
        services.create_alias(
            address="alias%d@filler%d.test" % (number, number),
            recipients=["user%d@filler%d.test" % (number, number)],
            **act,
        )
    make_domain("idx.test")
    user = make_account("user@idx.test")
    services.create_domain_alias(name="alias-idx.test", target="idx.test", **act)
    services.create_sender_address(address="me@outside.test", mailbox=user.mailbox, **act)
    make_domain(
        "relay-idx.test",
        type="relaydomain",
        transport={
            "service": "relay",
            "settings": {"target_host": "192.0.2.1", "verify_recipients": True},
        },
    )
    make_account("local@relay-idx.test")
    MailboxOperation.objects.create(mailbox=user.mailbox, type="rename", argument="/x")
    if connection.vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE TABLE admin_domain, admin_domainalias, admin_alias, "
                "modoboa_admin_aliasrecipient, admin_mailbox, core_user, admin_senderaddress"
            )
            cursor.fetchall()
    return user


def expand(query, key):
    """Postfix's and Dovecot's expansions, with quotes escaped."""
    local_part, _sep, domain = key.partition("@")
    values = {"s": key, "u": local_part, "d": domain, "Lu": key, "Ln": local_part, "Ld": domain}
    return re.sub(
        r"%(Lu|Ln|Ld|s|u|d)", lambda match: values[match.group(1)].replace("'", "''"), query
    )


def full_scans(sql):
    """The tables the engine would read in full for ``sql``."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            details = [row[-1] for row in cursor.fetchall()]
            return [d for d in details if re.match(r"SCAN (?!CONSTANT ROW)", d)]
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")
            try:
                cursor.execute("EXPLAIN " + sql)
                return [row[0] for row in cursor.fetchall() if "Seq Scan" in row[0]]
            finally:
                cursor.execute("RESET enable_seqscan")
        cursor.execute("EXPLAIN " + sql)
        columns = [column[0] for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        # "<union1,2>"-like rows are the engine's own temporary results.
        return [
            row for row in rows if row["type"] == "ALL" and not str(row["table"]).startswith("<")
        ]


def dovecot_queries():
    engine = {"sqlite": "sqlite", "postgresql": "pgsql", "mysql": "mysql"}[connection.vendor]
    text = (CONTRIB / "dovecot" / ("dovecot-sql-%s.conf.ext" % engine)).read_text()
    queries = {}
    for line in text.splitlines():
        name, _sep, value = line.partition(" = ")
        if name in ("password_query", "user_query"):
            value = value.replace("<mailboxes_root>", "/srv/vmail")
            value = value.replace("<uid>", "5000").replace("<gid>", "5000")
            queries[name] = value
    return queries


def test_every_lookup_of_postfix_and_dovecot_uses_an_index(data):
    """One test for all (the data take a while to create): the failures
    name each map and show its plan.
    """
    dialect = postfix_maps.detect_engine(connection.settings_dict["ENGINE"])
    maps = {m.filename: m for m in postfix_maps.collect_maps()}
    queries = {name: expand(maps[name].query(dialect), key) for name, key in KEYS.items()}
    for name, query in dovecot_queries().items():
        queries["dovecot " + name] = expand(query, "user@idx.test")
    assert len(queries) == 11
    failures = {name: full_scans(sql) for name, sql in queries.items()}
    assert {name: scans for name, scans in failures.items() if scans} == {}


def test_the_check_sees_a_full_scan(data):
    """The assertion above can fail: a lookup on a column without index is
    reported.
    """
    assert full_scans("SELECT address FROM admin_alias WHERE description='x'") != []
