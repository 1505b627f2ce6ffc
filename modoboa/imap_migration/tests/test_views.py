"""Console pages of the IMAP migration, as each role sees them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from modoboa.imap_migration.models import CANCELLED, EmailProvider, Migration

pytestmark = pytest.mark.django_db

BASE = "/imap_migration/"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_the_jobs_in_reach(
    own_job, foreign_job, domain_admin, superadmin, django_assert_max_num_queries
):
    client = client_for(domain_admin)
    client.get(BASE)
    with django_assert_max_num_queries(12):
        response = client.get(BASE)
    assert response.status_code == 200
    assert b"user@old.test" in response.content
    assert b"victim@old2.test" not in response.content
    response = client_for(superadmin).get(BASE + "?status=pending")
    assert b"victim@old2.test" in response.content
    assert b"Old-secret" not in response.content


def test_simple_users_and_foreign_jobs_are_refused(
    own_job, foreign_job, simple_user, domain_admin, reseller, unchanged
):
    user_client = client_for(simple_user)
    admin_client = client_for(domain_admin)
    reseller_client = client_for(reseller)
    with unchanged():
        assert user_client.get(BASE).status_code == 403
        assert user_client.get(BASE + "new/").status_code == 403
        for client in (admin_client, reseller_client):
            assert client.get("%s%d/" % (BASE, foreign_job.pk)).status_code == 404
            assert client.post("%s%d/cancel/" % (BASE, foreign_job.pk)).status_code == 404
            assert client.post("%s%d/delete/" % (BASE, foreign_job.pk)).status_code == 404
            assert (
                client.post(
                    "%s%d/restart/" % (BASE, foreign_job.pk), {"password": "x"}
                ).status_code
                == 404
            )
        assert reseller_client.get("%s%d/" % (BASE, own_job.pk)).status_code == 404


def test_a_bad_line_names_it_and_nothing_is_written(provider, domain_admin, unchanged):
    client = client_for(domain_admin)
    with unchanged():
        response = client.post(
            BASE + "new/", {"accounts": "ok@old.test,Secret-1\nbad@old2.test,Secret-2\n"}
        )
    assert response.status_code == 400
    assert "Line 2: Local domain test2.com does not exist or is out of your reach" in (
        response.content.decode()
    )


def test_a_csv_file_queues_jobs(provider, domain_admin):
    upload = SimpleUploadedFile(
        "accounts.csv", "a@old.test;Sécret-1\nb@old.test,Secret-2,bee@test.com\n".encode()
    )
    response = client_for(domain_admin).post(
        BASE + "new/", {"csv_file": upload, "exclude_folders": "Spam*"}
    )
    assert response.status_code == 302
    jobs = Migration.objects.order_by("username")
    assert [(job.username, job.mailbox.full_address) for job in jobs] == [
        ("a@old.test", "a@test.com"),
        ("b@old.test", "bee@test.com"),
    ]
    assert {job.exclude_folders for job in jobs} == {"Spam*"}


def test_detail_cancel_and_restart(own_job, domain_admin):
    client = client_for(domain_admin)
    url = "%s%d/" % (BASE, own_job.pk)
    response = client.get(url)
    assert response.status_code == 200
    assert "yes (encrypted)" in response.content.decode()
    assert client.post(url + "cancel/").status_code == 302
    own_job.refresh_from_db()
    assert own_job.status == CANCELLED and not own_job.has_password
    response = client.get(url)
    assert "Copy what is new" in response.content.decode()
    client.post(url + "restart/", {"password": "Again-1"})
    own_job.refresh_from_db()
    assert own_job.status == "pending" and own_job.has_password


def test_providers_pages_are_for_super_administrators(
    provider, superadmin, reseller, domain_admin, unchanged
):
    for user in (reseller, domain_admin):
        client = client_for(user)
        with unchanged():
            assert client.get(BASE + "providers/").status_code == 403
            assert client.post(BASE + "providers/new/", {"name": "x"}).status_code == 403
            assert client.post("%sproviders/%d/delete/" % (BASE, provider.pk)).status_code == 403
    client = client_for(superadmin)
    response = client.get(BASE + "providers/")
    assert "old.test &rarr; test.com" in response.content.decode()
    response = client.post(
        BASE + "providers/new/",
        {
            "name": "Second",
            "address": "imap.example.org",
            "port": "993",
            "security": "tls",
            "verify_certificate": "on",
            "domains": "second.test\nthird.test test2.com",
        },
    )
    assert response.status_code == 302
    second = EmailProvider.objects.get(name="Second")
    assert second.secured
    assert sorted(second.domains.values_list("name", "new_domain__name")) == [
        ("second.test", None),
        ("third.test", "test2.com"),
    ]
    with unchanged():
        response = client.post(
            "%sproviders/%d/" % (BASE, second.pk),
            {
                "name": "Second",
                "address": "h",
                "port": "143",
                "security": "none",
                "domains": "old.test",
            },
        )
    assert response.status_code == 400
    assert "already served by another provider" in response.content.decode()
