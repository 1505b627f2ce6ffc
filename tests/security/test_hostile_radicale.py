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
from tests.integration.test_radicale import PASSWORD, radicale  # noqa: F401 - fixture

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
