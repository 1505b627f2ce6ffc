"""A Radicale server down while a mailbox or a domain is renamed or
deleted: the move or removal is recorded, retried by ``generate_rights``
(and before any later one), and the old address or name is given to no one
until it is done. With Debian's real Radicale 3.
"""

import pytest
import requests
from django.core.management import call_command
from django.test import Client

from modoboa.lib.exceptions import Conflict
from tests.integration.test_radicale import EVENT, radicale  # noqa: F401 - fixture
from tests.security.test_hostile_radicale import _calendar_seen, _furnish

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PENDING = "still being removed"


def _service_status(base, path):
    from modoboa.radicale import client

    return requests.request(
        "PROPFIND",
        base + path,
        auth=client.service_credentials(),
        headers={"Depth": "0"},
        timeout=10,
    ).status_code


def _down():
    from modoboa.parameters import tools as param_tools
    from tests.fixtures.mailserver import free_port

    param_tools.set_global_parameter(
        "server_location", "http://127.0.0.1:%d/" % free_port(), app="modoboa_radicale"
    )


def _up(base):
    from modoboa.parameters import tools as param_tools

    param_tools.set_global_parameter("server_location", base, app="modoboa_radicale")


def _retry():
    from io import StringIO

    out = StringIO()
    call_command("generate_rights", stdout=out)
    return out.getvalue()


def _dashboard(user):
    from django.urls import reverse

    browser = Client()
    browser.force_login(user)
    response = browser.get(reverse("core:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def erin(radicale, make_account, make_domain):  # noqa: F811 - fixture
    from modoboa.radicale import services as calendars

    make_domain("down.test")
    account = make_account("erin@down.test", mailbox={"address": "erin@down.test"})
    calendars.create_user_calendar(acting_user=account, mailbox=account.mailbox, name="Board")
    _furnish(radicale, account, "down.test/user/erin/Board", "Budget", "Secret lover")
    return account


def test_a_rename_while_radicale_is_down_is_completed_by_generate_rights(
    radicale,  # noqa: F811 - fixture
    erin,
    make_account,
    superadmin,
    domain_admin,
    api,
):
    from modoboa.admin import services as admin_services
    from modoboa.contacts import services as contacts
    from modoboa.contacts.models import AddressBook
    from modoboa.radicale.models import PendingOperation

    _down()
    admin_services.rename_mailbox(erin.mailbox, "frank@down.test", acting_user=superadmin)
    operation = PendingOperation.objects.get()
    assert (operation.action, operation.old_name, operation.new_name) == (
        "move",
        "erin@down.test",
        "frank@down.test",
    )
    assert operation.attempts == 1 and "does not answer" in operation.last_error

    # The old address is given to no one meanwhile, in the service and the API.
    with pytest.raises(Conflict) as refused:
        make_account("erin@down.test", mailbox={"address": "erin@down.test"})
    assert refused.value.field == "email" and PENDING in str(refused.value)
    response = api(superadmin).post(
        "/api/v1/accounts/",
        {"username": "erin@down.test", "password": "Toto1234!"},
        format="json",
    )
    assert response.status_code == 400
    # The API names its field for the mailbox's address.
    assert list(response.body) == ["mailbox"] and PENDING in response.body["mailbox"][0]

    # The console's form shows it on the address field.
    browser = Client()
    browser.force_login(superadmin)
    response = browser.post(
        "/admin/accounts/new/",
        {
            "role": "SimpleUsers",
            "username": "erin@down.test",
            "password1": "Toto1234!",
            "password2": "Toto1234!",
            "is_active": "on",
            "quota_act": "on",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_email_error"' in page and PENDING in page
    assert not type(erin).objects.filter(username="erin@down.test").exists()

    # The super administrator's dashboard shows it, with what to do.
    page = _dashboard(superadmin)
    assert 'id="dashboard-radicale-pending"' in page
    assert "erin@down.test" in page and "frank@down.test" in page
    assert "manage.py generate_rights" in page
    # It names addresses of every tenant: not for a domain administrator.
    assert "erin@down.test" not in _dashboard(domain_admin)

    # Still down: one more attempt, recorded.
    _retry()
    assert PendingOperation.objects.get().attempts == 2

    _up(radicale)
    assert _service_status(radicale, "down.test/user/erin/Board/") == 207
    assert "1 pending operation(s) done, 0 left" in _retry()
    assert not PendingOperation.objects.exists()
    frank = type(erin).objects.get(pk=erin.pk)
    _calendar_seen(radicale, "down.test/user/frank/Board", "frank@down.test", "Budget")
    assert AddressBook.objects.get(user=frank).path == "frank@down.test/contacts"
    contacts.sync(frank)
    assert [c.display_name for c in contacts.contacts_for(frank)] == ["Secret lover"]
    for path in ("erin@down.test/", "down.test/user/erin/"):
        assert _service_status(radicale, path) == 404, path

    assert 'id="dashboard-radicale-pending"' not in _dashboard(superadmin)
    make_account("erin@down.test", mailbox={"address": "erin@down.test"})


def test_a_half_done_copy_is_completed_keeping_newer_items(
    radicale,  # noqa: F811 - fixture
    erin,
    superadmin,
    caplog,
):
    from modoboa.admin import services as admin_services
    from modoboa.radicale import client
    from modoboa.radicale.models import PendingOperation

    service = client.service_credentials()
    old = radicale + "down.test/user/erin/Board/"
    other = EVENT.format(uid="ev-other", summary="Old lunch")
    assert (
        requests.put(
            old + "other.ics",
            data=other.encode(),
            auth=service,
            headers={"Content-Type": "text/calendar"},
            timeout=10,
        ).status_code
        == 201
    )
    _down()
    admin_services.rename_mailbox(erin.mailbox, "frank@down.test", acting_user=superadmin)
    _up(radicale)
    # What an interrupted copy leaves: the address books copied, the
    # calendar made with one item, changed since under the new name.
    client.copy_collections([("erin@down.test", "frank@down.test")])
    client.copy_collections([("down.test/user/erin/Board", "down.test/user/frank/Board")])
    client.delete_calendar("down.test/user/frank/Board/event.ics")
    newer = EVENT.format(uid="ev-other", summary="New lunch")
    requests.put(
        radicale + "down.test/user/frank/Board/other.ics",
        data=newer.encode(),
        auth=service,
        headers={"Content-Type": "text/calendar"},
        timeout=10,
    ).raise_for_status()

    with caplog.at_level("WARNING"):
        _retry()
    assert not PendingOperation.objects.exists()
    _calendar_seen(radicale, "down.test/user/frank/Board", "frank@down.test", "Budget")
    kept = requests.get(
        radicale + "down.test/user/frank/Board/other.ics", auth=service, timeout=10
    )
    assert "SUMMARY:New lunch" in kept.text
    assert "down.test/user/frank/Board/other.ics" in caplog.text
    assert _service_status(radicale, "frank@down.test/contacts/") == 207
    for path in ("erin@down.test/", "down.test/user/erin/"):
        assert _service_status(radicale, path) == 404, path


def test_a_deletion_while_radicale_is_down_is_retried(
    radicale,  # noqa: F811 - fixture
    erin,
    make_account,
    make_domain,
    superadmin,
):
    from modoboa.admin import services as admin_services
    from modoboa.admin.models import Domain
    from modoboa.radicale.models import PendingOperation

    _down()
    admin_services.delete_account(erin, acting_user=superadmin)
    operation = PendingOperation.objects.get()
    assert (operation.action, operation.old_name) == ("remove", "erin@down.test")
    _up(radicale)
    assert _service_status(radicale, "down.test/user/erin/Board/") == 207
    with pytest.raises(Conflict) as refused:
        make_account("erin@down.test", mailbox={"address": "erin@down.test"})
    assert refused.value.field == "email"

    # Down again: the domain's removal waits behind the first one, and its
    # name is refused meanwhile.
    _down()
    admin_services.delete_domain(Domain.objects.get(name="down.test"), acting_user=superadmin)
    assert [(op.action, op.old_name) for op in PendingOperation.objects.all()] == [
        ("remove", "erin@down.test"),
        ("remove", "down.test"),
    ]
    assert PendingOperation.objects.get(old_name="erin@down.test").attempts == 2
    assert PendingOperation.objects.get(old_name="down.test").attempts == 0
    with pytest.raises(Conflict) as refused:
        make_domain("down.test")
    assert refused.value.field == "name" and PENDING in str(refused.value)

    # Back: a later removal retries the pending ones first, in their order.
    _up(radicale)
    make_domain("other.test")
    gus = make_account("gus@other.test", mailbox={"address": "gus@other.test"})
    admin_services.delete_account(gus, acting_user=superadmin)
    assert not PendingOperation.objects.exists()
    for path in ("erin@down.test/", "down.test/"):
        assert _service_status(radicale, path) == 404, path
    make_domain("down.test")
    make_account("erin@down.test", mailbox={"address": "erin@down.test"})


def test_operations_another_process_is_retrying_are_left_to_it(
    radicale,  # noqa: F811 - fixture
    erin,
    superadmin,
):
    """Cron and a request retrying at once: on PostgreSQL and MariaDB the
    second finds the rows locked and leaves them (SQLite has one file and no
    second node: it retries)."""
    import threading

    from django.db import connection, connections, transaction

    from modoboa.admin import services as admin_services
    from modoboa.radicale import services
    from modoboa.radicale.models import PendingOperation

    _down()
    admin_services.rename_mailbox(erin.mailbox, "frank@down.test", acting_user=superadmin)
    _up(radicale)
    if connection.features.has_select_for_update_nowait:
        locked, release = threading.Event(), threading.Event()

        def hold():
            try:
                with transaction.atomic():
                    list(PendingOperation.objects.select_for_update())
                    locked.set()
                    release.wait(30)
            finally:
                connections.close_all()

        holder = threading.Thread(target=hold)
        holder.start()
        try:
            assert locked.wait(10)
            assert services.retry_pending() == (0, 1)
        finally:
            release.set()
            holder.join()
        assert PendingOperation.objects.get().attempts == 1
        assert _service_status(radicale, "down.test/user/erin/Board/") == 207
    else:
        assert connection.vendor == "sqlite"
    assert services.retry_pending() == (1, 0)
    assert _service_status(radicale, "down.test/user/erin/Board/") == 404
    _calendar_seen(radicale, "down.test/user/frank/Board", "frank@down.test", "Budget")
