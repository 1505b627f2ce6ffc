"""A hostile tenant against what the Radicale server keeps per address.

Radicale's rights follow the login name (the mailbox's address): whatever a
deleted mailbox or domain left on the server would be read by the next
account given the address, of the same tenant or, once the domain is gone,
of the reseller who hosts the name next. With Debian's real Radicale 3
(started as in tests/integration/test_radicale.py).
"""

import pytest
import requests

from modoboa.core import constants
from tests.integration.test_radicale import EVENT, PASSWORD, radicale  # noqa: F401 - fixture

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _status(base, path, address):
    response = requests.request(
        "PROPFIND", base + path, auth=(address, PASSWORD), headers={"Depth": "0"}, timeout=10
    )
    return response.status_code


@pytest.fixture
def resellers(make_account, set_limits):
    accounts = []
    for name in ("r1", "r2"):
        account = make_account(name, role=constants.RESELLERS)
        set_limits(
            account,
            domains=2,
            domain_aliases=2,
            mailboxes=5,
            mailbox_aliases=5,
            domain_admins=2,
            quota=0,
        )
        accounts.append(account)
    return accounts


def test_the_next_holder_of_an_address_finds_no_calendar_nor_address_book(
    radicale,  # noqa: F811 - fixture
    resellers,
    make_account,
    make_domain,
):
    """Attacks: an employee gets the address of a deleted colleague; a
    reseller hosts the name of a domain another reseller deleted and opens
    its former users' calendars and address books."""
    from modoboa.admin import services as admin_services
    from modoboa.contacts import services as contacts
    from modoboa.parameters import tools as param_tools
    from modoboa.radicale import services as calendars

    r1, r2 = resellers
    domain = make_domain("gone.test", acting_user=r1)

    def furnish(address, acting_user):
        account = make_account(address, acting_user=acting_user, mailbox={"address": address})
        calendars.create_user_calendar(acting_user=account, mailbox=account.mailbox, name="Board")
        contacts.create_contact(
            account, {"display_name": "Secret lover", "emails": [("lover@x.example", "home")]}
        )
        local = address.split("@")[0]
        assert _status(radicale, "%s/contacts/" % address, address) == 207
        assert _status(radicale, "gone.test/user/%s/Board/" % local, address) == 207
        return account

    leaver = furnish("leaver@gone.test", r1)
    admin_services.delete_account(leaver, acting_user=r1)
    make_account("leaver@gone.test", acting_user=r1, mailbox={"address": "leaver@gone.test"})
    assert _status(radicale, "leaver@gone.test/contacts/", "leaver@gone.test") == 404
    assert _status(radicale, "gone.test/user/leaver/Board/", "leaver@gone.test") == 404

    furnish("ceo@gone.test", r1)
    param_tools.set_global_parameter("auto_account_removal", True, app="admin")
    admin_services.delete_domain(domain, acting_user=r1)
    make_domain("gone.test", acting_user=r2)
    make_account("ceo@gone.test", acting_user=r2, mailbox={"address": "ceo@gone.test"})
    assert _status(radicale, "ceo@gone.test/contacts/", "ceo@gone.test") == 404
    assert _status(radicale, "gone.test/user/ceo/Board/", "ceo@gone.test") == 404


CALDAV = "urn:ietf:params:xml:ns:caldav"
PROPS = """<?xml version="1.0" encoding="utf-8"?>
<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"
  xmlns:ICAL="http://apple.com/ns/ical/"><D:set><D:prop>
  <ICAL:calendar-color>#FF8800</ICAL:calendar-color>
  <C:calendar-description>Board meetings</C:calendar-description>
</D:prop></D:set></D:propertyupdate>
"""
READ_PROPS = """<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"
  xmlns:ICAL="http://apple.com/ns/ical/"><D:prop><D:displayname/><D:resourcetype/>
  <ICAL:calendar-color/><C:calendar-description/></D:prop></D:propfind>
"""


def _furnish(base, account, calendar_path, summary, contact_name):
    """A calendar holding an event, with a colour and a description, and an
    address book holding a contact, as the owner's phone and the panel make
    them.
    """
    from modoboa.contacts import services as contacts

    address = account.mailbox.full_address
    auth = (address, PASSWORD)
    url = base + calendar_path + "/"
    event = EVENT.format(uid="ev-%s" % summary.lower(), summary=summary)
    response = requests.put(
        url + "event.ics",
        data=event.encode(),
        auth=auth,
        headers={"Content-Type": "text/calendar"},
        timeout=10,
    )
    assert response.status_code == 201
    response = requests.request("PROPPATCH", url, data=PROPS.encode(), auth=auth, timeout=10)
    assert response.status_code == 207
    if contact_name:
        contacts.create_contact(
            account, {"display_name": contact_name, "emails": [("x@x.example", "home")]}
        )


def _calendar_seen(base, path, address, summary):
    """What ``address`` sees of the calendar at ``path``: its properties
    and whether the event is there."""
    auth = (address, PASSWORD)
    response = requests.request(
        "PROPFIND",
        base + path + "/",
        data=READ_PROPS.encode(),
        auth=auth,
        headers={"Depth": "0"},
        timeout=10,
    )
    assert response.status_code == 207, (path, address, response.status_code)
    from defusedxml import ElementTree

    root = ElementTree.fromstring(response.content)
    assert root.findtext(".//{DAV:}displayname") == path.rsplit("/", 1)[-1]
    assert root.findtext(".//{http://apple.com/ns/ical/}calendar-color") == "#FF8800"
    assert root.findtext(".//{%s}calendar-description" % CALDAV) == "Board meetings"
    assert root.find(".//{DAV:}resourcetype/{%s}calendar" % CALDAV) is not None
    event = requests.get(base + path + "/event.ics", auth=auth, timeout=10)
    assert event.status_code == 200
    assert "SUMMARY:%s" % summary in event.text


def test_a_renamed_mailbox_takes_its_calendars_and_contacts_along(
    radicale,  # noqa: F811 - fixture
    make_account,
    make_domain,
    superadmin,
):
    """Attack: the address of a renamed mailbox is given to a newcomer,
    who would read the calendars and contacts left under it."""
    from modoboa.admin import services as admin_services
    from modoboa.contacts import services as contacts
    from modoboa.contacts.models import AddressBook
    from modoboa.radicale import services as calendars

    make_domain("ren.test")
    alice = make_account("alice@ren.test", mailbox={"address": "alice@ren.test"})
    carol = make_account("carol@ren.test", mailbox={"address": "carol@ren.test"})
    calendar = calendars.create_user_calendar(
        acting_user=alice, mailbox=alice.mailbox, name="Board"
    )
    calendars.set_access_rule(
        calendar, acting_user=alice, address=carol.mailbox.full_address, read=True, write=False
    )
    _furnish(radicale, alice, "ren.test/user/alice/Board", "Budget", "Secret lover")
    _calendar_seen(radicale, "ren.test/user/alice/Board", "alice@ren.test", "Budget")

    admin_services.rename_mailbox(alice.mailbox, "bob@ren.test", acting_user=superadmin)

    bob = type(alice).objects.get(pk=alice.pk)
    assert bob.username == "bob@ren.test"
    _calendar_seen(radicale, "ren.test/user/bob/Board", "bob@ren.test", "Budget")
    # The sharing rule names the new path.
    _calendar_seen(radicale, "ren.test/user/bob/Board", "carol@ren.test", "Budget")
    assert AddressBook.objects.get(user=bob).path == "bob@ren.test/contacts"
    assert _status(radicale, "bob@ren.test/contacts/", "bob@ren.test") == 207
    contacts.sync(bob)
    assert [c.display_name for c in contacts.contacts_for(bob)] == ["Secret lover"]
    card = requests.request(
        "PROPFIND",
        radicale + "bob@ren.test/contacts/",
        auth=("bob@ren.test", PASSWORD),
        headers={"Depth": "1"},
        timeout=10,
    )
    assert card.status_code == 207
    href = contacts.contacts_for(bob).get().href
    text = requests.get(
        radicale + "bob@ren.test/contacts/" + href, auth=("bob@ren.test", PASSWORD), timeout=10
    ).text
    assert "FN:Secret lover" in text
    # The book keeps its name.
    assert "Contacts" in card.text

    make_account("alice@ren.test", mailbox={"address": "alice@ren.test"})
    assert _status(radicale, "alice@ren.test/contacts/", "alice@ren.test") == 404
    assert _status(radicale, "ren.test/user/alice/Board/", "alice@ren.test") == 404


def test_a_renamed_domain_takes_its_calendars_and_contacts_along(
    radicale,  # noqa: F811 - fixture
    make_account,
    make_domain,
    superadmin,
):
    """Attack: another tenant hosts the former name of a renamed domain."""
    from modoboa.admin import services as admin_services
    from modoboa.contacts import services as contacts
    from modoboa.radicale import services as calendars

    domain = make_domain("old.test")
    dave = make_account("dave@old.test", mailbox={"address": "dave@old.test"})
    calendars.create_user_calendar(acting_user=dave, mailbox=dave.mailbox, name="Board")
    calendars.create_shared_calendar(acting_user=superadmin, domain=domain, name="Team")
    _furnish(radicale, dave, "old.test/user/dave/Board", "Budget", "Secret lover")
    _furnish(radicale, dave, "old.test/shared/Team", "Offsite", None)

    admin_services.update_domain(domain, acting_user=superadmin, name="new.test")

    dave.refresh_from_db()
    assert dave.username == "dave@new.test"
    _calendar_seen(radicale, "new.test/user/dave/Board", "dave@new.test", "Budget")
    _calendar_seen(radicale, "new.test/shared/Team", "dave@new.test", "Offsite")
    contacts.sync(dave)
    assert [c.display_name for c in contacts.contacts_for(dave)] == ["Secret lover"]

    make_domain("old.test")
    make_account("dave@old.test", mailbox={"address": "dave@old.test"})
    assert _status(radicale, "dave@old.test/contacts/", "dave@old.test") == 404
    assert _status(radicale, "old.test/user/dave/Board/", "dave@old.test") == 404
    assert _status(radicale, "old.test/shared/Team/", "dave@old.test") == 404


def test_a_rename_while_radicale_is_down_keeps_the_old_collections(
    radicale,  # noqa: F811 - fixture
    make_account,
    make_domain,
    superadmin,
    caplog,
):
    from modoboa.admin import services as admin_services
    from modoboa.admin.models import Mailbox
    from modoboa.contacts.models import AddressBook
    from modoboa.parameters import tools as param_tools
    from modoboa.radicale import client
    from modoboa.radicale import services as calendars
    from tests.fixtures.mailserver import free_port

    make_domain("down.test")
    erin = make_account("erin@down.test", mailbox={"address": "erin@down.test"})
    calendars.create_user_calendar(acting_user=erin, mailbox=erin.mailbox, name="Board")
    _furnish(radicale, erin, "down.test/user/erin/Board", "Budget", "Secret lover")

    param_tools.set_global_parameter(
        "server_location", "http://127.0.0.1:%d/" % free_port(), app="modoboa_radicale"
    )
    with caplog.at_level("ERROR"):
        admin_services.rename_mailbox(erin.mailbox, "frank@down.test", acting_user=superadmin)
    assert Mailbox.objects.get(pk=erin.mailbox.pk).full_address == "frank@down.test"
    assert "erin@down.test" in caplog.text and "frank@down.test" in caplog.text
    # The address book row still names the collection that holds the cards.
    assert AddressBook.objects.get(user=erin).path == "erin@down.test/contacts"

    param_tools.set_global_parameter("server_location", radicale, app="modoboa_radicale")
    service = client.service_credentials()
    for path in ("erin@down.test/contacts/", "down.test/user/erin/Board/"):
        response = requests.request(
            "PROPFIND", radicale + path, auth=service, headers={"Depth": "1"}, timeout=10
        )
        assert response.status_code == 207, path
    event = requests.get(
        radicale + "down.test/user/erin/Board/event.ics", auth=service, timeout=10
    )
    assert "SUMMARY:Budget" in event.text
    assert (
        requests.request(
            "PROPFIND", radicale + "down.test/user/frank/", auth=service, timeout=10
        ).status_code
        == 404
    )
