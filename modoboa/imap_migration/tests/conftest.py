"""Fixtures of the IMAP migration's tests (no daemon: the jobs run in
tests/integration/test_imap_migration.py against two real Dovecots)."""

import pytest

from modoboa.imap_migration import services


@pytest.fixture
def provider(superadmin, domain, other_domain):
    """An old server serving old.test (-> test.com) and old2.test (->
    test2.com, which only super administrators reach)."""
    return services.create_provider(
        acting_user=superadmin,
        name="Old",
        address="127.0.0.1",
        port=1,
        security="none",
        domains=[("old.test", "test.com"), ("old2.test", "test2.com")],
    )


@pytest.fixture
def own_job(provider, superadmin, simple_user):
    """A pending job for user@test.com (the domain administrator's)."""
    (job,) = services.create_migrations(
        acting_user=superadmin, entries=[(1, "user@old.test", "Old-secret-1", "")]
    )
    return job


@pytest.fixture
def foreign_job(provider, superadmin, make_account, other_domain):
    make_account("victim@test2.com")
    (job,) = services.create_migrations(
        acting_user=superadmin, entries=[(1, "victim@old2.test", "Old-secret-2", "")]
    )
    return job
