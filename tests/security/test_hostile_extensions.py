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
