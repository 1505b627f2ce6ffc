"""The rules of the IMAP migration, called as the console, the API and the
commands call them."""

import pytest
from django.db import connection

from modoboa.admin.models import Mailbox
from modoboa.core.models import User
from modoboa.imap_migration import services
from modoboa.imap_migration.models import CANCELLED, DONE, PENDING, EmailProvider, Migration
from modoboa.lib.exceptions import BadRequest, Conflict, PermDeniedException

pytestmark = pytest.mark.django_db


def raw_passwords():
    with connection.cursor() as cursor:
        cursor.execute("SELECT _password FROM modoboa_imap_migration_migration")
        return [row[0] for row in cursor.fetchall()]


def test_the_old_password_is_encrypted_at_rest(own_job):
    (stored,) = raw_passwords()
    assert "Old-secret-1" not in stored
    assert services.old_password(own_job) == "Old-secret-1"


def test_a_password_moved_to_another_job_does_not_decrypt(own_job, foreign_job):
    foreign_job._password = own_job._password
    with pytest.raises(BadRequest, match="cannot be decrypted"):
        services.old_password(foreign_job)


def test_a_missing_local_account_is_created_with_the_old_password(provider, superadmin):
    (job,) = services.create_migrations(
        acting_user=superadmin, entries=[(1, "new@old.test", "Old-secret-3", "")]
    )
    assert job.mailbox.full_address == "new@test.com"
    assert User.objects.get(username="new@test.com").check_password("Old-secret-3")


def test_csv_errors_name_the_line_and_nothing_is_written(provider, superadmin, unchanged):
    text = "a@old.test,Secret-1\nb@old.test;Secret-2;b@test.com\nc@nowhere.test,Secret-3\n"
    entries = services.parse_accounts(text)
    assert [entry[0] for entry in entries] == [1, 2, 3]
    with unchanged():
        with pytest.raises(BadRequest, match="Line 3: No email provider serves"):
            services.create_migrations(acting_user=superadmin, entries=entries)
    assert not Mailbox.objects.filter(address__in=["a", "b"]).exists()


@pytest.mark.parametrize(
    "text, message",
    [
        ("only-one-cell\n", "Line 1: expected old address"),
        ("\n\nx@old.test,pw,a,b\n", "Line 3: expected old address"),
        ("", "at least one account"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_bad_csv_lines_are_refused(text, message):
    with pytest.raises(BadRequest, match=message):
        services.parse_accounts(text)


def test_a_line_listed_twice_or_a_bad_address_is_refused(provider, superadmin, unchanged):
    with unchanged():
        with pytest.raises(BadRequest, match="Line 2: x@old.test is listed twice"):
            services.create_migrations(
                acting_user=superadmin,
                entries=[(1, "x@old.test", "pw-1", ""), (2, "X@old.test", "pw-2", "")],
            )
        with pytest.raises(BadRequest, match="Line 1: "):
            services.create_migrations(
                acting_user=superadmin, entries=[(1, "not an address", "pw", "")]
            )


def test_a_domain_admin_migrates_its_domain_only(provider, domain_admin, unchanged):
    (job,) = services.create_migrations(
        acting_user=domain_admin, entries=[(1, "joe@old.test", "Old-secret-4", "")]
    )
    assert job.mailbox.domain.name == "test.com"
    with unchanged():
        with pytest.raises(BadRequest, match="out of your reach"):
            services.create_migrations(
                acting_user=domain_admin, entries=[(1, "eve@old2.test", "Old-secret-5", "")]
            )


def test_a_domain_admin_cannot_reach_a_foreign_job(foreign_job, domain_admin, reseller):
    for admin in (domain_admin, reseller):
        assert list(services.migrations_for(admin)) == []
        with pytest.raises(PermDeniedException):
            services.cancel_migration(foreign_job, acting_user=admin)


def test_a_simple_user_manages_no_job(own_job, simple_user):
    assert list(services.migrations_for(simple_user)) == []
    with pytest.raises(PermDeniedException):
        services.cancel_migration(own_job, acting_user=simple_user)


def test_a_job_in_progress_is_not_queued_twice(own_job, superadmin):
    with pytest.raises(Conflict, match="already has a job in progress"):
        services.create_migrations(
            acting_user=superadmin, entries=[(1, "user@old.test", "Old-secret-1", "")]
        )


def test_cancel_erases_the_password_and_restart_needs_it_again(own_job, superadmin):
    services.cancel_migration(own_job, acting_user=superadmin)
    own_job.refresh_from_db()
    assert own_job.status == CANCELLED
    assert raw_passwords() == [""]
    with pytest.raises(Conflict):
        services.cancel_migration(own_job, acting_user=superadmin)
    with pytest.raises(BadRequest, match="required"):
        services.restart_migration(own_job, acting_user=superadmin, password="")
    services.restart_migration(own_job, acting_user=superadmin, password="Again-1")
    own_job.refresh_from_db()
    assert (own_job.status, services.old_password(own_job)) == (PENDING, "Again-1")


def test_a_finished_job_is_queued_again_by_a_new_line(own_job, superadmin):
    Migration.objects.filter(pk=own_job.pk).update(status=DONE, _password="")
    (again,) = services.create_migrations(
        acting_user=superadmin, entries=[(1, "user@old.test", "Old-secret-9", "")]
    )
    assert again.pk == own_job.pk
    assert again.status == PENDING


def test_providers_are_for_super_administrators(provider, domain_admin, reseller, unchanged):
    with unchanged():
        for user in (domain_admin, reseller):
            with pytest.raises(PermDeniedException):
                services.create_provider(acting_user=user, name="x", address="h", port=143)
            with pytest.raises(PermDeniedException):
                services.delete_provider(provider, acting_user=user)


@pytest.mark.parametrize(
    "values, field",
    [
        ({"name": "", "address": "h"}, "name"),
        ({"name": "Old", "address": "h"}, "name"),
        ({"name": "n", "address": "bad host"}, "address"),
        ({"name": "n", "address": "h", "port": 70000}, "port"),
        ({"name": "n", "address": "h", "security": "ssl3"}, "security"),
    ],
)
def test_bad_provider_values_name_the_field(provider, superadmin, values, field, unchanged):
    with unchanged():
        with pytest.raises((BadRequest, Conflict)) as caught:
            services.create_provider(acting_user=superadmin, **values)
    assert caught.value.field == field


def test_provider_domains_are_parsed_and_checked(provider, superadmin):
    assert services.parse_domains("a.test\n\nb.test test.com\n") == [
        ("a.test", ""),
        ("b.test", "test.com"),
    ]
    with pytest.raises(BadRequest, match="Line 2"):
        services.parse_domains("a.test\nnot a domain!\n")
    with pytest.raises(BadRequest, match="does not exist"):
        services.update_provider(
            provider, acting_user=superadmin, domains=[("c.test", "nope.test")]
        )
    other = services.create_provider(acting_user=superadmin, name="Other", address="h2")
    with pytest.raises(Conflict, match="already served"):
        services.update_provider(other, acting_user=superadmin, domains=[("old.test", "")])
    assert EmailProvider.objects.count() == 2


def test_a_provider_with_jobs_in_progress_is_kept(own_job, provider, superadmin):
    with pytest.raises(Conflict):
        services.delete_provider(provider, acting_user=superadmin)


def test_folder_filters_are_patterns_never_code():
    include = services.clean_patterns("INBOX\n  Archives/*  \n", "include_folders")
    exclude = services.clean_patterns("Archives/Spam*\n__import__('os')\n", "exclude_folders")
    assert services.folder_selected("INBOX", include, exclude)
    assert services.folder_selected("Archives/2019", include, exclude)
    assert not services.folder_selected("Archives/Spam old", include, exclude)
    assert not services.folder_selected("Sent", include, exclude)
    assert services.folder_selected("Sent", "", exclude)
    with pytest.raises(BadRequest):
        services.clean_patterns("bad\x00name", "include_folders")


def test_a_missing_encryption_key_is_a_system_check_error(settings):
    from modoboa.imap_migration import checks

    assert checks.check_encryption_key(None) == []
    settings.MODOBOA_ENCRYPTION_KEY = ""
    (error,) = checks.check_encryption_key(None)
    assert error.id == "imap_migration.E001"
