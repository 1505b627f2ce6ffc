"""Calendars with Debian's real Radicale 3: it authenticates logins against
the panel (the plugin ``modoboa.radicale.radicale_auth`` asks the live
server) and obeys the rights file the panel writes. A CalDAV client library
(caldav) plays the phone.
"""

import os
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.mailserver import daemon_missing, free_port, port_open, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
RADICALE_PYTHON = "/usr/bin/python3"
PASSWORD = "Toto1234!"
EVENT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Modoboa tests//EN
BEGIN:VEVENT
UID:{uid}
DTSTAMP:20261205T090000Z
DTSTART:20261210T090000Z
DTEND:20261210T100000Z
SUMMARY:{summary}
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def radicale(live_server, tmp_path, settings):
    """A Radicale 3 on a free loopback port, for this test."""
    if not os.path.exists("/usr/lib/python3/dist-packages/radicale"):
        daemon_missing("Radicale is missing (apt-get install radicale)")
    from modoboa.parameters import tools as param_tools

    port = free_port()
    rights = tmp_path / "rights"
    config = tmp_path / "config"
    config.write_text(
        "[server]\nhosts = 127.0.0.1:%d\n"
        "[auth]\ntype = modoboa.radicale.radicale_auth\nmodoboa_url = %s/calendars/auth/\n"
        "[rights]\ntype = from_file\nfile = %s\n"
        "[storage]\nfilesystem_folder = %s\n"
        "[logging]\nlevel = warning\n" % (port, live_server.url, rights, tmp_path / "collections")
    )
    param_tools.set_global_parameter(
        "server_location", "http://127.0.0.1:%d/" % port, app="modoboa_radicale"
    )
    param_tools.set_global_parameter("rights_file_path", str(rights), app="modoboa_radicale")
    from modoboa.radicale import rights as rights_module

    rights_module.write_rights_file()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    log = open(tmp_path / "radicale.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(  # noqa: S603
        [RADICALE_PYTHON, "-m", "radicale", "--config", str(config)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: port_open(port) or process.poll() is not None, 20, "Radicale start")
        if process.poll() is not None:
            pytest.fail("Radicale did not start: %s" % (tmp_path / "radicale.log").read_text())
        yield "http://127.0.0.1:%d/" % port
    finally:
        process.terminate()
        process.wait(10)
        log.close()


def dav(url, username, password=PASSWORD):
    import caldav

    return caldav.DAVClient(url=url, username=username, password=password, timeout=10)


def calendar_at(client, url):
    import caldav

    return caldav.Calendar(client=client, url=url)


@pytest.fixture
def people(make_domain, make_account):
    make_domain("cal.test", quota=0, default_mailbox_quota=0)
    make_domain("other.test", quota=0, default_mailbox_quota=0)
    accounts = {}
    for address in ("owner@cal.test", "reader@cal.test", "writer@cal.test", "stranger@cal.test"):
        accounts[address] = make_account(address, mailbox={"address": address})
    accounts["outsider@other.test"] = make_account(
        "outsider@other.test", mailbox={"address": "outsider@other.test"}
    )
    return accounts


def test_owner_sharing_and_strangers_as_radicale_enforces_them(radicale, people, superadmin):
    from caldav.lib.error import AuthorizationError, DAVError

    from modoboa.radicale import client, services

    owner = people["owner@cal.test"]
    calendar = services.create_user_calendar(
        acting_user=owner, mailbox=owner.mailbox, name="Team plans"
    )
    services.set_access_rule(
        calendar, acting_user=owner, address="reader@cal.test", read=True, write=False
    )
    services.set_access_rule(
        calendar, acting_user=owner, address="writer@cal.test", read=True, write=True
    )
    url = client.collection_url(calendar.path)
    assert url == radicale + "cal.test/user/owner/Team%20plans/"

    # The owner writes with its mail password, as a phone would.
    mine = calendar_at(dav(radicale, "owner@cal.test"), url)
    mine.save_event(EVENT.format(uid="ev-1", summary="Kick-off"))
    assert ["SUMMARY:Kick-off" in e.data for e in mine.events()] == [True]

    # Read-only sharing: reads, cannot write.
    reader = calendar_at(dav(radicale, "reader@cal.test"), url)
    assert len(reader.events()) == 1
    with pytest.raises((AuthorizationError, DAVError)):
        reader.save_event(EVENT.format(uid="ev-2", summary="Intrusion"))
    # Read and write sharing.
    writer = calendar_at(dav(radicale, "writer@cal.test"), url)
    writer.save_event(EVENT.format(uid="ev-3", summary="Added by writer"))
    assert len(mine.events()) == 2
    # Neither another mailbox of the domain nor an outsider reads it.
    for stranger in ("stranger@cal.test", "outsider@other.test"):
        with pytest.raises((AuthorizationError, DAVError)):
            calendar_at(dav(radicale, stranger), url).events()
    # A wrong password is refused.
    with pytest.raises((AuthorizationError, DAVError)):
        calendar_at(dav(radicale, "owner@cal.test", "wrong-password"), url).events()

    # Sharing withdrawn in the console: Radicale refuses at once.
    services.set_access_rule(
        calendar, acting_user=owner, address="reader@cal.test", read=False, write=False
    )
    with pytest.raises((AuthorizationError, DAVError)):
        reader.events()


def test_a_domain_shared_calendar_is_for_its_users_only(radicale, people, superadmin):
    from caldav.lib.error import AuthorizationError, DAVError

    from modoboa.admin.models import Domain
    from modoboa.radicale import client, services

    calendar = services.create_shared_calendar(
        acting_user=superadmin, domain=Domain.objects.get(name="cal.test"), name="Holidays"
    )
    url = client.collection_url(calendar.path)
    calendar_at(dav(radicale, "stranger@cal.test"), url).save_event(
        EVENT.format(uid="h-1", summary="Closed")
    )
    assert len(calendar_at(dav(radicale, "reader@cal.test"), url).events()) == 1
    with pytest.raises((AuthorizationError, DAVError)):
        calendar_at(dav(radicale, "outsider@other.test"), url).events()


def test_radicale_down_is_a_clear_error_and_nothing_is_saved(people, settings):
    from modoboa.parameters import tools as param_tools
    from modoboa.radicale import client, services
    from modoboa.radicale.models import UserCalendar

    port = free_port()
    param_tools.set_global_parameter(
        "server_location", "http://127.0.0.1:%d/" % port, app="modoboa_radicale"
    )
    owner = people["owner@cal.test"]
    with pytest.raises(client.RadicaleError, match="does not answer"):
        services.create_user_calendar(acting_user=owner, mailbox=owner.mailbox, name="Lost")
    assert not UserCalendar.objects.exists()


def test_the_plugin_refuses_when_the_panel_does_not_answer(tmp_path):
    """The plugin alone, in Radicale's Python: a dead panel means no login."""
    if not os.path.exists("/usr/lib/python3/dist-packages/radicale"):
        daemon_missing("Radicale is missing (apt-get install radicale)")
    script = (
        "from radicale import config\n"
        "from modoboa.radicale.radicale_auth import Auth\n"
        "c = config.load()\n"
        "c.update({'auth': {'type': 'modoboa.radicale.radicale_auth',"
        " 'modoboa_url': 'http://127.0.0.1:%d/calendars/auth/', 'modoboa_timeout': '2'}},"
        " 'test')\n"
        "print(repr(Auth(c).login('owner@cal.test', 'x')))\n" % free_port()
    )
    result = subprocess.run(
        [RADICALE_PYTHON, "-c", script],
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.stdout.strip() == "''", result.stderr
    assert "cannot check" in result.stderr


def test_the_api_creates_and_shares_calendars_radicale_enforces(radicale, people):
    from caldav.lib.error import AuthorizationError, DAVError

    from modoboa.lib.api.testing import api_client

    owner = api_client(people["owner@cal.test"])
    response = owner.post("/api/v1/calendars/", {"name": "Rota"}, format="json")
    assert response.status_code == 201, response.body
    url, pk = response.body["url"], response.body["pk"]
    assert url == radicale + "cal.test/user/owner/Rota/"
    response = owner.post(
        "/api/v1/calendars/%d/rules/" % pk, {"mailbox": "reader@cal.test"}, format="json"
    )
    assert response.status_code == 200
    calendar_at(dav(radicale, "owner@cal.test"), url).save_event(
        EVENT.format(uid="r-1", summary="Night shift")
    )
    reader = calendar_at(dav(radicale, "reader@cal.test"), url)
    assert len(reader.events()) == 1
    with pytest.raises((AuthorizationError, DAVError)):
        reader.save_event(EVENT.format(uid="r-2", summary="Intrusion"))
    with pytest.raises((AuthorizationError, DAVError)):
        calendar_at(dav(radicale, "outsider@other.test"), url).events()
    assert owner.delete("/api/v1/calendars/%d/" % pk).status_code == 204
    with pytest.raises((AuthorizationError, DAVError)):
        calendar_at(dav(radicale, "owner@cal.test"), url).events()
