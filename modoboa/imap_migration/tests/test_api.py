"""The API of the IMAP migration, with a permission test per route and
role (super administrator, reseller, domain administrator, simple user,
anonymous caller)."""

import pytest

from modoboa.imap_migration.models import CANCELLED, EmailProvider, Migration

pytestmark = pytest.mark.django_db

ROLES = ("superadmin", "reseller", "domain_admin", "simple_user", None)


@pytest.fixture
def callers(api, superadmin, reseller, domain_admin, simple_user):
    """An API client per role (their tokens made before any check)."""
    users = {
        "superadmin": superadmin,
        "reseller": reseller,
        "domain_admin": domain_admin,
        "simple_user": simple_user,
        None: None,
    }
    return {role: api(user) for role, user in users.items()}


def expect(superadmin, reseller, domain_admin, simple_user=403, anonymous=401):
    return dict(
        zip(ROLES, (superadmin, reseller, domain_admin, simple_user, anonymous), strict=True)
    )


PROVIDERS = "/api/v1/imap_migration/providers/"
MIGRATIONS = "/api/v1/imap_migration/migrations/"


def test_providers_list_and_create_per_role(api, callers, provider, unchanged):
    expected = expect(200, 403, 403)
    for role, status in expected.items():
        with unchanged():
            assert callers[role].get(PROVIDERS).status_code == status, role
    body = {"name": "New", "address": "imap.old.test", "domains": [{"name": "x.test"}]}
    for role, status in expect(201, 403, 403).items():
        if status == 201:
            response = callers[role].post(PROVIDERS, body, format="json")
            assert response.status_code == 201, response.body
            assert response.body["domains"] == [{"name": "x.test", "new_domain": None}]
        else:
            with unchanged():
                response = callers[role].post(PROVIDERS, body, format="json")
                assert response.status_code == status, role


def test_provider_detail_per_role(api, callers, provider, unchanged):
    url = "%s%d/" % (PROVIDERS, provider.pk)
    for role, status in expect(200, 403, 403).items():
        with unchanged():
            assert callers[role].get(url).status_code == status, role
            if status != 200:
                assert callers[role].patch(url, {"port": 993}, format="json").status_code == status
                assert callers[role].delete(url).status_code == status
    response = callers["superadmin"].patch(url, {"port": 993, "security": "tls"}, format="json")
    assert response.status_code == 200, response.body
    provider.refresh_from_db()
    assert (provider.port, provider.secured) == (993, True)
    response = callers["superadmin"].put(
        url, {"name": "Old", "address": "bad host"}, format="json"
    )
    assert response.status_code == 400
    assert "address" in response.body
    assert callers["superadmin"].delete(url).status_code == 204
    assert not EmailProvider.objects.exists()


def test_migrations_list_per_role(callers, own_job, foreign_job):
    seen = {
        "superadmin": {own_job.pk, foreign_job.pk},
        "reseller": set(),
        "domain_admin": {own_job.pk},
    }
    for role, status in expect(200, 200, 200).items():
        response = callers[role].get(MIGRATIONS)
        assert response.status_code == status, role
        if status == 200:
            assert {row["pk"] for row in response.body["results"]} == seen[role]
            for row in response.body["results"]:
                assert "password" not in row
                assert row["password_stored"] is True


def test_migrations_list_has_a_fixed_query_count(
    api, superadmin, provider, django_assert_max_num_queries
):
    from modoboa.imap_migration import services

    services.create_migrations(
        acting_user=superadmin,
        entries=[(n, "u%d@old.test" % n, "pw-%d" % n, "") for n in range(1, 5)],
    )
    client = api(superadmin)
    client.get(MIGRATIONS)
    with django_assert_max_num_queries(6):
        response = client.get(MIGRATIONS)
    assert response.body["count"] == 4


@pytest.mark.parametrize("scope", ["own", "foreign"])
def test_migration_detail_and_actions_per_role(
    api, callers, own_job, foreign_job, scope, unchanged
):
    job = own_job if scope == "own" else foreign_job
    url = "%s%d/" % (MIGRATIONS, job.pk)
    reachable = expect(200, 404, 200 if scope == "own" else 404)
    for role, status in reachable.items():
        with unchanged():
            response = callers[role].get(url)
            assert response.status_code == status, (role, response.body)
            if status != 200:
                assert callers[role].post(url + "cancel/").status_code == status
                assert (
                    callers[role]
                    .post(url + "restart/", {"password": "x"}, format="json")
                    .status_code
                    == status
                )
                assert callers[role].delete(url).status_code == status
    admin = callers["domain_admin" if scope == "own" else "superadmin"]
    # A job in progress is neither restarted nor deleted (API v1 answers
    # conflicts with 400).
    response = admin.post(url + "restart/", {"password": "x"}, format="json")
    assert response.status_code == 400
    assert "not finished" in str(response.body)
    assert admin.delete(url).status_code == 400
    response = admin.post(url + "cancel/")
    assert response.status_code == 200
    assert response.body["status"] == CANCELLED
    assert response.body["password_stored"] is False
    response = admin.post(url + "restart/", {"password": "New-old-1"}, format="json")
    assert (response.status_code, response.body["status"]) == (200, "pending")
    admin.post(url + "cancel/")
    assert admin.delete(url).status_code == 204
    assert not Migration.objects.filter(pk=job.pk).exists()


def test_create_migrations_per_role(api, callers, provider, unchanged):
    body = {"accounts": [{"username": "new@old.test", "password": "Old-1"}]}
    for role, status in expect(201, 400, 201).items():
        if role in ("simple_user", None):
            with unchanged():
                assert callers[role].post(MIGRATIONS, body, format="json").status_code == status
            continue
        if status == 400:
            # The reseller reaches no domain: the line says so, nothing written.
            with unchanged():
                response = callers[role].post(MIGRATIONS, body, format="json")
                assert response.status_code == 400
                assert "Line 1" in str(response.body)
            continue
        response = callers[role].post(MIGRATIONS, body, format="json")
        assert response.status_code == 201, response.body
        assert response.body[0]["mailbox"] == "new@test.com"
        Migration.objects.all().delete()


def test_create_from_csv_names_the_bad_line(api, superadmin, provider, unchanged):
    client = api(superadmin)
    with unchanged():
        response = client.post(MIGRATIONS, {"csv": "a@old.test,pw-1\nb@old.test\n"}, format="json")
    assert response.status_code == 400
    assert "Line 2" in str(response.body)
    response = client.post(
        MIGRATIONS,
        {"csv": "a@old.test,pw-1\nb@old.test;pw;b@test.com\n", "exclude_folders": ["Spam"]},
        format="json",
    )
    assert response.status_code == 201, response.body
    assert [row["exclude_folders"] for row in response.body] == [["Spam"], ["Spam"]]


def test_provider_domains_are_checked_by_the_api(callers, provider, unchanged):
    with unchanged():
        response = callers["superadmin"].post(
            PROVIDERS,
            {"name": "X", "address": "h", "domains": [{"name": "not a domain"}]},
            format="json",
        )
    assert response.status_code == 400
    assert "domains" in response.body


def test_an_unknown_or_hostile_status_filter_is_a_400_naming_it(superadmin):
    from modoboa.lib.api.testing import api_client

    client = api_client(superadmin)
    for value in ("nonsense", "Z\x1d\x00"):
        response = client.get("/api/v1/imap_migration/migrations/", {"status": value})
        assert response.status_code == 400
        assert "status" in response.json()
    assert client.get("/api/v1/imap_migration/migrations/", {"status": "done"}).status_code == 200
