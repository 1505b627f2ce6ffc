"""Fixtures shared by every test: one account per role and their domains.

Everything is created through the service layer, as the console and the API
would create it.
"""

import pytest

from modoboa.core import constants

PASSWORD = "Toto1234!"


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request in French leaves French active in the worker thread.

    LocaleMiddleware activates the language of each request and never
    deactivates it, so without this a later test would see French labels.
    """
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def superadmin(db):
    """The first super administrator, as ``load_initial_data`` makes it."""
    from modoboa.core.management.commands.load_initial_data import load_initial_data

    return load_initial_data("admin")


@pytest.fixture
def make_domain(superadmin):
    """Create a domain (as the super administrator unless told otherwise)."""
    from modoboa.admin import services

    def _make(name, acting_user=None, **kwargs):
        kwargs.setdefault("quota", 0)
        kwargs.setdefault("default_mailbox_quota", 0)
        return services.create_domain(acting_user=acting_user or superadmin, name=name, **kwargs)

    return _make


@pytest.fixture
def make_account(superadmin):
    """Create an account (a simple user with a mailbox by default)."""
    from modoboa.admin import services

    def _make(username, acting_user=None, role=constants.SIMPLEUSERS, **kwargs):
        kwargs.setdefault("password", PASSWORD)
        return services.create_account(
            acting_user=acting_user or superadmin, username=username, role=role, **kwargs
        )

    return _make


@pytest.fixture
def set_limits():
    """Give an account limits, as a super administrator would."""
    from modoboa.limits import services

    def _set(account, **limits):
        for name, value in limits.items():
            services.set_user_limit(account, name, value, acting_user=None)

    return _set


@pytest.fixture
def reseller(make_account, set_limits):
    """A reseller with room for 10 of everything and 1000 MB of quota."""
    account = make_account("reseller", role=constants.RESELLERS)
    set_limits(
        account,
        domains=10,
        domain_aliases=10,
        mailboxes=10,
        mailbox_aliases=10,
        domain_admins=10,
        quota=1000,
    )
    return account


@pytest.fixture
def domain(make_domain):
    """test.com: 50 MB shared, 10 MB per mailbox by default."""
    return make_domain("test.com", quota=50, default_mailbox_quota=10)


@pytest.fixture
def other_domain(make_domain):
    """test2.com, without quota, administered by nobody but superusers."""
    return make_domain("test2.com")


@pytest.fixture
def domain_admin(make_account, set_limits, domain):
    """admin@test.com, administrator of test.com with room for 5 mailboxes
    and 5 aliases."""
    account = make_account(
        "admin@test.com",
        role=constants.DOMAINADMINS,
        domains=["test.com"],
        mailbox={"address": "admin@test.com"},
    )
    set_limits(account, mailboxes=5, mailbox_aliases=5)
    return account


@pytest.fixture
def simple_user(make_account, domain):
    """user@test.com, a mailbox owner."""
    return make_account("user@test.com")


def db_state():
    """Every row of every table of the project's models (and the audit
    trail), to prove that a refused call wrote nothing.
    """
    from django.apps import apps

    state = {}
    # A cron job's own run record (core.jobrun) is written whatever the
    # job's outcome: a refused run is recorded as failed, by design.
    skipped = ("sessions.session", "contenttypes.contenttype", "core.jobrun")
    for model in apps.get_models():
        if model._meta.label_lower in skipped:
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        state[model._meta.label_lower] = list(
            model._default_manager.order_by("pk").values_list(*fields)
        )
    return state


@pytest.fixture
def unchanged(db):
    """``with unchanged(): ...`` fails if the block wrote anything."""
    from contextlib import contextmanager

    @contextmanager
    def _check():
        before = db_state()
        yield
        after = db_state()
        changed = [label for label in before if before[label] != after[label]]
        assert changed == [], "tables written by a refused call: %s" % changed

    return _check


@pytest.fixture
def api(db):
    """``api(user)``: an API client sending ``user``'s token (anonymous for
    None); ``response.body`` holds the decoded JSON."""
    from modoboa.lib.api.testing import api_client

    return api_client


def pytest_collection_modifyitems(config, items):
    """Deselect tests written for other database engines.

    ``@pytest.mark.engines("postgresql", "mysql")`` keeps a test only on those
    engines (Django vendor names). Deselecting instead of skipping keeps CI's
    rule simple: a skipped test is a failure.
    """
    from django.db import connection

    vendor = connection.vendor
    selected, deselected = [], []
    for item in items:
        marker = item.get_closest_marker("engines")
        if marker is not None and vendor not in marker.args:
            deselected.append(item)
        else:
            selected.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
