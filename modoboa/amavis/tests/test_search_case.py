"""The quarantine search ignores case, on Modoboa's tables and on tables
created by Amavis' own scripts (``README.sql-mysql``: ``utf8mb4_bin``
subject and sender, ``varbinary`` addresses; ``README.sql-pg``: ``bytea``
addresses), through the service, the console and the API.
"""

import gzip
import re
from pathlib import Path

import pytest
from django.db import connections
from django.urls import reverse

from modoboa.amavis import schema
from modoboa.amavis.dbrouter import amavis_alias
from modoboa.amavis.factories import quarantine_message
from modoboa.amavis.services import quarantine

DDL = {
    "postgresql": "/usr/share/doc/amavisd-new/README.sql-pg.gz",
    "mysql": "/usr/share/doc/amavisd-new/README.sql-mysql.gz",
}
# The tables of the quarantine, in creation order.
TABLES = ["maddr", "msgs", "msgrcpt", "quarantine"]

SEARCHES = {
    "from": ["équipe paie", "ÉQUIPE PAIE", "Paie@Evil.COM", "paie@evil.com"],
    "subject": ["invoice", "INVOICE", "Invoice d'Équipe", "INVOICE D'ÉQUIPE", "d'équipe"],
    "to": ["billing.dept", "BILLING.DEPT@TEST", "Billing.Dept"],
}
SEARCHES["all"] = [text for texts in SEARCHES.values() for text in texts]


def amavis_statements(vendor):
    """The CREATE statements of the quarantine's tables and their indexes in
    the installed amavisd-new's own script (comments removed).
    """
    text = gzip.decompress(Path(DDL[vendor]).read_bytes()).decode("utf-8")
    statements, current = [], None
    for line in text.splitlines():
        line = line.split("--", 1)[0].rstrip()
        if current is None:
            match = re.match(r"CREATE (TABLE|INDEX \w+ ON) (\w+)", line)
            if match and match.group(2) in TABLES:
                current = []
            else:
                continue
        current.append(line)
        if line.endswith(";"):
            statements.append("\n".join(current).rstrip(";"))
            current = None
    created = [s.split()[2] for s in statements if s.startswith("CREATE TABLE")]
    assert created == TABLES, created
    return statements


@pytest.fixture(params=["utf8mb4", "utf8mb3"])
def amavis_own_tables(request):
    """Replace the quarantine's tables by those of Amavis' own script (with
    the search indexes the documentation adds), then put Modoboa's back.
    ``utf8mb3``: the script of amavisd-new before 2.11 (``CHARACTER SET
    utf8 COLLATE utf8_bin``) on MariaDB, the same on PostgreSQL.
    """
    connection = connections[amavis_alias()]
    charset = request.param

    def drop():
        with connection.cursor() as cursor:
            for table in reversed(TABLES):
                cursor.execute("DROP TABLE IF EXISTS %s" % table)

    drop()
    try:
        with connection.cursor() as cursor:
            for statement in amavis_statements(connection.vendor):
                cursor.execute(statement.replace("utf8mb4", charset))
            if connection.vendor == "mysql":
                cursor.execute("SHOW CREATE TABLE msgs")
                assert (
                    "CHARACTER SET %s COLLATE %s_bin" % (charset, charset)
                    in (cursor.fetchone()[1])
                )
        schema.create_search_indexes()
        yield
    finally:
        drop()
        schema.create_tables()


@pytest.fixture
def mixed_case(domain, other_domain):
    """The same mail for a recipient of test.com and one of test2.com."""
    return {
        domain: quarantine_message(
            "Équipe Paie <Paie@Evil.COM>",
            [address],
            subject="Your INVOICE d'Équipe",
        )
        for domain, address in (
            ("test.com", "Billing.Dept@test.com"),
            ("test2.com", "Billing.Dept@test2.com"),
        )
    }


def check_searches(client, api, superadmin, domain_admin, mails, queries):
    mine = mails["test.com"]
    for criterion, texts in SEARCHES.items():
        for text in texts:
            where = "%s %r" % (criterion, text)
            for user, expected in ((superadmin, set(mails.values())), (domain_admin, {mine})):
                with queries(12):
                    rows = list(quarantine.list_rows(user, search=text, search_in=criterion))
                assert {row.mail_id for row in rows} == expected, where
            client.force_login(domain_admin)
            page = client.get(reverse("amavis:index"), {"criteria": criterion, "pattern": text})
            html = page.content.decode()
            assert page.status_code == 200, where
            assert "Billing.Dept@test.com" in html and mine in html, where
            assert "Billing.Dept@test2.com" not in html, where
            response = api(domain_admin).get(
                "/api/v1/quarantine/", {"search": text, "criteria": criterion}
            )
            assert response.status_code == 200, where
            assert [row["mail_id"] for row in response.body["results"]] == [mine], where
            assert [row["recipient"] for row in response.body["results"]] == [
                "Billing.Dept@test.com"
            ], where
    # What does not match stays out.
    for criterion in SEARCHES:
        assert not quarantine.list_rows(superadmin, search="invoices", search_in=criterion)
    # A non-ASCII address (SMTPUTF8) is found too (in its own case where
    # PostgreSQL keeps it as bytea).
    accented = quarantine_message("x@evil.com", ["équipe.achats@test.com"], subject="Bonjour")
    for criterion in ("to", "all"):
        rows = quarantine.list_rows(domain_admin, search="équipe.achats", search_in=criterion)
        assert [row.mail_id for row in rows] == [accented], criterion


@pytest.mark.django_db
def test_search_ignores_case_on_modoboas_tables(
    client, api, superadmin, domain_admin, mixed_case, django_assert_max_num_queries
):
    check_searches(
        client, api, superadmin, domain_admin, mixed_case, django_assert_max_num_queries
    )


@pytest.mark.engines("postgresql", "mysql")
@pytest.mark.django_db(transaction=True)
def test_search_ignores_case_on_amavis_own_tables(
    amavis_own_tables,
    client,
    api,
    superadmin,
    domain_admin,
    mixed_case,
    django_assert_max_num_queries,
):
    check_searches(
        client, api, superadmin, domain_admin, mixed_case, django_assert_max_num_queries
    )


@pytest.mark.django_db
def test_simple_user_sees_its_mail_whatever_the_case_of_the_address(
    client, api, simple_user, domain
):
    """Amavis keeps the case of local parts with $localpart_is_case_sensitive."""
    seen = {
        quarantine_message("s@evil.com", ["User@test.com"]),
        quarantine_message("s@evil.com", ["USER+News@test.com"]),
        quarantine_message("s@evil.com", ["user@test.com"]),
    }
    unseen = {
        quarantine_message("s@evil.com", ["Userx@test.com"]),
        quarantine_message("s@evil.com", ["User+x@test2.com"]),
    }
    assert {row.mail_id for row in quarantine.list_rows(simple_user)} == seen
    client.force_login(simple_user)
    html = client.get(reverse("amavis:index")).content.decode()
    assert all(mail in html for mail in seen) and not any(mail in html for mail in unseen)
    response = api(simple_user).get("/api/v1/quarantine/")
    assert {row["mail_id"] for row in response.body["results"]} == seen
    rows = quarantine.list_rows(simple_user, search="USER+NEWS", search_in="to")
    assert [row.rid.email for row in rows] == ["USER+News@test.com"]


@pytest.mark.django_db
def test_self_service_link_finds_its_recipient_whatever_the_case(client, domain):
    from modoboa.amavis import constants
    from modoboa.amavis.models import Msgrcpt, Msgs
    from modoboa.parameters import tools as param_tools

    param_tools.set_global_parameter("self_service", True, app="modoboa_amavis")
    mail = quarantine_message("s@evil.com", ["user@test.com"], body="Hello there")
    secret = Msgs.objects.get(mail_id=mail).secret_id
    url = reverse("amavis:self_service", args=[mail])
    page = client.get(url, {"secret_id": secret, "rcpt": "User@Test.com"})
    assert page.status_code == 200 and "Hello there" in page.content.decode()
    assert client.get(url, {"secret_id": secret, "rcpt": "other@test.com"}).status_code == 404
    client.post(url, {"secret_id": secret, "rcpt": "USER@test.com", "action": "delete"})
    assert Msgrcpt.objects.get(mail_id=mail).rs == constants.RS_DELETED


@pytest.mark.django_db
def test_a_listed_entry_written_in_another_case_can_be_removed(client, domain_admin, domain):
    from modoboa.amavis.models import Mailaddr, Wblist
    from modoboa.amavis.services import policies, wblist

    policies.create_domain_policy("test.com")
    wblist.set_entry(domain_admin, "@test.com", "friend@example.com", "allow")
    # Written by hand (Amavis' documentation), in mixed case.
    Mailaddr.objects.filter(email="friend@example.com").update(email="Friend@Example.COM")
    assert wblist.entries(domain_admin, "@test.com") == [("Friend@Example.COM", "allow")]
    client.force_login(domain_admin)
    page = client.post(
        reverse("amavis:lists"), {"owner": "@test.com", "remove": "Friend@Example.COM"}
    )
    assert page.status_code == 302
    assert wblist.entries(domain_admin, "@test.com") == []
    assert not Wblist.objects.exists() and not Mailaddr.objects.exists()


@pytest.mark.engines("mysql")
@pytest.mark.django_db(transaction=True)
def test_search_index_on_amavis_own_tables(amavis_own_tables, superadmin, domain_admin, domain):
    """MariaDB's search index (``qindex``) reads Amavis' ``utf8mb4_bin``
    (and older ``utf8_bin``) columns in the search's collation: what it
    narrows is what the search finds without it.
    """
    import datetime

    from django.utils import timezone

    from modoboa.amavis import search_index

    request_now = timezone.now()
    two_days_ago = request_now - datetime.timedelta(days=2)
    mails = {
        quarantine_message(
            "Équipe Paie <Paie@Evil.COM>",
            [address],
            subject="Your INVOICE d'Équipe",
            received=two_days_ago + datetime.timedelta(minutes=30),
        )
        for address in ("Billing.Dept@test.com", "Billing.Dept@test2.com")
    }
    for index in range(40):
        quarantine_message(
            "news%d@shop.example" % index,
            ["user@test.com"],
            subject="Offer %d" % index,
            received=two_days_ago + datetime.timedelta(minutes=index),
        )
    try:
        added = search_index.rebuild(now=request_now.timestamp())
        assert added == 42
        for criterion in ("from", "subject", "all"):
            for text in SEARCHES[criterion]:
                assert search_index.date_condition(text) is not None, text
                rows = quarantine.list_rows(superadmin, search=text, search_in=criterion)
                assert {row.mail_id for row in rows} == mails, (criterion, text)
        assert not quarantine.list_rows(superadmin, search="invoices", search_in="all")
    finally:
        search_index.rebuild(now=0)
