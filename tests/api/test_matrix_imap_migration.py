"""Permission matrix of the IMAP migration API (providers and jobs).

Email providers describe servers outside any tenant: only super
administrators manage them. A migration job belongs to its local
mailbox: the administrators reaching that mailbox (super administrator,
the reseller of its domain, the domain's administrator) list, queue,
watch, cancel, restart and forget it; simple users have no access to the
API and the administrator of another domain finds nothing. ``CASES`` act
on the owner's job (``owner@ext.test``); ``FOREIGN_CASES`` on a job of
the other tenant (``victim@extother.test``), which only the super
administrator and that domain's administrator reach. No daemon: a job
only runs in tests/integration/test_imap_migration.py.
"""

import pytest

from modoboa.admin import services as admin_services
from modoboa.imap_migration import services
from modoboa.imap_migration.models import CANCELLED, PENDING, EmailProvider, Migration

from .extension_matrix import (
    DOMAIN,
    OTHER_DOMAIN,
    PASSWORD,
    Case,
    build_people,
    expect,
    extension_routes,
    statuses,
)

PROVIDERS = "/api/v1/imap_migration/providers/"
MIGRATIONS = "/api/v1/imap_migration/migrations/"
OWNER = "owner@%s" % DOMAIN
VICTIM = "victim@%s" % OTHER_DOMAIN
#: The old domains the provider serves, and their local domains.
OLD, OLD_OTHER = "old.test", "oldother.test"


def _provider():
    return EmailProvider.objects.get(name="Old")


def _provider_url(people):
    return "%s%d/" % (PROVIDERS, _provider().pk)


def _job_of(address):
    local, _sep, domain = address.partition("@")
    return Migration.objects.get(
        username="%s@%s" % (local, OLD if domain == DOMAIN else OLD_OTHER)
    )


def _queue(people, username, address, ended=False):
    """A job ``username`` -> ``address``, queued by the super administrator
    (cancelled when ``ended``)."""
    superadmin = people.user("superadmin")
    (job,) = services.create_migrations(
        acting_user=superadmin, entries=[(1, username, "Old-secret-1", address)]
    )
    if ended:
        job = services.cancel_migration(job, acting_user=superadmin)
    return job


# Providers -------------------------------------------------------------------


def _lists_old(people, person, response):
    assert [row["name"] for row in response.body["results"]] == ["Old"]


def _provider_created(people, person, response):
    provider = EmailProvider.objects.get(name="New")
    assert [(d.name, d.new_domain.name) for d in provider.domains.all()] == [("new.test", DOMAIN)]
    assert response.body["domains"] == [{"name": "new.test", "new_domain": DOMAIN}]


def _provider_changed(people, person, response):
    provider = _provider()
    assert (provider.address, provider.port, provider.secured) == ("imap.old.test", 993, True)
    # Without "domains" the mapping is kept.
    assert sorted(d.name for d in provider.domains.all()) == [OLD, OLD_OTHER]


def _port_changed(people, person, response):
    assert _provider().port == 993 and response.body["port"] == 993


def _temporary_provider(people, person):
    # Deleting consumes it: a fresh provider, without jobs, per request.
    return services.create_provider(
        acting_user=people.user("superadmin"), name="Temp %s" % person, address="127.0.0.1"
    )


def _provider_deleted(people, person, response):
    assert not EmailProvider.objects.filter(name="Temp %s" % person).exists()
    assert EmailProvider.objects.filter(name="Old").exists()


# Jobs --------------------------------------------------------------------------


def _listed(address):
    def found(people, response):
        return _job_of(address).pk in [row["pk"] for row in response.body["results"]]

    return found


def _shows(address):
    def check(people, person, response):
        assert response.body["mailbox"] == address
        assert response.body["password_stored"] is True
        assert "password" not in response.body and "_password" not in response.body

    return check


def _queued_for(address):
    def check(people, person, response):
        (row,) = response.body
        job = Migration.objects.get(pk=row["pk"])
        assert job.username == "new-%s@%s" % (person, OLD)
        assert "%s@%s" % (job.mailbox.address, job.mailbox.domain.name) == address
        assert job.created_by_id == people.user(person).pk
        assert (job.status, job.has_password) == (PENDING, True)

    return check


def _fresh_job(address, ended):
    def prepare(people, person):
        return _queue(
            people, "%s-%s@%s" % (person, address.partition("@")[0], OLD), address, ended
        )

    return prepare


def _cancelled(people, person, response):
    job = Migration.objects.get(pk=response.body["pk"])
    assert (job.status, job.has_password, job.cancel_requested) == (CANCELLED, False, True)
    assert response.body["status"] == CANCELLED


def _restarted(people, person, response):
    job = Migration.objects.get(pk=response.body["pk"])
    assert (job.status, job.cancel_requested) == (PENDING, False)
    assert services.old_password(job) == "New-old-%s" % person


def _forgotten(people, person, response):
    assert not Migration.objects.filter(username__startswith="%s-" % person).exists()


def _job_cases(address, reach, listed):
    """The rows of the job routes for the job(s) of ``address``: ``reach``
    is the status of each person allowed to reach it, ``listed`` the list's.
    """
    url = lambda people: "%s%d/" % (MIGRATIONS, _job_of(address).pk)  # noqa: E731
    # A mailbox out of reach is a bad value of the body (API v1: 400).
    created = {200: 201, 404: 400, 403: 403, 401: 401}
    return {
        ("imap_migration-migration-list", "GET"): Case(
            lambda client, people: client.get(MIGRATIONS),
            listed,
            found=_listed(address),
        ),
        # A job for the mailbox: only who reaches it may queue one.
        ("imap_migration-migration-list", "POST"): Case(
            lambda client, people: client.post(
                MIGRATIONS,
                {
                    "accounts": [
                        {
                            "username": "new-%s@%s" % (client.person, OLD),
                            "password": "Old-1",
                            "local_address": address,
                        }
                    ]
                },
            ),
            {person: created[status] for person, status in reach.items()},
            _queued_for(address),
        ),
        ("imap_migration-migration-detail", "GET"): Case(
            lambda client, people: client.get(url(people)), reach, _shows(address)
        ),
        ("imap_migration-migration-detail", "DELETE"): Case(
            lambda client, people: client.delete("%s%d/" % (MIGRATIONS, client.prepared.pk)),
            {person: 204 if status == 200 else status for person, status in reach.items()},
            _forgotten,
            prepare=_fresh_job(address, ended=True),
        ),
        ("imap_migration-migration-cancel", "POST"): Case(
            lambda client, people: client.post("%s%d/cancel/" % (MIGRATIONS, client.prepared.pk)),
            reach,
            _cancelled,
            prepare=_fresh_job(address, ended=False),
        ),
        ("imap_migration-migration-restart", "POST"): Case(
            lambda client, people: client.post(
                "%s%d/restart/" % (MIGRATIONS, client.prepared.pk),
                {"password": "New-old-%s" % client.person},
            ),
            reach,
            _restarted,
            prepare=_fresh_job(address, ended=True),
        ),
    }


CASES = {
    ("imap_migration-provider-list", "GET"): Case(
        lambda client, people: client.get(PROVIDERS),
        expect(200, 403, 403, 403, 403, 403),
        _lists_old,
    ),
    ("imap_migration-provider-list", "POST"): Case(
        lambda client, people: client.post(
            PROVIDERS,
            {
                "name": "New",
                "address": "imap.new.test",
                "domains": [{"name": "new.test", "new_domain": DOMAIN}],
            },
        ),
        expect(201, 403, 403, 403, 403, 403),
        _provider_created,
    ),
    ("imap_migration-provider-detail", "GET"): Case(
        lambda client, people: client.get(_provider_url(people)),
        expect(200, 403, 403, 403, 403, 403),
        lambda people, person, response: (
            response.body["domains"]
            == [
                {"name": OLD, "new_domain": DOMAIN},
                {"name": OLD_OTHER, "new_domain": OTHER_DOMAIN},
            ]
        ),
    ),
    ("imap_migration-provider-detail", "PUT"): Case(
        lambda client, people: client.put(
            _provider_url(people),
            {"name": "Old", "address": "imap.old.test", "port": 993, "security": "tls"},
        ),
        expect(200, 403, 403, 403, 403, 403),
        _provider_changed,
    ),
    ("imap_migration-provider-detail", "PATCH"): Case(
        lambda client, people: client.patch(_provider_url(people), {"port": 993}),
        expect(200, 403, 403, 403, 403, 403),
        _port_changed,
    ),
    ("imap_migration-provider-detail", "DELETE"): Case(
        lambda client, people: client.delete("%s%d/" % (PROVIDERS, client.prepared.pk)),
        expect(204, 403, 403, 403, 403, 403),
        _provider_deleted,
        prepare=_temporary_provider,
    ),
    **_job_cases(
        OWNER,
        reach=expect(200, 200, 200, 404, 403, 403),
        listed=expect("200+", "200+", "200+", "200-", 403, 403),
    ),
}

#: The job routes on the other tenant's job.
FOREIGN_CASES = _job_cases(
    VICTIM,
    reach=expect(200, 404, 404, 200, 403, 403),
    listed=expect("200+", "200-", "200-", "200+", 403, 403),
)


@pytest.fixture
def people(superadmin):
    people = build_people(superadmin)
    admin_services.create_account(
        acting_user=superadmin, username=VICTIM, password=PASSWORD, mailbox={"address": VICTIM}
    )
    services.create_provider(
        acting_user=superadmin,
        name="Old",
        address="127.0.0.1",
        port=1,
        domains=[(OLD, DOMAIN), (OLD_OTHER, OTHER_DOMAIN)],
    )
    _queue(people, "owner@%s" % OLD, "")
    _queue(people, "victim@%s" % OLD_OTHER, "")
    return people


def test_matrix_covers_every_route():
    assert set(CASES) == extension_routes("modoboa.imap_migration")
    assert set(FOREIGN_CASES) <= set(CASES)


@pytest.mark.parametrize("route", list(CASES), ids="-".join)
def test_permission_matrix(route, people, api, unchanged):
    case = CASES[route]
    assert statuses(case, people, api, unchanged) == case.expected


@pytest.mark.parametrize("route", list(FOREIGN_CASES), ids="-".join)
def test_permission_matrix_on_the_other_tenants_job(route, people, api, unchanged):
    case = FOREIGN_CASES[route]
    assert statuses(case, people, api, unchanged) == case.expected


def _client(api, people, person):
    client = api(people.user(person))
    client.default_format = "json"
    return client


def _queue_as(client, username, local_address=""):
    account = {"username": username, "password": "Old-1", "local_address": local_address}
    return client.post(MIGRATIONS, {"accounts": [account]})


@pytest.mark.parametrize(
    "person, own, foreign",
    [
        ("domain_admin", "da@%s" % DOMAIN, "da@%s" % OTHER_DOMAIN),
        ("other_domain_admin", "da@%s" % OTHER_DOMAIN, "da@%s" % DOMAIN),
    ],
)
def test_an_administrator_migrates_its_own_mailbox_not_the_other_tenants(
    person, own, foreign, people, api, unchanged
):
    client = _client(api, people, person)
    with unchanged():
        response = _queue_as(client, "x@%s" % OLD, local_address=foreign)
    assert response.status_code == 400
    assert response.body == {
        "local_address": ["Line 1: Mailbox %s is out of your reach" % foreign]
    }
    response = _queue_as(client, "x@%s" % OLD, local_address=own)
    assert response.status_code == 201, response.body
    assert response.body[0]["mailbox"] == own
    listed = {row["mailbox"] for row in client.get(MIGRATIONS).body["results"]}
    assert own in listed and foreign not in listed


#: Queueing ``fresh@<old domain>`` creates the local account: in which
#: local domain each person may have it created.
NEW_ACCOUNTS = {
    "superadmin": (201, 201),
    "reseller": (201, 400),
    "domain_admin": (201, 400),
    "other_domain_admin": (400, 201),
    "owner": (403, 403),
    "other_user": (403, 403),
    "anonymous": (401, 401),
}


@pytest.mark.parametrize("person", list(NEW_ACCOUNTS))
def test_a_job_creates_accounts_only_in_reach_and_within_limits(person, people, api, unchanged):
    from modoboa.admin.models import Mailbox
    from modoboa.limits import services as limits_services

    for admin in ("domain_admin", "other_domain_admin"):
        limits_services.set_user_limit(people.user(admin), "mailboxes", 1, acting_user=None)
    client = _client(api, people, person)
    domains = ((OLD, DOMAIN), (OLD_OTHER, OTHER_DOMAIN))
    for (old, local), status in zip(domains, NEW_ACCOUNTS[person], strict=True):
        username = "fresh@%s" % old
        if status != 201:
            with unchanged():
                response = _queue_as(client, username)
            assert response.status_code == status, (local, response.body)
            if status == 400:
                assert "Local domain %s does not exist or is out of your reach" % local in str(
                    response.body
                )
            continue
        response = _queue_as(client, username)
        assert response.status_code == 201, (local, response.body)
        mailbox = Mailbox.objects.get(address="fresh", domain__name=local)
        assert mailbox.user.check_password("Old-1")
    if person.endswith("domain_admin"):
        # The limit is spent: the next account is refused, nothing written.
        old = OLD if person == "domain_admin" else OLD_OTHER
        with unchanged():
            response = _queue_as(client, "second@%s" % old)
        assert response.status_code == 400
        assert "limit reached" in str(response.body)


@pytest.mark.parametrize("ended", [False, True], ids=["pending", "ended"])
def test_the_other_tenants_job_is_not_taken_over_by_queueing_its_login(
    ended, people, api, unchanged
):
    """Queueing the old login of another tenant's job, into a mailbox of
    one's own, neither moves that job nor resets its password.
    """
    victim = _job_of(VICTIM)
    if ended:
        services.cancel_migration(victim, acting_user=people.user("superadmin"))
    client = _client(api, people, "domain_admin")
    with unchanged():
        response = _queue_as(client, victim.username, local_address=OWNER)
    assert response.status_code == 400
    reason = "was migrated to another mailbox" if ended else "already has a job in progress"
    assert response.body == {"username": ["Line 1: %s %s" % (victim.username, reason)]}
