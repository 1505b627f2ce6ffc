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


def test_an_operation_another_run_holds_is_left_to_it_until_its_claim_expires(
    radicale,  # noqa: F811 - fixture
    erin,
    superadmin,
):
    """Cron and a request at once: a run finding the first operation
    claimed by another run leaves the queue to it; the claim of a run that
    died expires, and the next run takes the operation over."""
    from datetime import timedelta

    from django.utils import timezone

    from modoboa.admin import services as admin_services
    from modoboa.radicale import services
    from modoboa.radicale.models import PendingOperation

    _down()
    admin_services.rename_mailbox(erin.mailbox, "frank@down.test", acting_user=superadmin)
    _up(radicale)
    later = timezone.now() + timedelta(minutes=5)
    PendingOperation.objects.update(claimed_by="other-run", claimed_until=later)
    assert services.retry_pending() == (0, 1)
    operation = PendingOperation.objects.get()
    assert (operation.attempts, operation.claimed_by) == (1, "other-run")
    assert _service_status(radicale, "down.test/user/erin/Board/") == 207

    PendingOperation.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert services.retry_pending() == (1, 0)
    assert _service_status(radicale, "down.test/user/erin/Board/") == 404
    _calendar_seen(radicale, "down.test/user/frank/Board", "frank@down.test", "Budget")


def test_concurrent_claims_give_an_operation_to_one_run_only(
    radicale,  # noqa: F811 - fixture
    erin,
    superadmin,
):
    """Eight runs claim the same operation at the same instant, in threads
    with their own connections to the real database (on SQLite too, where
    select_for_update does nothing): exactly one gets it, every time."""
    import threading

    from django.db import connections

    from modoboa.admin import services as admin_services
    from modoboa.radicale import services
    from modoboa.radicale.models import PendingOperation

    _down()
    admin_services.rename_mailbox(erin.mailbox, "frank@down.test", acting_user=superadmin)
    pk = PendingOperation.objects.get().pk
    for _round in range(5):
        PendingOperation.objects.update(claimed_by="", claimed_until=None)
        barrier = threading.Barrier(8)
        won = []

        def claim(token, barrier=barrier, won=won):
            try:
                barrier.wait(10)
                if services._claim(pk, token, 5):
                    won.append(token)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=claim, args=("run%d" % i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert len(won) == 1
        assert PendingOperation.objects.get().claimed_by == won[0]


def test_two_concurrent_runners_never_run_an_operation_twice(
    radicale,  # noqa: F811 - fixture
    make_domain,
    make_account,
    superadmin,
    monkeypatch,
):
    """The cron job and a request's run at once, against the real database
    and Radicale: every operation is run once, in order."""
    import threading

    from django.db import connections

    from modoboa.admin import services as admin_services
    from modoboa.radicale import services
    from modoboa.radicale.models import PendingOperation

    make_domain("race.test")
    ran = []
    real_run = services._run

    def counted(operation):
        ran.append(operation.pk)
        real_run(operation)

    monkeypatch.setattr(services, "_run", counted)
    for round_ in range(3):
        _down()
        for index in range(4):
            address = "u%d-%d@race.test" % (round_, index)
            account = make_account(address, mailbox={"address": address})
            admin_services.delete_account(account, acting_user=superadmin)
        recorded = list(PendingOperation.objects.values_list("pk", flat=True))
        assert len(recorded) == 4
        _up(radicale)
        ran.clear()
        barrier = threading.Barrier(2)
        results = []

        def runner(run, barrier=barrier, results=results):
            try:
                barrier.wait(10)
                results.append(run())
            finally:
                connections.close_all()

        threads = [
            threading.Thread(target=runner, args=(services.retry_pending,)),
            threading.Thread(target=runner, args=(services._run_after_commit,)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(ran) == sorted(recorded), ran
        assert ran == sorted(ran)
        # A run that found the queue taken leaves it; the cron job (or a
        # later request) finishes what is left.
        services.retry_pending()
        assert not PendingOperation.objects.exists()
        assert sorted(ran) == sorted(recorded), ran


@pytest.fixture
def hanging_server():
    """A loopback server that accepts connections and never answers."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    held, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connection, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            held.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d/" % listener.getsockname()[1], held
    finally:
        stop.set()
        thread.join(5)
        for connection in held:
            connection.close()
        listener.close()


def test_deleting_a_domain_while_radicale_hangs_returns_within_the_budget(
    radicale,  # noqa: F811 - fixture
    hanging_server,
    make_account,
    make_domain,
    superadmin,
    settings,
):
    """A server that accepts and never answers used to cost the request 10
    seconds per operation; now the request gives it its budget at most,
    the operations wait for the cron job, which completes them once the
    server answers."""
    import time

    from django.urls import reverse

    from modoboa.admin.models import Domain
    from modoboa.radicale import services as calendars
    from modoboa.radicale.models import PendingOperation

    domain = make_domain("hang.test")
    addresses = ["m%d@hang.test" % index for index in range(4)]
    for address in addresses:
        account = make_account(address, mailbox={"address": address})
        calendars.create_user_calendar(acting_user=account, mailbox=account.mailbox, name="Cal")
        assert _service_status(radicale, "hang.test/user/%s/Cal/" % address[:2]) == 207

    url, held = hanging_server
    _up(url)
    settings.MODOBOA_RADICALE_REQUEST_BUDGET = 1
    browser = Client()
    browser.force_login(superadmin)
    started = time.monotonic()
    response = browser.post(reverse("admin:domain_delete", args=[domain.pk]), {})
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert not Domain.objects.filter(name="hang.test").exists()
    # One run for the whole deletion: one connection, then the budget is over.
    assert len(held) == 1, "the request did not reach the hanging server once"
    assert elapsed < 4, elapsed
    operations = list(PendingOperation.objects.order_by("pk"))
    # Django deletes the cascade's mailboxes first (in its own order).
    assert sorted((op.action, op.old_name) for op in operations[:4]) == [
        ("remove", address) for address in addresses
    ]
    assert (operations[4].action, operations[4].old_name) == ("remove", "hang.test")
    assert operations[0].attempts == 1 and "does not answer" in operations[0].last_error
    assert [op.attempts for op in operations[1:]] == [0] * 4
    assert all(op.claimed_by == "" for op in operations)
    page = _dashboard(superadmin)
    assert 'id="dashboard-radicale-pending"' in page and "m3@hang.test" in page
    with pytest.raises(Conflict):
        make_domain("hang.test")

    # The cron job is bounded likewise while the server hangs.
    settings.MODOBOA_RADICALE_RETRY_BUDGET = 1
    started = time.monotonic()
    _retry()
    assert time.monotonic() - started < 4
    assert PendingOperation.objects.count() == 5
    assert PendingOperation.objects.order_by("pk").first().attempts == 2

    _up(radicale)
    del settings.MODOBOA_RADICALE_RETRY_BUDGET
    assert "5 pending operation(s) done, 0 left" in _retry()
    assert not PendingOperation.objects.exists()
    for address in addresses:
        assert _service_status(radicale, "%s/" % address) == 404, address
    assert _service_status(radicale, "hang.test/") == 404
    make_domain("hang.test")


def test_a_time_budget_bounds_each_request_and_stops_the_next(hanging_server):
    """Within a budget, a server that never answers costs the budget (not
    the 10 s time-out), and no request starts once it is over."""
    import time

    from modoboa.radicale import client

    url, held = hanging_server
    _up(url)
    started = time.monotonic()
    with client.time_budget(0.5):
        with pytest.raises(client.RadicaleError) as hung:
            client.delete_calendar("hang.test")
        assert "does not answer" in str(hung.value)
        assert time.monotonic() - started < 2
        with pytest.raises(client.BudgetExhausted) as over:
            client.delete_calendar("hang.test")
    assert "the next run continues it" in str(over.value)
    assert len(held) == 1


def test_a_request_committing_several_changes_shares_one_budget(
    radicale,  # noqa: F811 - fixture
    hanging_server,
    make_account,
    make_domain,
    superadmin,
    settings,
):
    """Two deletions committed one after the other in the same web request:
    the hanging server costs the request one budget, not one per commit;
    outside a request, each commit has its own."""
    import time

    from django.core.signals import request_finished, request_started

    from modoboa.admin import services as admin_services
    from modoboa.radicale.models import PendingOperation

    make_domain("share.test")
    accounts = [
        make_account(address, mailbox={"address": address})
        for address in ("a@share.test", "b@share.test", "c@share.test")
    ]
    url, held = hanging_server
    _up(url)
    settings.MODOBOA_RADICALE_REQUEST_BUDGET = 1
    request_started.send(sender=None)
    try:
        started = time.monotonic()
        admin_services.delete_account(accounts[0], acting_user=superadmin)
        admin_services.delete_account(accounts[1], acting_user=superadmin)
        assert time.monotonic() - started < 4
    finally:
        request_finished.send(sender=None)
    assert len(held) == 1
    assert [op.attempts for op in PendingOperation.objects.order_by("pk")] == [1, 0]

    admin_services.delete_account(accounts[2], acting_user=superadmin)
    assert len(held) == 2
    assert [op.attempts for op in PendingOperation.objects.order_by("pk")] == [2, 0, 0]


def test_modo_repair_lists_then_runs_the_pending_operations(
    radicale,  # noqa: F811 - fixture
    erin,
    superadmin,
):
    from modoboa.admin import repair
    from modoboa.admin import services as admin_services
    from modoboa.radicale.known_problems import PendingRadicaleOperations
    from modoboa.radicale.models import PendingOperation

    _down()
    admin_services.rename_mailbox(erin.mailbox, "frank@down.test", acting_user=superadmin)
    _up(radicale)
    [outcome] = repair.run(dry_run=True, problems=[PendingRadicaleOperations()])
    assert [str(op) for op in outcome.occurrences] == ["move erin@down.test -> frank@down.test"]
    assert "1 attempt(s)" in outcome.problem.describe(outcome.occurrences[0])
    assert PendingOperation.objects.exists()

    [outcome] = repair.run(problems=[PendingRadicaleOperations()])
    assert outcome.fixed
    assert not PendingOperation.objects.exists()
    _calendar_seen(radicale, "down.test/user/frank/Board", "frank@down.test", "Budget")
    assert _service_status(radicale, "down.test/user/erin/Board/") == 404
