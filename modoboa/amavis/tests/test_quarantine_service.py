"""Who sees which quarantined message, on rows written as Amavis writes them."""

import pytest

from modoboa.admin import services as admin_services
from modoboa.amavis import constants
from modoboa.amavis.factories import quarantine_message
from modoboa.amavis.models import Msgrcpt, Policy, Users
from modoboa.amavis.services import quarantine
from modoboa.lib.exceptions import BadRequest, NotFound

pytestmark = pytest.mark.django_db


def index_probe():
    """The query asking MariaDB's search index where a text may be
    (:mod:`modoboa.amavis.search_index`); the index is empty here.
    """
    from django.db import connections

    from modoboa.amavis.dbrouter import amavis_alias

    return 1 if connections[amavis_alias()].vendor == "mysql" else 0


def listed(user, **kwargs):
    return sorted((row.mail_id, row.rid.email) for row in quarantine.list_rows(user, **kwargs))


@pytest.fixture
def mails(domain, other_domain, simple_user, superadmin):
    admin_services.create_domain_alias(acting_user=superadmin, name="alias.com", target="test.com")
    admin_services.create_alias(
        acting_user=superadmin, address="sales@test.com", recipients=["user@test.com"]
    )
    return {
        "user": quarantine_message("spammer@evil.com", ["user@test.com"], subject="Mine"),
        "ext": quarantine_message("spammer@evil.com", ["user+news@test.com"]),
        "alias": quarantine_message("spammer@evil.com", ["sales@test.com"]),
        "domain_alias": quarantine_message("spammer@evil.com", ["user@alias.com"]),
        "neighbour": quarantine_message("spammer@evil.com", ["userx@test.com"]),
        "prefix": quarantine_message("spammer@evil.com", ["user+x@test2.com"]),
        "other": quarantine_message("spammer@evil.com", ["boss@test2.com"], content="V"),
    }


def test_superadmin_sees_everything(superadmin, mails):
    assert {mail for mail, _rcpt in listed(superadmin)} == set(mails.values())


def test_domain_admin_sees_its_domains_and_their_aliases_only(domain_admin, mails):
    seen = {mail for mail, _rcpt in listed(domain_admin)}
    assert seen == {mails[k] for k in ("user", "ext", "alias", "domain_alias", "neighbour")}


def test_simple_user_sees_its_addresses_aliases_and_extensions(simple_user, mails):
    seen = {mail for mail, _rcpt in listed(simple_user)}
    assert seen == {mails[k] for k in ("user", "ext", "alias", "domain_alias")}


def test_other_tenants_message_is_never_found(domain_admin, simple_user, mails):
    for user in (domain_admin, simple_user):
        with pytest.raises(NotFound):
            quarantine.get_rows(user, mails["other"])
        with pytest.raises(NotFound):
            quarantine.release(user, mails["other"])
        with pytest.raises(NotFound):
            quarantine.delete(user, mails["other"])
    assert set(Msgrcpt.objects.filter(mail_id=mails["other"]).values_list("rs", flat=True)) == {
        " "
    }


def test_filters_and_search(superadmin, mails):
    assert {m for m, _r in listed(superadmin, content="V")} == {mails["other"]}
    assert {m for m, _r in listed(superadmin, search="mine", search_in="subject")} == {
        mails["user"]
    }
    assert {m for m, _r in listed(superadmin, search="boss@", search_in="to")} == {mails["other"]}
    assert len(listed(superadmin, search="EVIL.com", search_in="from")) == len(mails)
    with pytest.raises(BadRequest):
        listed(superadmin, content="Q")
    with pytest.raises(BadRequest):
        listed(superadmin, search="x", search_in="body")


def test_deleted_rows_are_hidden_and_delete_touches_own_rows_only(domain_admin, superadmin):
    mail = quarantine_message("a@evil.com", ["user@test.com", "boss@test2.com"])
    assert quarantine.delete(domain_admin, mail) == 1
    assert listed(domain_admin) == []
    assert listed(superadmin) == [(mail, "boss@test2.com")]


def test_simple_user_release_becomes_a_request(simple_user, domain_admin, mails):
    assert quarantine.release(simple_user, mails["user"]) == "requested"
    assert Msgrcpt.objects.get(mail_id=mails["user"]).rs == constants.RS_PENDING
    assert quarantine.pending_requests_count(domain_admin) == 1
    assert quarantine.pending_requests_count(simple_user) == 0
    pending = listed(domain_admin, pending_only=True)
    assert pending == [(mails["user"], "user@test.com")]
    with pytest.raises(BadRequest, match="already pending"):
        quarantine.release(simple_user, mails["user"])


def test_release_failure_changes_nothing(superadmin, mails, settings):
    from modoboa.amavis.pdp import AmavisUnreachable
    from modoboa.parameters import tools as param_tools

    param_tools.set_global_parameter(
        "am_pdp_socket", "/nonexistent/amavis.sock", app="modoboa_amavis"
    )
    with pytest.raises(AmavisUnreachable, match="/nonexistent/amavis.sock"):
        quarantine.release(superadmin, mails["user"])
    assert Msgrcpt.objects.get(mail_id=mails["user"]).rs == " "


def test_list_query_count_is_fixed(domain_admin, django_assert_max_num_queries):
    for index in range(30):
        quarantine_message("s%d@evil.com" % index, ["user@test.com"])
    # The administrator's domains and aliases, the mailboxes there it does
    # not administer, the page, its senders and its recipients.
    with django_assert_max_num_queries(6):
        rows = list(quarantine.list_rows(domain_admin)[:20])
        assert [row.mail.subject for row in rows]
        assert [row.mail.sid.email for row in rows]
        assert [row.rid.email for row in rows]


def test_domain_policy_rows_follow_the_domain(superadmin, make_domain):
    domain = make_domain("policy.com")
    row = Users.objects.get(email="@policy.com")
    assert row.policy.policy_name == "policy.com"
    admin_services.create_domain_alias(acting_user=superadmin, name="pal.com", target="policy.com")
    assert Users.objects.get(email="@pal.com").policy_id == row.policy_id
    admin_services.update_domain(domain, acting_user=superadmin, name="renamed.com")
    assert not Users.objects.filter(email="@policy.com").exists()
    assert Users.objects.get(email="@renamed.com").policy_id == row.policy_id
    admin_services.delete_domain(domain, acting_user=superadmin)
    assert not Users.objects.filter(email__in=["@renamed.com", "@pal.com"]).exists()
    assert not Policy.objects.filter(pk=row.policy_id).exists()


def test_user_level_learning_gives_the_address_its_bayes_database(
    simple_user, mails, settings, tmp_path
):
    from modoboa.amavis.services import learning
    from modoboa.parameters import tools as param_tools

    # sa-learn comes with spamassassin (scripts/debian-packages.txt).
    settings.AMAVIS_SA_LEARN = ["sa-learn", "--dbpath", str(tmp_path / "bayes")]
    param_tools.set_global_parameter("user_level_learning", True, app="modoboa_amavis")
    assert learning.mark(simple_user, mails["user"], spam=True) == "user"
    row = Users.objects.select_related("policy").get(email="user@test.com")
    assert row.priority == 10 and row.policy.sa_username == "user@test.com"
    domain_policy = Users.objects.get(email="@test.com").policy
    assert domain_policy.sa_username is None
    assert Msgrcpt.objects.get(mail_id=mails["user"]).rs == constants.RS_SPAM
    # The domain goes: so do the rows of its addresses.
    from modoboa.admin.models import Domain

    admin_services.delete_domain(Domain.objects.get(name="test.com"), acting_user=None)
    assert not Users.objects.filter(email__in=["user@test.com", "@test.com"]).exists()


def test_domain_alias_rows_follow_rename_and_new_target(superadmin, make_domain):
    make_domain("first.com")
    second = make_domain("second.com")
    alias = admin_services.create_domain_alias(
        acting_user=superadmin, name="nick.com", target="first.com"
    )
    first_policy = Users.objects.get(email="@first.com").policy_id
    assert Users.objects.get(email="@nick.com").policy_id == first_policy
    admin_services.update_domain_alias(
        alias, acting_user=superadmin, name="nick2.com", target=second
    )
    assert not Users.objects.filter(email="@nick.com").exists()
    assert (
        Users.objects.get(email="@nick2.com").policy_id
        == Users.objects.get(email="@second.com").policy_id
    )
    admin_services.delete_domain_alias(alias, acting_user=superadmin)
    assert not Users.objects.filter(email="@nick2.com").exists()
    assert Policy.objects.filter(pk=first_policy).exists()


@pytest.mark.engines("postgresql")
def test_subject_and_sender_searches_use_trigram_indexes_on_postgresql(superadmin):
    """The searches of a large quarantine read the matching rows through
    the trigram indexes the schema adds (see docs/amavis.rst).
    """
    from django.db import connections

    from modoboa.amavis.dbrouter import amavis_alias

    for index in range(30):
        quarantine_message("s%d@evil.com" % index, ["user@test.com"], subject="Offer %d" % index)
    connection = connections[amavis_alias()]
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'msgs'")
        names = {row[0] for row in cursor.fetchall()}
        assert {"msgs_idx_subject_trgm", "msgs_idx_from_addr_trgm"} <= names
        rows = quarantine.list_rows(superadmin, search="offer 2", search_in="subject")
        candidates = quarantine.search_candidates("offer 2", "subject")
        sql, params = candidates.query.sql_with_params()
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("SET enable_seqscan = on")
    assert "msgs_idx_subject_trgm" in plan, plan
    assert sorted(row.mail.subject for row in rows) == ["Offer 2"] + [
        "Offer %d" % n for n in range(20, 30)
    ]


@pytest.mark.parametrize("limit", [1000, 0])
def test_searches_read_few_matches_by_id_and_many_in_date_order(
    superadmin, domain_admin, domain, other_domain, monkeypatch, limit, django_assert_num_queries
):
    """With few matches (up to COUNT_LIMIT) the list reads the matching
    messages by id, with more it filters while walking the date index:
    the same rows either way, in one more query than without a search.
    """
    monkeypatch.setattr(quarantine, "COUNT_LIMIT", limit)
    both = quarantine_message(
        "news@shop.test", ["user@test.com", "boss@test2.com"], subject="Sale"
    )
    other = quarantine_message("casino@evil.test", ["admin@test.com"], subject="Jackpot")
    third = quarantine_message("x@evil.test", ["boss@test2.com"], subject="Other")
    # "to" keeps the matching recipient's row of a message sent to two.
    assert listed(superadmin, search="boss@", search_in="to") == sorted(
        [(both, "boss@test2.com"), (third, "boss@test2.com")]
    )
    assert listed(domain_admin, search="boss@", search_in="to") == []
    assert listed(domain_admin, search="news@", search_in="from") == [(both, "user@test.com")]
    assert listed(superadmin, search="JACKPOT", search_in="subject") == [(other, "admin@test.com")]
    # "all": the sender, the subject or this row's recipient.
    assert listed(domain_admin, search="casino", search_in="all") == [(other, "admin@test.com")]
    assert listed(domain_admin, search="admin@", search_in="all") == [(other, "admin@test.com")]
    assert listed(superadmin, search="sale", search_in="all") == sorted(
        [(both, "user@test.com"), (both, "boss@test2.com")]
    )
    assert listed(superadmin, search="nothing like it", search_in="all") == []
    # The matching ids, the rows, their recipients and their senders (and
    # on MariaDB the search index's end: it holds nothing here).
    with django_assert_num_queries(4 + index_probe()):
        assert len(list(quarantine.list_rows(superadmin, search="sale", search_in="all"))) == 2


@pytest.mark.parametrize("limit", [1000, 0])
def test_domain_admins_all_search_finds_its_domains_matches_only(
    superadmin, domain_admin, domain, other_domain, monkeypatch, limit, django_assert_num_queries
):
    """The "All" search matches the sender, the subject or the row's own recipient;
    an administrator gets the matching rows of its domain and nothing of
    another, whether the matches are read by id (few) or while walking
    the date index (many: the recipient looked up per row).
    """
    monkeypatch.setattr(quarantine, "COUNT_LIMIT", limit)
    by_sender = quarantine_message("promo@deals.test", ["user@test.com"], subject="Hello")
    by_subject = quarantine_message("x@evil.test", ["admin@test.com"], subject="Big PROMO")
    by_recipient = quarantine_message("y@evil.test", ["promo@test.com"], subject="Hi")
    # Sent to both domains: the sender matches both rows, the recipient
    # only test2.com's.
    shared = quarantine_message("z@evil.test", ["user@test.com", "promo@test2.com"], subject="Re")
    quarantine_message("promo@deals.test", ["boss@test2.com"], subject="Hello")
    quarantine_message("a@evil.test", ["boss@test2.com"], subject="promo inside")
    quarantine_message("b@evil.test", ["user@test.com"], subject="Nothing")
    assert listed(domain_admin, search="promo", search_in="all") == sorted(
        [
            (by_sender, "user@test.com"),
            (by_subject, "admin@test.com"),
            (by_recipient, "promo@test.com"),
        ]
    )
    seen = listed(superadmin, search="promo", search_in="all")
    assert len(seen) == 6
    assert (shared, "promo@test2.com") in seen and (shared, "user@test.com") not in seen
    # The same number of queries either way: the administrator's domains,
    # their aliases, the addresses out of its reach, the matching ids, the
    # rows, their recipients and senders (and the search index's end on
    # MariaDB).
    with django_assert_num_queries(7 + index_probe()):
        rows = list(quarantine.list_rows(domain_admin, search="promo", search_in="all"))
        assert {row.rid.email for row in rows} == {
            "user@test.com",
            "admin@test.com",
            "promo@test.com",
        }
        assert {row.mail.sid.email for row in rows} == {
            "promo@deals.test",
            "x@evil.test",
            "y@evil.test",
        }


def test_search_indexes_exist_and_union_parts_are_capped():
    """The indexes the search relies on (docs/amavis.rst) are created with
    the tables; where the engine allows, each part of "All" stops at the
    cap instead of reading every match before the query's LIMIT.
    """
    from django.db import connections

    from modoboa.amavis.dbrouter import amavis_alias
    from modoboa.amavis.schema import search_index_statements

    connection = connections[amavis_alias()]
    wanted = {
        statement.split(" IF NOT EXISTS ")[1].split()[0]
        for statement in search_index_statements(connection)
        if statement.startswith("CREATE INDEX")
    }
    existing = set()
    for table in ("msgs", "msgrcpt"):
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, table)
        existing.update(name for name, info in constraints.items() if info["index"])
    assert wanted and wanted <= existing
    sql = str(quarantine.search_candidates("promo", "all", limit=1001).query)
    capped = sql.upper().count("LIMIT 1001")
    assert capped == (2 if connection.features.supports_slicing_ordering_in_compound else 0)
