"""The SQL printed in the seed documentation (section 2.1) runs verbatim on
our schema, on the engine the suite runs on, and returns the right rows.

Dovecot's ``password_query``, ``user_query`` and ``iterate_query`` come in
three variants (PostgreSQL, MySQL, SQLite): each runs on its engine after
the ``<...>`` and ``%L`` substitutions. The OpenDKIM ``dkim`` view is
created as printed (PostgreSQL and MySQL/MariaDB), and our migration's view
is checked on all three. The post-login ``UPDATE`` runs as printed on
PostgreSQL and MariaDB; SQLite has no ``now()``, its form is documented in
``docs/decisions.rst``.
"""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from modoboa.admin import services
from modoboa.admin.models import Domain
from modoboa.core import constants
from modoboa.core.models import User

PASSWORD = "Toto1234!"
HOME = "/srv/vmail"
UID = GID = "5000"

# Seed 2.1, "Dovecot > Authentication", one dict per engine, verbatim.
DOVECOT = {
    "postgresql": {
        "password_query": (
            "SELECT email AS user, password FROM core_user u INNER JOIN admin_mailbox mb "
            "ON u.id=mb.user_id INNER JOIN admin_domain dom ON mb.domain_id=dom.id "
            "WHERE u.email='%Lu' AND u.is_active AND dom.enabled"
        ),
        "user_query": (
            "SELECT '<mailboxes storage directory>/%Ld/%Ln' AS home, <uid> as uid, "
            "<gid> as gid, '*:bytes=' || mb.quota || 'M' AS quota_rule FROM admin_mailbox mb "
            "INNER JOIN admin_domain dom ON mb.domain_id=dom.id WHERE mb.address='%Ln' "
            "AND dom.name='%Ld'"
        ),
        "iterate_query": "SELECT email AS user FROM core_user",
    },
    "mysql": {
        "password_query": (
            "SELECT email AS user, password FROM core_user WHERE email='%Lu' and is_active=1"
        ),
        "user_query": (
            "SELECT '<mailboxes storage directory>/%Ld/%Ln' AS home, <uid> as uid, "
            "<gid> as gid, concat('*:bytes=', mb.quota, 'M') AS quota_rule FROM admin_mailbox mb "
            "INNER JOIN admin_domain dom ON mb.domain_id=dom.id WHERE mb.address='%Ln' "
            "AND dom.name='%Ld'"
        ),
        "iterate_query": "SELECT email AS user FROM core_user",
    },
    "sqlite": {
        "password_query": (
            "SELECT email AS user, password FROM core_user u INNER JOIN admin_mailbox mb "
            "ON u.id=mb.user_id INNER JOIN admin_domain dom ON mb.domain_id=dom.id "
            "WHERE u.email='%Lu' AND u.is_active=1 AND dom.enabled=1"
        ),
        "user_query": (
            "SELECT '<mailboxes storage directory>/%Ld/%Ln' AS home, <uid> as uid, "
            "<gid> as gid, ('*:bytes=' || mb.quota || 'M') AS quota_rule FROM admin_mailbox mb "
            "INNER JOIN admin_domain dom ON mb.domain_id=dom.id WHERE mb.address='%Ln' "
            "AND dom.name='%Ld'"
        ),
        "iterate_query": "SELECT email AS user FROM core_user",
    },
}

# Seed 2.1, "Last-login tracking" (PostgreSQL and MySQL scripts), with
# $USER substituted; and the SQLite form we document.
POSTLOGIN = "UPDATE core_user SET last_login=now() WHERE username='$USER'"
POSTLOGIN_SQLITE = "UPDATE core_user SET last_login=datetime('now') WHERE username='$USER'"

# Seed 2.1, "OpenDKIM > Database".
DKIM_VIEW = {
    "postgresql": (
        "CREATE OR REPLACE VIEW dkim AS (\n"
        "  SELECT id, name as domain_name, dkim_private_key_path AS private_key_path,\n"
        "         dkim_key_selector AS selector\n"
        "  FROM admin_domain WHERE enable_dkim\n"
        ");"
    ),
    "mysql": (
        "CREATE OR REPLACE VIEW dkim AS (\n"
        "  SELECT id, name as domain_name, dkim_private_key_path AS private_key_path,\n"
        "         dkim_key_selector AS selector\n"
        "  FROM admin_domain WHERE enable_dkim=1\n"
        ");"
    ),
}

VENDOR = connection.vendor


def dovecot_sql(query, user=None):
    """Substitute as Dovecot does (values lower-cased by the L modifier)."""
    query = (
        query.replace("<mailboxes storage directory>", HOME)
        .replace("<uid>", UID)
        .replace("<gid>", GID)
    )
    if user is not None:
        local_part, _at, domain = user.lower().partition("@")
        query = (
            query.replace("%Lu", user.lower()).replace("%Ln", local_part).replace("%Ld", domain)
        )
    return query


def run(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql.rstrip(";"))
        if cursor.description is None:
            return None
        return [tuple(row) for row in cursor.fetchall()]


@pytest.fixture
def accounts(superadmin, make_domain):
    """test.com (enabled) with an active, a disabled and an unlimited
    mailbox; off.com (disabled) with an active mailbox; an administrator
    without mailbox.
    """
    make_domain("test.com", quota=50, default_mailbox_quota=10)
    make_domain("off.com")
    make = services.create_account
    active = make(acting_user=superadmin, username="user@test.com", password=PASSWORD)
    disabled = make(
        acting_user=superadmin, username="disabled@test.com", password=PASSWORD, is_active=False
    )
    unlimited = make(
        acting_user=superadmin,
        username="free@test.com",
        password=PASSWORD,
        mailbox={"address": "free@test.com", "quota": 0},
    )
    off = make(acting_user=superadmin, username="user@off.com", password=PASSWORD)
    services.update_domain(
        Domain.objects.get(name="off.com"), acting_user=superadmin, enabled=False
    )
    boss = make(
        acting_user=superadmin, username="boss", password=PASSWORD, role=constants.RESELLERS
    )
    return {
        "active": User.objects.get(pk=active.pk),
        "disabled": disabled,
        "unlimited": unlimited,
        "off": off,
        "boss": boss,
    }


pytestmark = pytest.mark.django_db


class TestDovecotPasswordQuery:
    query = DOVECOT[VENDOR]["password_query"]

    def test_an_active_user_of_an_enabled_domain_authenticates(self, accounts):
        rows = run(dovecot_sql(self.query, "User@Test.com"))
        assert rows == [("user@test.com", accounts["active"].password)]
        assert rows[0][1].startswith("{SHA512-CRYPT}$6$")

    def test_a_disabled_user_does_not(self, accounts):
        assert run(dovecot_sql(self.query, "disabled@test.com")) == []

    def test_unknown_users_and_accounts_without_mailbox_do_not(self, accounts):
        assert run(dovecot_sql(self.query, "nobody@test.com")) == []
        # The default superadmin and mailbox-less administrators have an
        # empty email: nothing matches it.
        assert run(dovecot_sql(self.query, "boss")) == []

    def test_a_user_of_a_disabled_domain_does_not(self, accounts):
        rows = run(dovecot_sql(self.query, "user@off.com"))
        if VENDOR != "mysql":
            assert rows == []
            return
        # A quirk of the seed's MySQL query (docs/decisions.rst): it only
        # checks email and is_active.
        assert [r[0] for r in rows] == ["user@off.com"]
        # The SQLite variant (booleans compared to 1) runs on MySQL/MariaDB
        # too and checks the domain: it is the query to use there.
        fixed = DOVECOT["sqlite"]["password_query"]
        assert run(dovecot_sql(fixed, "user@off.com")) == []
        assert [r[0] for r in run(dovecot_sql(fixed, "user@test.com"))] == ["user@test.com"]

    def test_a_deleted_domain_leaves_nothing_to_authenticate(self, accounts, superadmin):
        services.delete_domain(Domain.objects.get(name="off.com"), acting_user=superadmin)
        assert run(dovecot_sql(self.query, "user@off.com")) == []
        assert User.objects.get(pk=accounts["off"].pk).email == ""


class TestDovecotUserQuery:
    query = DOVECOT[VENDOR]["user_query"]

    def test_home_ids_and_quota_rule(self, accounts):
        assert run(dovecot_sql(self.query, "user@test.com")) == [
            ("/srv/vmail/test.com/user", 5000, 5000, "*:bytes=10M")
        ]

    def test_no_quota_gives_0m_which_dovecot_reads_as_unlimited(self, accounts):
        assert run(dovecot_sql(self.query, "free@test.com")) == [
            ("/srv/vmail/test.com/free", 5000, 5000, "*:bytes=0M")
        ]

    def test_quota_changes_are_seen_at_once(self, accounts, superadmin):
        services.update_quota(accounts["active"].mailbox, acting_user=superadmin, quota=25)
        assert run(dovecot_sql(self.query, "user@test.com"))[0][3] == "*:bytes=25M"

    def test_unknown_mailboxes(self, accounts):
        assert run(dovecot_sql(self.query, "nobody@test.com")) == []
        assert run(dovecot_sql(self.query, "user@nowhere.com")) == []

    def test_a_renamed_mailbox_is_found_under_its_new_address_only(self, accounts, superadmin):
        services.rename_mailbox(
            accounts["active"].mailbox, "renamed@test.com", acting_user=superadmin
        )
        assert run(dovecot_sql(self.query, "user@test.com")) == []
        assert run(dovecot_sql(self.query, "renamed@test.com"))[0][0] == (
            "/srv/vmail/test.com/renamed"
        )


def test_the_iterate_query_lists_every_account_email(accounts, superadmin):
    rows = sorted(r[0] for r in run(DOVECOT[VENDOR]["iterate_query"]))
    # Accounts without a mailbox (the superadmin, "boss") have an empty
    # email, as upstream's default superadmin did.
    assert rows == [
        "",
        "",
        "disabled@test.com",
        "free@test.com",
        "user@off.com",
        "user@test.com",
    ]


def test_the_postlogin_update_sets_last_login(accounts):
    sql = POSTLOGIN_SQLITE if VENDOR == "sqlite" else POSTLOGIN
    before = timezone.now().replace(microsecond=0)
    assert User.objects.get(username="user@test.com").last_login is None
    run(sql.replace("$USER", "user@test.com"))
    last_login = User.objects.get(username="user@test.com").last_login
    assert timezone.is_aware(last_login)
    # The database clock is in UTC, as Django expects (docs/decisions.rst).
    assert before - datetime.timedelta(seconds=5) <= last_login
    assert last_login <= timezone.now() + datetime.timedelta(seconds=5)
    assert User.objects.get(username="free@test.com").last_login is None


def dkim_domains(superadmin):
    """signed.com (key made), pending.com (key not made yet), plain.com
    (no DKIM), and disabled.com (key made, domain disabled).
    """
    names = {}
    for name, enable in (
        ("signed.com", True),
        ("pending.com", True),
        ("plain.com", False),
        ("disabled.com", True),
    ):
        domain = services.create_domain(acting_user=superadmin, name=name, enable_dns_checks=False)
        Domain.objects.filter(pk=domain.pk).update(
            enable_dkim=enable,
            dkim_key_selector="sel-%s" % name.split(".")[0],
            dkim_private_key_path="" if name == "pending.com" else "/var/lib/dkim/%s.pem" % name,
            enabled=name != "disabled.com",
        )
        names[name] = domain.pk
    return names


def test_our_dkim_view_gives_opendkim_the_domains_with_a_key(superadmin):
    ids = dkim_domains(superadmin)
    rows = run("SELECT id, domain_name, private_key_path, selector FROM dkim ORDER BY id")
    assert rows == [
        (ids["signed.com"], "signed.com", "/var/lib/dkim/signed.com.pem", "sel-signed"),
        (ids["disabled.com"], "disabled.com", "/var/lib/dkim/disabled.com.pem", "sel-disabled"),
    ]
    # OpenDKIM's SigningTable (keyed on domain_name) and KeyTable (on id).
    assert run("SELECT id FROM dkim WHERE domain_name='signed.com'") == [(ids["signed.com"],)]
    assert run(
        "SELECT domain_name, selector, private_key_path FROM dkim WHERE id=%d" % ids["signed.com"]
    ) == [("signed.com", "sel-signed", "/var/lib/dkim/signed.com.pem")]


def _restore_our_view():
    import importlib

    migration = importlib.import_module("modoboa.admin.migrations.0003_dkim_view")
    with connection.schema_editor() as editor:
        migration.create_view(None, editor)


@pytest.mark.django_db(transaction=True)
def test_the_seeds_dkim_view_runs_verbatim(superadmin):
    ids = dkim_domains(superadmin)
    if VENDOR == "sqlite":
        # The seed prints no SQLite view (and SQLite has no CREATE OR
        # REPLACE): its SELECT, with the MySQL boolean test, runs as is.
        statement = DKIM_VIEW["mysql"]
        select = statement[statement.index("SELECT") : statement.rindex(")")]
        rows = run(select + " ORDER BY id")
    else:
        try:
            # MySQL commits around DDL: hence a transactional test, and our
            # view is put back afterwards.
            run(DKIM_VIEW[VENDOR])
            rows = run("SELECT id, domain_name, private_key_path, selector FROM dkim ORDER BY id")
        finally:
            _restore_our_view()
        assert len(run("SELECT id FROM dkim")) == 2
    # The seed's view also lists pending.com, whose key does not exist yet:
    # ours leaves it out (docs/decisions.rst).
    assert rows == [
        (ids["signed.com"], "signed.com", "/var/lib/dkim/signed.com.pem", "sel-signed"),
        (ids["pending.com"], "pending.com", "", "sel-pending"),
        (ids["disabled.com"], "disabled.com", "/var/lib/dkim/disabled.com.pem", "sel-disabled"),
    ]
