"""A hostile tenant against the extensions.

The platform: two resellers, each with its domain and its own mailbox
there (``r1@d1.example``, ``r2@d2.example``), a domain administrator of d1
(``da1@d1.example``), an administrator of d1 *and* d2 (``dx@d1.example``)
and users. Each test is one attack made through the console or the API as
the lower role; it must be refused (403/404, or the object left out of a
list) and change nothing.

The role model (docs/security.rst) says a domain administrator reaches the
accounts of its domains *except* those whose reach is wider than its own:
its reseller's mailbox in d1 and the mailbox of an administrator of d1 and
d2 are "the level above", even though their addresses are in d1.
"""

import os
from types import SimpleNamespace

import pytest
from django.test import Client

from modoboa.admin import services as admin_services
from modoboa.core import constants
from modoboa.core.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "Toto1234!"


@pytest.fixture
def tenants(superadmin, make_account, make_domain, set_limits):
    w = SimpleNamespace(superadmin=superadmin)
    for n in (1, 2):
        reseller = make_account("r%d@d%d.example" % (n, n), role=constants.RESELLERS)
        set_limits(
            reseller,
            domains=5,
            domain_aliases=5,
            mailboxes=20,
            mailbox_aliases=20,
            domain_admins=5,
            quota=0,
        )
        domain = make_domain("d%d.example" % n, acting_user=reseller)
        admin_services.update_account(
            reseller, acting_user=superadmin, email="r%d@d%d.example" % (n, n)
        )
        setattr(w, "r%d" % n, User.objects.get(pk=reseller.pk))
        setattr(w, "d%d" % n, domain)
    w.da1 = make_account(
        "da1@d1.example",
        acting_user=w.r1,
        role=constants.DOMAINADMINS,
        domains=["d1.example"],
        mailbox={"address": "da1@d1.example"},
    )
    set_limits(w.da1, mailboxes=10, mailbox_aliases=10)
    w.dx = make_account(
        "dx@d1.example",
        role=constants.DOMAINADMINS,
        domains=["d1.example", "d2.example"],
        mailbox={"address": "dx@d1.example"},
    )
    w.u1 = make_account("u1@d1.example", acting_user=w.r1)
    w.v1 = make_account("v1@d1.example", acting_user=w.r1)
    w.u2 = make_account("u2@d2.example", acting_user=w.r2)
    return w


def console(user):
    client = Client()
    client.force_login(user)
    return client


# IMAP migration --------------------------------------------------------------


@pytest.fixture
def old_provider(tenants):
    from modoboa.imap_migration import services

    return services.create_provider(
        acting_user=tenants.superadmin,
        name="Old",
        address="127.0.0.1",
        port=1,
        security="none",
        domains=[("old1.example", "d1.example"), ("old2.example", "d2.example")],
    )


@pytest.fixture
def above_job(tenants, old_provider):
    """A job of the reseller's own mailbox r1@d1.example, queued by the
    super administrator."""
    from modoboa.imap_migration import services

    (job,) = services.create_migrations(
        acting_user=tenants.superadmin, entries=[(1, "r1@old1.example", "Old-secret-1", "")]
    )
    return job


@pytest.mark.parametrize("target", ["r1@d1.example", "dx@d1.example"])
def test_domain_admin_cannot_migrate_mail_into_a_mailbox_above_it(
    tenants, old_provider, api, unchanged, target
):
    """Attack: queue a job copying an old account the attacker holds into
    the mailbox of its reseller (or of a wider administrator)."""
    from modoboa.imap_migration.models import Migration

    client, token = console(tenants.da1), api(tenants.da1)
    with unchanged():
        response = client.post(
            "/imap_migration/new/",
            {"accounts": "mine@old1.example,Old-secret-9,%s" % target},
        )
        assert response.status_code == 400
        assert b"out of your reach" in response.content
        response = token.post(
            "/api/v1/imap_migration/migrations/",
            {
                "accounts": [
                    {
                        "username": "mine@old1.example",
                        "password": "Old-secret-9",
                        "local_address": target,
                    }
                ]
            },
            format="json",
        )
        assert response.status_code in (400, 403)
    assert not Migration.objects.filter(username="mine@old1.example").exists()
    # Its own users' mailboxes stay its to migrate.
    response = token.post(
        "/api/v1/imap_migration/migrations/",
        {"accounts": [{"username": "u1@old1.example", "password": "Old-secret-9"}]},
        format="json",
    )
    assert response.status_code == 201, response.body


def test_domain_admin_cannot_see_or_touch_the_job_of_a_mailbox_above_it(
    tenants, above_job, api, unchanged
):
    """Attack: list, read, cancel, restart and delete the migration of the
    reseller's mailbox."""
    client = console(tenants.da1)
    token = api(tenants.da1)
    base = "/imap_migration/%d/" % above_job.pk
    api_base = "/api/v1/imap_migration/migrations/%d/" % above_job.pk
    with unchanged():
        assert b"r1@old1.example" not in client.get("/imap_migration/").content
        listed = token.get("/api/v1/imap_migration/migrations/").body
        assert [row["username"] for row in listed["results"]] == []
        assert client.get(base).status_code == 404
        assert client.post(base + "cancel/").status_code == 404
        assert client.post(base + "restart/", {"password": "x"}).status_code == 404
        assert client.post(base + "delete/").status_code == 404
        assert token.get(api_base).status_code == 404
        assert token.post(api_base + "cancel/").status_code == 404
        assert token.post(api_base + "restart/", {"password": "x"}, format="json").status_code == (
            404
        )
        assert token.delete(api_base).status_code == 404
    # The reseller still sees the job of its own mailbox.
    assert console(tenants.r1).get(base).status_code == 200


# Quarantine -------------------------------------------------------------------


def _rcpt_states(mail_id):
    from modoboa.amavis.models import Msgrcpt

    return sorted(Msgrcpt.objects.filter(mail_id=mail_id).values_list("rseqnum", "rs"))


@pytest.mark.parametrize("victim", ["r1@d1.example", "r1+tag@d1.example", "dx@d1.example"])
def test_domain_admin_cannot_read_or_act_on_quarantined_mail_above_it(tenants, api, victim):
    """Attack: read, release, delete and train on a message quarantined for
    the reseller's (or a wider administrator's) mailbox, found in the
    domain's quarantine, one by one or in bulk."""
    from modoboa.amavis.factories import quarantine_message
    from modoboa.parameters import tools as param_tools

    param_tools.set_global_parameter("manual_learning", True, app="modoboa_amavis")
    secret = quarantine_message(
        "bank@evil.example", [victim], subject="Your reseller contract", body="IBAN 1234"
    )
    own = quarantine_message("x@evil.example", ["u1@d1.example"], subject="Own message")
    before = _rcpt_states(secret)
    client, token = console(tenants.da1), api(tenants.da1)
    page = client.get("/quarantine/").content.decode()
    assert "Own message" in page and "Your reseller contract" not in page
    for search in ("?pattern=reseller&criteria=subject", "?pattern=r1&criteria=to"):
        assert "Your reseller contract" not in client.get("/quarantine/" + search).content.decode()
    listed = token.get("/api/v1/quarantine/").body["results"]
    assert [row["mail_id"] for row in listed] == [own]
    assert token.get("/api/v1/quarantine/?search=reseller").body["results"] == []
    detail = client.get("/quarantine/%s/" % secret)
    assert detail.status_code == 404 and "IBAN" not in detail.content.decode()
    assert token.get("/api/v1/quarantine/%s/" % secret).status_code == 404
    for name in ("release", "delete", "spam", "ham"):
        client.post("/quarantine/%s/%s/" % (secret, name))
    client.post("/quarantine/bulk/", {"action": "delete", "selection": [secret]})
    for name in ("release", "delete", "mark_spam", "mark_ham"):
        response = token.post("/api/v1/quarantine/%s/%s/" % (secret, name), {}, format="json")
        assert response.status_code == 404
    assert _rcpt_states(secret) == before
    # The owner of the mailbox still reads it.
    owner = tenants.dx if victim.startswith("dx") else tenants.r1
    assert console(owner).get("/quarantine/%s/" % secret).status_code == 200


def test_plus_forms_above_stay_hidden_whatever_amavis_delimiter(tenants, api):
    """Attack: with Amavis' recipient delimiter emptied in the parameters,
    read the reseller's ``+tag`` mail, which Postfix still delivers to its
    mailbox."""
    from modoboa.amavis.factories import quarantine_message
    from modoboa.parameters import tools as param_tools

    param_tools.set_global_parameter("recipient_delimiter", "", app="modoboa_amavis")
    secret = quarantine_message(
        "bank@evil.example", ["R1+Tag@d1.example"], subject="Your reseller contract"
    )
    own = quarantine_message("x@evil.example", ["u1+tag@d1.example"], subject="Own message")
    token = api(tenants.da1)
    assert [row["mail_id"] for row in token.get("/api/v1/quarantine/").body["results"]] == [own]
    assert token.get("/api/v1/quarantine/%s/" % secret).status_code == 404
    page = console(tenants.da1).get("/quarantine/").content.decode()
    assert "Own message" in page and "Your reseller contract" not in page


@pytest.mark.parametrize("owner", ["r1@d1.example", "dx@d1.example"])
def test_domain_admin_cannot_edit_the_sender_lists_of_a_mailbox_above_it(
    tenants, api, unchanged, owner
):
    """Attack: allow a phishing sender for (or block the bank of) the
    reseller's own address, through the console and the API."""
    client, token = console(tenants.da1), api(tenants.da1)
    with unchanged():
        response = client.post(
            "/quarantine/lists/", {"owner": owner, "sender": "bank@evil.example", "kind": "allow"}
        )
        assert response.status_code == 403
        assert client.get("/quarantine/lists/?owner=%s" % owner).status_code == 403
        response = token.post(
            "/api/v1/quarantine/lists/",
            {"owner": owner, "sender": "bank@evil.example", "kind": "allow"},
            format="json",
        )
        assert response.status_code == 403
        assert token.get("/api/v1/quarantine/lists/?owner=%s" % owner).status_code == 403
    # The lists of its users and of its domain stay its own.
    for mine in ("u1@d1.example", "@d1.example"):
        response = token.post(
            "/api/v1/quarantine/lists/",
            {"owner": mine, "sender": "bank@evil.example", "kind": "block"},
            format="json",
        )
        assert response.status_code == 201, response.body


def test_quarantine_ids_of_other_tenants_and_forged_self_service_links(tenants, api):
    """Attacks: a user opens, releases and deletes another user's message
    by its mail_id (one by one, in bulk, with a rcpt of its own); an
    administrator of d1 does it on d2's; anyone forges a self-service link
    (no secret, a wrong secret, the secret of another message)."""
    from modoboa.amavis.factories import quarantine_message
    from modoboa.amavis.models import Msgs
    from modoboa.parameters import tools as param_tools

    param_tools.set_global_parameter("user_can_release", True, app="modoboa_amavis")
    param_tools.set_global_parameter("self_service", True, app="modoboa_amavis")
    neighbour = quarantine_message("x@evil.example", ["v1@d1.example"], body="Neighbour")
    foreign = quarantine_message("x@evil.example", ["u2@d2.example"], body="Foreign")
    mine = quarantine_message("x@evil.example", ["u1@d1.example"])
    states = {mail_id: _rcpt_states(mail_id) for mail_id in (neighbour, foreign)}
    attempts = [(console(tenants.u1), api(tenants.u1), neighbour)]
    attempts.append((console(tenants.da1), api(tenants.da1), foreign))
    attempts.append((console(tenants.r1), api(tenants.r1), foreign))
    for client, token, target in attempts:
        assert client.get("/quarantine/%s/" % target).status_code == 404
        assert client.get("/quarantine/%s/?rcpt=u1@d1.example" % target).status_code == 404
        for name in ("release", "delete"):
            client.post("/quarantine/%s/%s/" % (target, name), {"rcpt": "u1@d1.example"})
            response = token.post(
                "/api/v1/quarantine/%s/%s/" % (target, name),
                {"rcpt": "u1@d1.example"},
                format="json",
            )
            assert response.status_code == 404
        client.post("/quarantine/bulk/", {"action": "delete", "selection": [target, mine]})
    own_secret = Msgs.objects.get(mail_id=mine).secret_id
    anonymous = Client()
    for secret in ("", "wrong-secret", own_secret):
        for target in (neighbour, foreign):
            page = anonymous.get("/quarantine/self/%s/?secret_id=%s" % (target, secret))
            assert page.status_code == 404
            anonymous.post(
                "/quarantine/self/%s/" % target, {"secret_id": secret, "action": "delete"}
            )
    assert {mail_id: _rcpt_states(mail_id) for mail_id in states} == states


def test_sender_lists_of_other_tenants(tenants, api, unchanged):
    """Attacks: a user edits the lists of a neighbour, of its domain, of an
    alias it shares with others; an administrator edits another domain's
    (by name, by a subdomain form, by its upper-case spelling)."""
    from modoboa.admin import services as admin_services

    admin_services.create_alias(
        acting_user=tenants.r1,
        address="team@d1.example",
        recipients=["u1@d1.example", "v1@d1.example"],
    )
    user, admin = api(tenants.u1), api(tenants.da1)
    cases = [(user, owner) for owner in ("v1@d1.example", "@d1.example", "team@d1.example")]
    cases += [
        (admin, owner)
        for owner in ("@d2.example", "u2@d2.example", "U2@D2.EXAMPLE", "@.d2.example")
    ]
    with unchanged():
        for token, owner in cases:
            response = token.post(
                "/api/v1/quarantine/lists/",
                {"owner": owner, "sender": "friend@evil.example", "kind": "allow"},
                format="json",
            )
            assert response.status_code in (400, 403), (owner, response.status_code)
            response = token.get("/api/v1/quarantine/lists/", {"owner": owner})
            assert response.status_code in (400, 403), owner
            response = token.delete(
                "/api/v1/quarantine/lists/",
                {"owner": owner, "sender": "friend@evil.example"},
                format="json",
            )
            assert response.status_code in (400, 403, 404)


def test_content_filter_of_another_domain(tenants, api, unchanged):
    """Attack: read and change the content filter of a domain out of reach
    (API by primary key; the domain form's tab through the domain page)."""
    from modoboa.amavis.services import policies

    policies.create_domain_policy("d2.example")
    admin, user = api(tenants.da1), api(tenants.u1)
    client = console(tenants.da1)
    url = "/api/v1/quarantine/contentfilter/%d/" % tenants.d2.pk
    with unchanged():
        assert admin.get(url).status_code == 404
        assert admin.patch(url, {"spam_kill_level": 99}, format="json").status_code == 404
        own = "/api/v1/quarantine/contentfilter/%d/" % tenants.d1.pk
        assert user.get(own).status_code in (403, 404)
        assert user.patch(own, {"spam": "no"}, format="json").status_code in (403, 404)
        response = client.post(
            "/admin/domains/%d/edit/" % tenants.d2.pk,
            {"content_filter-spam": "no", "content_filter-spam_kill_level": "99"},
        )
        assert response.status_code in (403, 404)


# Statistics and message log ---------------------------------------------------


def test_statistics_of_other_scopes(tenants, api):
    """Attacks: graphs of another domain, of the whole server, of account
    creations; any graph as a simple user."""
    admin, user = console(tenants.da1), console(tenants.u1)
    admin_api, user_api = api(tenants.da1), api(tenants.u1)
    for scope in ("d2.example", "D2.EXAMPLE", "global", ""):
        response = admin.get("/stats/graph/", {"graph": "traffic", "scope": scope})
        assert response.status_code in (400, 403), scope
        response = admin_api.get("/api/v1/statistics/", {"graph": "traffic", "scope": scope})
        assert response.status_code in (400, 403), scope
    assert admin.get("/stats/", {"scope": "d2.example"}).status_code in (400, 403)
    assert admin.get("/stats/graph/", {"graph": "accounts"}).status_code in (400, 403)
    assert admin_api.get("/api/v1/statistics/", {"graph": "accounts"}).status_code == 403
    assert user.get("/stats/").status_code in (302, 403)
    assert user.get("/stats/graph/", {"graph": "traffic", "scope": "d1.example"}).status_code in (
        302,
        403,
    )
    query = {"graph": "traffic", "scope": "d1.example"}
    assert user_api.get("/api/v1/statistics/", query).status_code == 403


def test_message_log_filters_do_not_widen_the_scope(tenants, api):
    """Attack: ask the message log for another tenant's sender, recipient
    or domain, or a queue id of theirs."""
    import datetime

    from django.utils import timezone

    from modoboa.stats.models import Maillog

    now = timezone.now()
    for n, (sender, rcpt) in enumerate(
        [
            ("boss@partner.example", "u2@d2.example"),
            ("u2@d2.example", "bank@partner.example"),
            ("v1friend@partner.example", "v1@d1.example"),
            ("x@partner.example", "u1@d1.example"),
        ]
    ):
        Maillog.objects.create(
            queue_id="Q%d" % n,
            date=now - datetime.timedelta(minutes=n),
            sender=sender,
            rcpt=rcpt,
            status="sent",
            from_domain=sender.split("@")[1],
            to_domain=rcpt.split("@")[1],
        )
    user, admin = api(tenants.u1), api(tenants.da1)
    searches = [
        {"rcpt": "u2@d2.example"},
        {"sender": "u2@d2.example"},
        {"rcpt": "d2.example"},
        {"sender": "d2.example"},
        {"queue_id": "Q0"},
        {"queue_id": "Q1"},
        {},
    ]
    for params in searches:
        for token in (user, admin):
            rows = token.get("/api/v1/maillog/", params).body["results"]
            assert not {row["queue_id"] for row in rows} & {"Q0", "Q1"}, params
        rows = user.get("/api/v1/maillog/", {**params, "rcpt": "v1@d1.example"}).body["results"]
        assert rows == []
        page = console(tenants.u1).get("/stats/maillog/", params).content.decode()
        for row_only in ("boss@partner.example", "bank@partner.example", "v1friend@"):
            assert row_only not in page, params


# DMARC -------------------------------------------------------------------------


def test_dmarc_reports_of_another_domain(tenants, api):
    """Attacks: another domain's report page and summary by primary key,
    its reports by the ``domain`` filter or by report id; a simple user
    reading its own domain's."""
    from modoboa.dmarc.tests.corpus import stored_report

    foreign = stored_report(tenants.d2, "foreign-report")
    stored_report(tenants.d1, "own-report")
    admin, user = api(tenants.da1), api(tenants.u1)
    assert console(tenants.da1).get("/dmarc/domains/%d/" % tenants.d2.pk).status_code == 404
    assert admin.get("/api/v1/dmarc/domains/%d/summary/" % tenants.d2.pk).status_code == 404
    listed = admin.get("/api/v1/dmarc/reports/", {"domain": "d2.example"}).body
    assert listed == []
    ids = {row["report_id"] for row in admin.get("/api/v1/dmarc/reports/").body}
    assert ids == {"own-report"}
    assert admin.get("/api/v1/dmarc/reports/%d/" % foreign.pk).status_code == 404
    assert console(tenants.u1).get("/dmarc/domains/%d/" % tenants.d1.pk).status_code == 404
    assert user.get("/api/v1/dmarc/reports/").status_code == 403
    assert user.get("/api/v1/dmarc/domains/%d/summary/" % tenants.d1.pk).status_code == 403


# Contacts ----------------------------------------------------------------------


@pytest.fixture
def neighbour_contact(tenants):
    from modoboa.contacts.models import AddressBook, Category, Contact

    book = AddressBook.objects.create(
        user=tenants.v1, name="Contacts", path="v1@d1.example/contacts"
    )
    category = Category.objects.create(user=tenants.v1, name="Family")
    contact = Contact.objects.create(
        addressbook=book, display_name="Secret lover", uid="abc", href="abc.vcf", etag="1"
    )
    contact.categories.add(category)
    return SimpleNamespace(book=book, category=category, contact=contact)


def test_contacts_of_another_account(tenants, api, neighbour_contact, unchanged):
    """Attacks: read, change and delete a neighbour's contact and category
    by primary key, through the console and the API, as a user and as its
    domain's administrator; file a new contact under its category."""
    pk, cat = neighbour_contact.contact.pk, neighbour_contact.category.pk
    for account in (tenants.u1, tenants.da1, tenants.r1):
        client, token = console(account), api(account)
        with unchanged():
            response = client.get("/contacts/%d/edit/" % pk)
            assert response.status_code == 404 and b"Secret lover" not in response.content
            assert client.post("/contacts/%d/edit/" % pk, {"display_name": "x"}).status_code == 404
            assert client.post("/contacts/%d/delete/" % pk).status_code == 404
            assert client.post("/contacts/categories/%d/delete/" % cat).status_code == 404
            assert token.get("/api/v1/contacts/%d/" % pk).status_code == 404
            response = token.put("/api/v1/contacts/%d/" % pk, {"display_name": "x"}, format="json")
            assert response.status_code == 404
            response = token.patch("/api/v1/contacts/%d/" % pk, {"note": "x"}, format="json")
            assert response.status_code in (404, 405)
            assert token.delete("/api/v1/contacts/%d/" % pk).status_code == 404
            assert token.get("/api/v1/contact-categories/%d/" % cat).status_code in (404, 405)
            response = token.patch(
                "/api/v1/contact-categories/%d/" % cat, {"name": "x"}, format="json"
            )
            assert response.status_code in (404, 405)
            assert token.delete("/api/v1/contact-categories/%d/" % cat).status_code == 404
            response = token.post(
                "/api/v1/contacts/",
                {"display_name": "Spy", "categories": [cat]},
                format="json",
            )
            assert response.status_code in (400, 503)
            assert "Secret lover" not in str(token.get("/api/v1/contact-categories/").body)


# Calendars ---------------------------------------------------------------------


@pytest.fixture
def calendars(tenants):
    from modoboa.parameters import tools as param_tools
    from modoboa.radicale.models import AccessRule, SharedCalendar, UserCalendar

    param_tools.set_global_parameter(
        "allow_calendars_administration", True, app="modoboa_radicale"
    )
    return SimpleNamespace(
        above=UserCalendar.objects.create(mailbox=tenants.r1.mailbox, name="Board"),
        neighbour=UserCalendar.objects.create(mailbox=tenants.v1.mailbox, name="Private"),
        foreign=UserCalendar.objects.create(mailbox=tenants.u2.mailbox, name="Foreign"),
        foreign_shared=SharedCalendar.objects.create(domain=tenants.d2, name="Rooms"),
        rules=AccessRule.objects,
    )


def test_calendars_out_of_reach(tenants, api, calendars, unchanged):
    """Attacks: share with oneself, list the rules of, delete a calendar of
    a neighbour (simple user), of the reseller above (its domain
    administrator) or of another tenant; create a calendar in another
    account's mailbox or a shared calendar in another domain; delete
    another domain's shared calendar."""
    attempts = [
        (tenants.u1, [calendars.neighbour, calendars.above, calendars.foreign], "u1@d1.example"),
        (tenants.da1, [calendars.above, calendars.foreign], "da1@d1.example"),
        (tenants.r1, [calendars.foreign], "r1@d1.example"),
    ]
    for account, targets, own in attempts:
        client, token = console(account), api(account)
        with unchanged():
            for calendar in targets:
                pk = calendar.pk
                page = client.get("/calendars/%d/share/" % pk)
                assert page.status_code in (403, 404)
                response = client.post(
                    "/calendars/%d/share/" % pk, {"mailbox": own, "read": "on", "write": "on"}
                )
                assert response.status_code in (403, 404)
                assert client.post("/calendars/user/%d/delete/" % pk).status_code in (403, 404)
                assert token.get("/api/v1/calendars/%d/" % pk).status_code == 404
                assert token.get("/api/v1/calendars/%d/rules/" % pk).status_code == 404
                response = token.post(
                    "/api/v1/calendars/%d/rules/" % pk,
                    {"mailbox": own, "read": True, "write": True},
                    format="json",
                )
                assert response.status_code == 404
                assert token.delete("/api/v1/calendars/%d/" % pk).status_code == 404
            shared = calendars.foreign_shared.pk
            assert client.post("/calendars/shared/%d/delete/" % shared).status_code in (403, 404)
            assert token.delete("/api/v1/shared-calendars/%d/" % shared).status_code in (403, 404)
            for mailbox in (calendars.above.mailbox, calendars.foreign.mailbox):
                if mailbox.user_id == account.pk:
                    continue
                response = token.post(
                    "/api/v1/calendars/",
                    {"name": "Spy", "mailbox": mailbox.full_address},
                    format="json",
                )
                assert response.status_code in (400, 403), (account, mailbox)
            response = token.post(
                "/api/v1/shared-calendars/", {"name": "Spy", "domain": "d2.example"}, format="json"
            )
            assert response.status_code in (400, 403)
    calendar_ids = {row["pk"] for row in api(tenants.da1).get("/api/v1/calendars/").body}
    assert calendars.above.pk not in calendar_ids and calendars.neighbour.pk in calendar_ids


# Away message, credentials documents, migration providers ----------------------


def test_away_message_of_another_account(tenants, api, unchanged):
    """Attack: read or set the away message of a neighbour (user), of the
    reseller above (domain administrator), of another tenant (reseller)."""
    attempts = [
        (tenants.u1, tenants.v1),
        (tenants.da1, tenants.r1),
        (tenants.da1, tenants.dx),
        (tenants.da1, tenants.u2),
        (tenants.r1, tenants.u2),
    ]
    body = {"subject": "Gone", "content": "Write to evil@evil.example", "enabled": True}
    for attacker, victim in attempts:
        token = api(attacker)
        with unchanged():
            assert token.get("/api/v1/autoreply/%d/" % victim.pk).status_code == 404
            assert token.put(
                "/api/v1/autoreply/%d/" % victim.pk, body, format="json"
            ).status_code == (404)


def test_credentials_document_of_an_account_out_of_reach(tenants, api, tmp_path, unchanged):
    """Attack: take the credentials document (the first password) of the
    reseller above or of another tenant's user."""
    from modoboa.parameters import tools as param_tools
    from modoboa.pdfcredentials import services as pdf_services

    param_tools.set_global_parameter("storage_dir", str(tmp_path), app="modoboa_pdfcredentials")
    param_tools.set_global_parameter(
        "webpanel_url", "https://mail.example", app="modoboa_pdfcredentials"
    )
    for victim in (tenants.r1, tenants.u2, tenants.v1):
        pdf_services.generate_document(victim, PASSWORD)
    attempts = [(tenants.da1, tenants.r1), (tenants.da1, tenants.u2), (tenants.r1, tenants.u2)]
    attempts.append((tenants.u1, tenants.v1))
    for attacker, victim in attempts:
        client, token = console(attacker), api(attacker)
        with unchanged():
            response = client.post("/pdfcredentials/%d/" % victim.pk)
            assert response.status_code in (302, 403, 404)
            assert response.get("Content-Type") != "application/pdf"
            response = token.post("/api/v1/credentials/%d/" % victim.pk)
            assert response.status_code in (403, 404)
        assert os.path.exists(pdf_services.document_path(victim))


def test_migration_providers_are_the_super_administrators(tenants, old_provider, api, unchanged):
    """Attack: a reseller reads the old server's settings, points a
    provider at its own server or maps another tenant's domain to its own."""
    client, token = console(tenants.r1), api(tenants.r1)
    base = "/api/v1/imap_migration/providers/"
    with unchanged():
        assert client.get("/imap_migration/providers/").status_code == 403
        assert client.get("/imap_migration/providers/%d/" % old_provider.pk).status_code == 403
        assert token.get(base).status_code == 403
        assert token.get("%s%d/" % (base, old_provider.pk)).status_code == 403
        response = token.patch(
            "%s%d/" % (base, old_provider.pk), {"address": "attacker.example"}, format="json"
        )
        assert response.status_code == 403
        response = token.post(
            base,
            {
                "name": "Mine",
                "address": "127.0.0.1",
                "port": 143,
                "security": "none",
                "domains": [{"name": "old3.example", "new_domain": "d2.example"}],
            },
            format="json",
        )
        assert response.status_code == 403


def test_domain_admin_does_not_see_the_message_log_of_a_mailbox_above_it(tenants, api):
    """Attack: read the correspondents of the reseller's own mailbox (and
    of a wider administrator's) in the domain's message log; the rows of
    its own users with them stay visible."""
    import datetime

    from django.utils import timezone

    from modoboa.stats.models import Maillog

    now = timezone.now()
    rows = [
        ("lawyer@partner.example", "r1@d1.example", "r1@d1.example", "hidden-in"),
        ("r1@d1.example", "bank@partner.example", "", "hidden-out"),
        ("x@partner.example", "dx@d1.example", "", "hidden-dx"),
        ("x@partner.example", "r2@d2.example", "r1@d1.example", "hidden-forward"),
        ("r1@d1.example", "u1@d1.example", "", "shown-to-user"),
        ("u1@d1.example", "r1@d1.example", "", "shown-from-user"),
        ("x@partner.example", "u1@d1.example", "", "shown-in"),
    ]
    for n, (sender, rcpt, original, queue_id) in enumerate(rows):
        Maillog.objects.create(
            queue_id=queue_id,
            date=now - datetime.timedelta(minutes=n),
            sender=sender,
            rcpt=rcpt,
            original_rcpt=original,
            status="sent",
            from_domain=sender.split("@")[1],
            to_domain=rcpt.split("@")[1],
        )
    token = api(tenants.da1)
    for params in ({}, {"sender": "r1@d1.example"}, {"rcpt": "r1@d1.example"}, {"page_size": 2}):
        seen = {row["queue_id"] for row in token.get("/api/v1/maillog/", params).body["results"]}
        assert not {queue_id for queue_id in seen if queue_id.startswith("hidden")}, params
    seen = {row["queue_id"] for row in token.get("/api/v1/maillog/").body["results"]}
    assert seen == {"shown-to-user", "shown-from-user", "shown-in"}
    page = console(tenants.da1).get("/stats/maillog/").content.decode()
    assert "lawyer@partner.example" not in page and "bank@partner.example" not in page
    assert "shown-in" in page
    # The reseller sees its own rows; the super administrator every row.
    seen = {row["queue_id"] for row in api(tenants.r1).get("/api/v1/maillog/").body["results"]}
    assert {"hidden-in", "hidden-out", "shown-in"} <= seen
    assert len(api(tenants.superadmin).get("/api/v1/maillog/").body["results"]) == len(rows)


def test_the_message_log_hides_the_extension_and_case_forms_of_a_mailbox_above(
    tenants, api, superadmin, django_assert_max_num_queries
):
    """Attack: read the mail of the reseller's mailbox (and of a wider
    administrator's) through its ``+extension`` forms and case variants,
    which Postfix delivers to the same mailbox; the domain administrator's
    own users keep their rows, ``+extension`` forms included, and the
    pages stay paginated in SQL with a fixed number of queries.
    """
    import datetime

    from django.utils import timezone

    from modoboa.admin import services as admin_services
    from modoboa.stats.models import Maillog

    admin_services.create_domain_alias(
        acting_user=superadmin, name="a1.example", target="d1.example"
    )
    now = timezone.now()
    rows = [
        ("lawyer@partner.example", "r1+legal@d1.example", "", "hidden-ext-in"),
        ("R1@D1.example", "bank@partner.example", "", "hidden-case-out"),
        ("r1+news@d1.example", "bank@partner.example", "", "hidden-ext-out"),
        ("x@partner.example", "relay@partner.example", "R1+Tag@d1.Example", "hidden-orig"),
        ("x@partner.example", "r1+alias@a1.example", "", "hidden-alias-ext"),
        ("x@partner.example", "Dx+Board@D1.Example", "", "hidden-dx-ext"),
        ("x@partner.example", "r1x@d1.example", "", "shown-longer-name"),
        ("x@partner.example", "u1+r1@d1.example", "", "shown-user-ext"),
        ("r1+news@d1.example", "u1@d1.example", "", "shown-to-user"),
        ("x@partner.example", "U1@d1.example", "", "shown-in"),
    ]
    for n, (sender, rcpt, original, queue_id) in enumerate(rows):
        Maillog.objects.create(
            queue_id=queue_id,
            date=now - datetime.timedelta(minutes=n),
            sender=sender,
            rcpt=rcpt,
            original_rcpt=original,
            status="sent",
            from_domain=sender.split("@")[1].lower(),
            # As the parser: the original recipient's domain when there is one.
            to_domain=(original or rcpt).split("@")[1].lower(),
        )
    shown = {"shown-longer-name", "shown-user-ext", "shown-to-user", "shown-in"}
    token = api(tenants.da1)
    searches = (
        {},
        {"sender": "r1+news@d1.example"},
        {"rcpt": "r1+legal@d1.example"},
        {"rcpt": "d1.example"},
        {"sender": "d1.example"},
        {"rcpt": "a1.example"},
        {"status": "sent"},
    )
    for params in searches:
        seen = {row["queue_id"] for row in token.get("/api/v1/maillog/", params).body["results"]}
        assert not {queue_id for queue_id in seen if queue_id.startswith("hidden")}, params
    seen = {row["queue_id"] for row in token.get("/api/v1/maillog/").body["results"]}
    assert seen == shown
    # Page by page, nothing hidden and every visible row once.
    paged = []
    for page in (1, 2, 3):
        body = token.get("/api/v1/maillog/", {"page": page, "page_size": 2}).body
        paged += [row["queue_id"] for row in body["results"]]
    assert sorted(paged) == sorted(shown)
    browser = console(tenants.da1)
    counts = set()
    for page in (1, 2, 3):
        # The 13 of any administrator's page (see modoboa/stats/tests) and
        # the domain aliases of the hidden mailboxes' domains; one on the log.
        with django_assert_max_num_queries(14) as queries:
            html = browser.get("/stats/maillog/", {"page": page}).content.decode()
        assert sum("stats_maillog" in query["sql"] for query in queries.captured_queries) == 1
        counts.add(len(queries.captured_queries))
    assert len(counts) == 1
    html = browser.get("/stats/maillog/").content.decode()
    for secret in ("lawyer@partner.example", "bank@partner.example", "relay@partner.example"):
        assert secret not in html
    assert "shown-in" in html and "u1+r1@d1.example" in html
    # The reseller sees its own forms but not those of the administrator of
    # a domain beyond its reach.
    seen = {row["queue_id"] for row in api(tenants.r1).get("/api/v1/maillog/").body["results"]}
    assert "hidden-dx-ext" not in seen
    assert {"hidden-ext-in", "hidden-case-out", "hidden-orig", "hidden-alias-ext"} <= seen
    html = console(tenants.r1).get("/stats/maillog/", {"rcpt": "d1.example"}).content.decode()
    assert "Dx+Board@D1.Example" not in html and "r1+legal@d1.example" in html
    assert len(api(superadmin).get("/api/v1/maillog/").body["results"]) == len(rows)


def test_a_self_service_link_does_not_reach_the_other_recipients(tenants):
    """Attack: the holder of a notification link (one secret per message in
    Amavis) of a message also sent, in Bcc, to another tenant's user reads
    that recipient's address and deletes its copy; with ``rcpt`` naming
    itself it only reaches its own copy."""
    from modoboa.amavis.factories import build_message, quarantine_message
    from modoboa.amavis.models import Msgs
    from modoboa.parameters import tools as param_tools

    param_tools.set_global_parameter("self_service", True, app="modoboa_amavis")
    # u2@d2.example is a Bcc: the headers name u1@d1.example only.
    source = build_message("x@evil.example", ["u1@d1.example"], "Buy now", "Hello")
    mail_id = quarantine_message(
        "x@evil.example", ["u1@d1.example", "u2@d2.example"], source=source
    )
    secret = Msgs.objects.get(mail_id=mail_id).secret_id
    url = "/quarantine/self/%s/" % mail_id
    before = _rcpt_states(mail_id)
    anonymous = Client()
    page = anonymous.get(url, {"secret_id": secret})
    assert page.status_code == 200 and "u2@d2.example" not in page.content.decode()
    page = anonymous.post(url, {"secret_id": secret, "action": "delete"})
    assert page.status_code == 400 and "recipient" in page.content.decode()
    assert _rcpt_states(mail_id) == before
    page = anonymous.get(url, {"secret_id": secret, "rcpt": "u1@d1.example"})
    assert "u1@d1.example" in page.content.decode()
    assert "u2@d2.example" not in page.content.decode()
    anonymous.post(url, {"secret_id": secret, "rcpt": "u1@d1.example", "action": "delete"})
    assert _rcpt_states(mail_id) == [(1, "D"), before[1]]
    # A message to one recipient needs no rcpt, as documented.
    single = quarantine_message("x@evil.example", ["u1@d1.example"])
    secret = Msgs.objects.get(mail_id=single).secret_id
    anonymous.post("/quarantine/self/%s/" % single, {"secret_id": secret, "action": "delete"})
    assert _rcpt_states(single) == [(1, "D")]


def test_sharing_a_calendar_with_another_tenant_is_refused(tenants, api, calendars, unchanged):
    """Attack: a user (or its domain administrator) shares a calendar of d1
    with a mailbox of d2, to read it from there or to probe the address."""
    from modoboa.radicale.models import UserCalendar

    own = UserCalendar.objects.create(mailbox=tenants.u1.mailbox, name="Mine")
    attempts = [(tenants.u1, own), (tenants.da1, own), (tenants.da1, calendars.neighbour)]
    for account, calendar in attempts:
        token = api(account)
        with unchanged():
            for address in ("u2@d2.example", "nobody@d2.example"):
                response = token.post(
                    "/api/v1/calendars/%d/rules/" % calendar.pk,
                    {"mailbox": address, "read": True, "write": False},
                    format="json",
                )
                assert response.status_code == 400
                assert "No mailbox %s to share with" % address in str(response.body)


def test_recipient_completion_reads_the_callers_book_only(tenants, api, neighbour_contact):
    """Attack: complete recipients with a neighbour's contact names."""
    from modoboa.contacts.models import EmailAddress

    EmailAddress.objects.create(
        contact=neighbour_contact.contact, address="lover@partner.example", type="home"
    )
    for account in (tenants.u1, tenants.da1, tenants.r1):
        for query in ("Secret", "lover"):
            response = api(account).get("/api/v1/webmail/recipients/", {"q": query})
            assert response.status_code == 200
            assert response.body["results"] == [], (account, query)
    response = api(tenants.v1).get("/api/v1/webmail/recipients/", {"q": "lover"})
    assert [row["address"] for row in response.body["results"]] == ["lover@partner.example"]


def test_extension_parameters_are_the_super_administrators(tenants, unchanged):
    """Attack: an administrator (or a user, through its own preferences)
    posts the global parameters of the extensions: let users release
    their quarantine, turn self-service on, point Radicale elsewhere."""
    posted = {
        "modoboa_amavis-user_can_release": "on",
        "modoboa_amavis-self_service": "on",
        "modoboa_radicale-server_location": "https://attacker.example/",
        "modoboa_radicale-allow_calendars_administration": "on",
        "modoboa_imap_migration-enabled": "on",
    }
    from modoboa.parameters import tools as param_tools

    before = {
        name: param_tools.get_global_parameter(name.split("-")[1], app=name.split("-")[0])
        for name in posted
        if not name.startswith("modoboa_imap")
    }
    for client in [console(account) for account in (tenants.r1, tenants.da1, tenants.u1)]:
        with unchanged():
            assert client.post("/core/parameters/", posted).status_code == 403
        client.post("/user/preferences/", posted)
    after = {
        name: param_tools.get_global_parameter(name.split("-")[1], app=name.split("-")[0])
        for name in before
    }
    assert after == before
