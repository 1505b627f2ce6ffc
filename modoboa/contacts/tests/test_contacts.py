"""The address book without the server: the cached list, permissions of
every role (pages and API), vCard checks, the recipient search and the
panel's login on Radicale. (tests/integration/test_contacts.py runs the
CardDAV parts against the real Radicale.)
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from modoboa.contacts import services, vcard
from modoboa.contacts.models import AddressBook, Category, Contact, EmailAddress, PhoneNumber
from modoboa.core import signals as core_signals
from modoboa.lib.api.testing import api_client
from modoboa.lib.exceptions import BadRequest
from modoboa.radicale import client as radicale_client
from modoboa.radicale import rights
from modoboa.radicale.tests.test_calendars import permissions_for

pytestmark = pytest.mark.django_db


def add_contact(user, name, *addresses, category=None):
    """A cached contact (as a sync would store it)."""
    book = services.book_for(user)
    contact = Contact.objects.create(
        addressbook=book, display_name=name, uid=name, href="%s.vcf" % name, etag='"1"'
    )
    for address in addresses:
        EmailAddress.objects.create(contact=contact, address=address, type="work")
    PhoneNumber.objects.create(contact=contact, number="+33 1 23", type="cellular")
    if category:
        contact.categories.add(category)
    return contact


@pytest.fixture
def people(simple_user, domain_admin, make_account):
    other = make_account("other@test.com")
    return {"user": simple_user, "admin": domain_admin, "other": other}


def page_queries(client, path):
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200
    return len(context.captured_queries), response.content.decode()


def test_the_list_runs_the_same_queries_for_1_and_60_contacts(client, people):
    user = people["user"]
    friends = Category.objects.create(user=user, name="Friends")
    add_contact(user, "First", "first@example.org", category=friends)
    client.force_login(user)
    one, _page = page_queries(client, "/contacts/")
    for number in range(59):
        add_contact(user, "Contact %02d" % number, "c%d@example.org" % number, category=friends)
    many, page = page_queries(client, "/contacts/")
    assert one == many
    assert "Contact 49" in page and "Contact 50" not in page  # 50 per page
    _count, page = page_queries(client, "/contacts/?page=2")
    assert "Contact 50" in page and "First" in page


def test_search_and_categories_filter_the_list(client, people):
    user = people["user"]
    work = Category.objects.create(user=user, name="Work")
    add_contact(user, "Alice Martin", "alice@acme.example", category=work)
    add_contact(user, "Bruno Petit", "bruno@home.example")
    client.force_login(user)
    table = client.get("/contacts/?q=acme").content.decode().split('id="contacts"')[1]
    assert "Alice Martin" in table and "Bruno Petit" not in table
    table = client.get("/contacts/?q=petit").content.decode().split('id="contacts"')[1]
    assert "Bruno Petit" in table and "Alice Martin" not in table
    table = client.get("/contacts/?category=%d" % work.pk).content.decode()
    assert "Alice Martin" in table.split('id="contacts"')[1]
    assert "Bruno Petit" not in table.split('id="contacts"')[1]


def test_names_from_a_card_are_text_in_the_page(client, people):
    user = people["user"]
    add_contact(user, "<script>alert(1)</script>", "x@example.org")
    client.force_login(user)
    page = client.get("/contacts/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_server_down_is_said_on_the_page(client, people):
    client.force_login(people["user"])
    page = client.get("/contacts/").content.decode()
    assert "may be out of date" in page


def test_each_one_sees_its_own_book_only(client, people, superadmin):
    mine = add_contact(people["user"], "Mine", "mine@example.org")
    theirs = add_contact(people["other"], "Theirs", "theirs@example.org")
    client.force_login(people["user"])
    page = client.get("/contacts/").content.decode()
    assert "Mine" in page and "Theirs" not in page
    assert client.get("/contacts/%d/edit/" % mine.pk).status_code == 200
    assert client.get("/contacts/%d/edit/" % theirs.pk).status_code == 404
    assert client.post("/contacts/%d/delete/" % theirs.pk).status_code == 404
    assert Contact.objects.filter(pk=theirs.pk).exists()
    # The domain administrator does not read its users' books either.
    client.force_login(people["admin"])
    assert client.get("/contacts/%d/edit/" % theirs.pk).status_code == 404
    assert "Theirs" not in client.get("/contacts/").content.decode()
    # An account without mailbox has no address book.
    client.force_login(superadmin)
    assert client.get("/contacts/").status_code == 403


def test_form_errors_name_the_field_and_change_nothing(client, people):
    client.force_login(people["user"])
    response = client.post(
        "/contacts/new/",
        {
            "display_name": "x" * 61,
            "emails-TOTAL_FORMS": "1",
            "emails-INITIAL_FORMS": "0",
            "emails-0-address": "not an address",
            "emails-0-type": "work",
            "phones-TOTAL_FORMS": "0",
            "phones-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid email address." in page
    assert "at most 60 characters" in page
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({}, "display_name"),
        ({"display_name": "A", "emails": [("bad", "home")]}, "emails"),
        ({"display_name": "A", "emails": [("a@b.org", "spaceship")]}, "emails"),
        ({"display_name": "A", "phones": [("call me maybe", "home")]}, "phone_numbers"),
        ({"display_name": "A", "birth_date": "1990-13-01"}, "birth_date"),
        ({"display_name": "A\x00B"}, "display_name"),
        ({"first_name": "x" * 31}, "first_name"),
    ],
)
def test_bad_values_are_refused_naming_the_field(values, field):
    with pytest.raises(BadRequest) as error:
        vcard.validate(values)
    assert error.value.field == field


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "no vCard"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n" * 5001, "At most 5000"),
        (b"x" * (6 * 1024 * 1024), "larger than"),
    ],
)
def test_unusable_import_files_are_refused(content, message, people):
    with pytest.raises(vcard.CardError, match=message):
        services.import_vcards(people["user"], content)
    assert not Contact.objects.exists()


def test_bad_cards_are_reported_by_number_before_anything_is_sent(people):
    cards = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Good\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bad\r\nBDAY\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:4.0\r\nNOTE:no name\r\nEND:VCARD\r\n"
    )
    with pytest.raises(vcard.CardError) as error:
        services.import_vcards(people["user"], cards.encode())
    assert "Card 2:" in str(error.value) and "Card 3:" in str(error.value)
    assert "Card 1:" not in str(error.value)
    assert not Contact.objects.exists() and not AddressBook.objects.exists()


def test_the_recipient_completion_asks_the_own_book(people):
    add_contact(people["user"], "Zoé Martin", "zoe@acme.example", "zm@home.example")
    add_contact(people["other"], "Zorro", "zorro@example.org")
    answers = core_signals.address_book_search.send(
        sender=None, user=people["user"], query="zo", limit=10
    )
    found = [entry for _receiver, result in answers for entry in result]
    assert found == [("Zoé Martin", "zm@home.example"), ("Zoé Martin", "zoe@acme.example")]
    assert services.search_addresses(people["user"], "zm@", 10) == [
        ("Zoé Martin", "zm@home.example")
    ]
    assert services.search_addresses(people["user"], "zo", 1) == [
        ("Zoé Martin", "zm@home.example")
    ]
    assert services.search_addresses(people["user"], "", 10) == []
    assert services.search_addresses(people["user"], "z\x00o", 10) == [
        ("Zoé Martin", "zm@home.example"),
        ("Zoé Martin", "zoe@acme.example"),
    ]
    assert list(services.contacts_for(people["user"], query="\x00zo")) == [
        *services.contacts_for(people["user"], query="zo")
    ]


def test_the_panel_logs_in_to_radicale_as_the_mailbox_only(client, people):
    def ask(username, password):
        return client.post(
            "/calendars/auth/",
            json.dumps({"username": username, "password": password}),
            content_type="application/json",
        )

    login, secret = radicale_client.user_credentials("User@Test.com")
    assert login == "user@test.com"
    assert ask(login, secret).json() == {"user": "user@test.com"}
    # The secret of one mailbox opens no other one.
    assert ask("other@test.com", secret).status_code == 403
    domain = people["user"].mailbox.domain
    domain.enabled = False
    domain.save(update_fields=["enabled"])
    assert ask(login, secret).status_code == 403


def test_the_rights_give_each_user_its_own_address_book(people):
    text = rights.render()
    assert permissions_for(text, "user@test.com", "user@test.com/contacts") == "rw"
    assert permissions_for(text, "other@test.com", "user@test.com/contacts") == ""


# API --------------------------------------------------------------------


def test_api_lists_the_own_book_of_any_role_with_a_mailbox(people, superadmin, reseller):
    mine = add_contact(people["user"], "Mine", "mine@example.org")
    add_contact(people["admin"], "Admin's", "a@example.org")
    response = api_client(people["user"]).get("/api/v1/contacts/")
    assert response.status_code == 200
    assert [row["display_name"] for row in response.body["results"]] == ["Mine"]
    assert response.body["results"][0]["emails"] == [
        {"address": "mine@example.org", "type": "work"}
    ]
    response = api_client(people["admin"]).get("/api/v1/contacts/?search=mine")
    assert response.body["results"] == []
    for account in (superadmin, reseller):
        assert api_client(account).get("/api/v1/contacts/").status_code == 403
    assert api_client(None).get("/api/v1/contacts/").status_code == 401
    assert api_client(people["user"]).get("/api/v1/contacts/%d/" % mine.pk).status_code == 200


@pytest.mark.parametrize("role", ["admin", "other"])
def test_api_never_reaches_another_users_contacts(people, role, unchanged):
    theirs = add_contact(people["user"], "Theirs", "t@example.org")
    category = Category.objects.create(user=people["user"], name="Private")
    client = api_client(people[role])
    with unchanged():
        for method in ("get", "put", "patch", "delete"):
            response = getattr(client, method)(
                "/api/v1/contacts/%d/" % theirs.pk, {"display_name": "Hijack"}, format="json"
            )
            assert response.status_code == 404, method
            response = getattr(client, method)(
                "/api/v1/contact-categories/%d/" % category.pk, {"name": "X"}, format="json"
            )
            assert response.status_code == 404, method
        # Nor puts its own contact in someone else's category.
        response = client.post(
            "/api/v1/contacts/",
            {"display_name": "Mine", "categories": [category.pk]},
            format="json",
        )
        assert response.status_code == 400
        assert "categories" in response.body


def test_api_categories_and_errors(people, unchanged):
    client = api_client(people["user"])
    response = client.post("/api/v1/contact-categories/", {"name": "Family"}, format="json")
    assert response.status_code == 201 and response.body["name"] == "Family"
    with unchanged():
        assert (
            client.post(
                "/api/v1/contact-categories/", {"name": "Family"}, format="json"
            ).status_code
            == 400
        )
        assert (
            client.post("/api/v1/contact-categories/", {"name": "a,b"}, format="json").status_code
            == 400
        )
        response = client.post(
            "/api/v1/contacts/",
            {"display_name": "X", "emails": [{"address": "bad"}]},
            format="json",
        )
        assert response.status_code == 400 and "emails" in response.body
        # The server is not reachable: 503, nothing stored.
        response = client.post("/api/v1/contacts/", {"display_name": "X"}, format="json")
        assert response.status_code == 503
    assert [c["name"] for c in client.get("/api/v1/contact-categories/").body] == ["Family"]
