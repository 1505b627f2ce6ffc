"""Migrations taken over from 1.10: their ``_password`` was encrypted with
1.10's Fernet helper, whose key is the first 32 characters of the old
instance's SECRET_KEY in URL-safe base64. Read back with the old key, it is
stored again under this release's AES-GCM scheme.
"""

import base64

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from modoboa.imap_migration import runner, services
from modoboa.imap_migration.models import FAILED, Migration
from modoboa.lib import encryption
from modoboa.lib.exceptions import BadRequest

pytestmark = pytest.mark.django_db

OLD_KEY = "1.10-secret-key-of-the-old-instance-0123456789"
# Made once with cryptography's Fernet, under the key 1.10 derives from
# OLD_KEY; the clear text is "Pässwörd-1.10".
VECTOR = (
    "gAAAAABrFELZjuhoo2__1w87s7lqBMxv6CY7eng92s9uRfR5i2D5IHguqoZqaKsfefb5877SS346"
    "wR62iGsPkAO8cFf4hZfXTA=="
)


def as_110(secret_key, clear):
    """``clear`` encrypted as 1.10 did under ``secret_key``."""
    key = base64.urlsafe_b64encode(secret_key[:32].encode("utf-8"))
    return Fernet(key).encrypt(clear.encode("utf-8")).decode("ascii")


def stored(job):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT _password FROM modoboa_imap_migration_migration WHERE id = %s", [job.pk]
        )
        return cursor.fetchone()[0]


def taken_over(job, token):
    Migration.objects.filter(pk=job.pk).update(_password=token)
    return Migration.objects.get(pk=job.pk)


def test_the_instance_key_reads_a_password_of_110_and_reencrypts_it(own_job, settings):
    job = taken_over(own_job, as_110(settings.SECRET_KEY, "Old-secret-110"))

    assert services.old_password(job) == "Old-secret-110"

    token = stored(job)
    assert not token.startswith("gAAAAA")
    assert "Old-secret-110" not in token
    blob = base64.b64decode(token)
    assert encryption.decrypt(blob, "imap_migration:user@old.test") == b"Old-secret-110"
    assert services.old_password(Migration.objects.get(pk=job.pk)) == "Old-secret-110"


def test_the_documented_setting_holds_the_old_key(own_job, settings):
    settings.MODOBOA_110_SECRET_KEY = OLD_KEY
    job = taken_over(own_job, VECTOR)

    assert services.old_password(job) == "Pässwörd-1.10"
    assert not stored(job).startswith("gAAAAA")


def test_a_wrong_key_names_the_migration(own_job, settings):
    settings.MODOBOA_110_SECRET_KEY = "another-key-that-is-long-enough-0000"
    job = taken_over(own_job, VECTOR)

    with pytest.raises(BadRequest) as raised:
        services.old_password(job)

    assert "migration of user@old.test" in raised.value.message
    assert "MODOBOA_110_SECRET_KEY" in raised.value.message
    assert stored(job) == VECTOR


@pytest.mark.parametrize("old_key", ["short", "", "ключ-" * 10])
def test_an_unusable_old_key_is_an_error_not_a_crash(own_job, settings, old_key):
    settings.MODOBOA_110_SECRET_KEY = old_key
    job = taken_over(own_job, VECTOR)
    with pytest.raises(BadRequest, match="migration of user@old.test"):
        services.old_password(job)


def test_a_damaged_token_is_an_error_not_a_crash(own_job):
    job = taken_over(own_job, "gAAAAA" + "é" * 20)
    with pytest.raises(BadRequest, match="migration of user@old.test"):
        services.old_password(job)


def test_the_runner_converts_what_it_can_and_fails_the_rest(own_job, foreign_job, settings):
    settings.MODOBOA_110_SECRET_KEY = OLD_KEY
    readable = taken_over(own_job, VECTOR)
    unreadable = taken_over(foreign_job, as_110("a-key-nobody-knows-any-more-00000", "x"))
    messages = []

    converted, errors = services.convert_110_passwords()

    assert converted == 1
    assert len(errors) == 1 and "migration of victim@old2.test" in errors[0]

    assert not stored(readable).startswith("gAAAAA")
    assert stored(unreadable).startswith("gAAAAA")
    runner.run_pending(1, log=messages.append)
    unreadable.refresh_from_db()
    assert unreadable.status == FAILED
    assert "migration of victim@old2.test" in unreadable.last_error
    assert any("victim@old2.test" in message for message in messages)
