"""Address books with Debian's real Radicale 3 (started as in
test_radicale.py): the panel writes cards as the user, a phone (a requests
+ vobject CardDAV client using the mail password) writes others, and each
sees the other's changes.
"""

import uuid

import pytest
import requests
import vobject

from tests.fixtures.mailserver import free_port
from tests.integration.test_radicale import PASSWORD, radicale  # noqa: F401 - fixture

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owners(make_domain, make_account):
    make_domain("book.test", quota=0, default_mailbox_quota=0)
    return {
        address: make_account(address, mailbox={"address": address})
        for address in ("ann@book.test", "bob@book.test")
    }


class Phone:
    """A CardDAV client as a phone is: the user's login and mail password."""

    def __init__(self, base, address, password=PASSWORD):
        self.session = requests.Session()
        self.session.auth = (address, password)
        self.book = base + address + "/contacts/"

    def put(self, name, email, uid=None, etag=None):
        card = vobject.vCard()
        card.add("uid").value = uid or str(uuid.uuid4())
        card.add("fn").value = name
        card.add("n").value = vobject.vcard.Name(family=name.split()[-1], given=name.split()[0])
        line = card.add("email")
        line.value = email
        line.type_param = "WORK"
        headers = {"Content-Type": "text/vcard"}
        if etag:
            headers["If-Match"] = etag
        href = self.book + card.uid.value + ".vcf"
        response = self.session.put(href, card.serialize(), headers=headers, timeout=10)
        return response, href

    def cards(self):
        response = self.session.request("PROPFIND", self.book, headers={"Depth": "1"}, timeout=10)
        return response

    def get(self, href):
        return self.session.get(href, timeout=10)


def console_names(client):
    """The contacts table of the console's page (not the messages above)."""
    page = client.get("/contacts/")
    assert page.status_code == 200
    return page.content.decode().split('id="contacts"', 1)[1]


def test_phone_and_console_see_each_others_changes(radicale, owners, client):  # noqa: F811
    from modoboa.contacts import services
    from modoboa.contacts.models import Contact

    ann = owners["ann@book.test"]
    client.force_login(ann)
    assert "No contact." in console_names(client)  # creates the book on the server

    # The console writes through: the phone reads the card.
    response = client.post(
        "/contacts/new/",
        {
            "first_name": "Zoé",
            "last_name": "Martin",
            "company": "ACME",
            "emails-TOTAL_FORMS": "2",
            "emails-INITIAL_FORMS": "0",
            "emails-0-address": "zoe@acme.example",
            "emails-0-type": "work",
            "emails-1-address": "zoe@home.example",
            "emails-1-type": "home",
            "phones-TOTAL_FORMS": "1",
            "phones-INITIAL_FORMS": "0",
            "phones-0-number": "+33 6 00 00 00 01",
            "phones-0-type": "cellular",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    contact = Contact.objects.get(display_name="Zoé Martin")
    phone = Phone(radicale, "ann@book.test")
    card = phone.get(phone.book + contact.href)
    assert card.status_code == 200
    parsed = vobject.readOne(card.text)
    assert parsed.fn.value == "Zoé Martin"
    assert sorted(e.value for e in parsed.contents["email"]) == [
        "zoe@acme.example",
        "zoe@home.example",
    ]

    # The phone adds a contact and changes the console's one.
    response, _href = phone.put("Paul Durand", "paul@durand.example")
    assert response.status_code == 201
    response, _href = phone.put(
        "Zoé Dupont", "zoe@acme.example", uid=contact.uid, etag=card.headers["ETag"]
    )
    assert response.status_code in (201, 204)
    page = console_names(client)
    assert "Paul Durand" in page and "paul@durand.example" in page
    assert "Zoé Dupont" in page and "Zoé Martin" not in page

    # The recipient completion finds the phone's contact.
    assert services.search_addresses(ann, "pau", 10) == [("Paul Durand", "paul@durand.example")]

    # The console edits a card the phone changed meanwhile: refused, reloaded.
    paul = Contact.objects.get(display_name="Paul Durand")
    stale = paul.etag
    paul_card = phone.get(phone.book + paul.href)
    response, _href = phone.put(
        "Paul Durand-Roy", "paul@durand.example", uid=paul.uid, etag=paul_card.headers["ETag"]
    )
    assert response.status_code in (201, 204)
    paul.etag = stale
    with pytest.raises(services.carddav.PreconditionFailed):
        services.update_contact(ann, paul, {"display_name": "Overwritten"})
    assert "Paul Durand-Roy" in phone.get(phone.book + paul.href).text
    # ... and the book was read again: the console has the phone's version.
    assert Contact.objects.get(pk=paul.pk).display_name == "Paul Durand-Roy"

    # The phone deletes a card: it leaves the console.
    phone.session.delete(phone.book + contact.href, timeout=10)
    page = console_names(client)
    assert "Zoé Dupont" not in page

    # The console deletes one: the phone no longer has it.
    paul = Contact.objects.get(display_name="Paul Durand-Roy")
    assert client.post("/contacts/%d/delete/" % paul.pk).status_code == 302
    assert phone.get(phone.book + paul.href).status_code == 404
    assert not Contact.objects.exists()


def test_wrong_password_and_other_users_are_refused(radicale, owners, client):  # noqa: F811
    from modoboa.contacts import services

    ann = owners["ann@book.test"]
    services.create_contact(
        ann, {"display_name": "Secret friend", "emails": [("f@x.example", "home")]}
    )
    assert Phone(radicale, "ann@book.test").cards().status_code == 207
    assert Phone(radicale, "ann@book.test", "wrong-password").cards().status_code == 401
    bob = Phone(radicale, "bob@book.test")
    bob.book = radicale + "ann@book.test/contacts/"
    assert bob.cards().status_code == 403
    response, _href = bob.put("Intruder", "i@x.example")
    assert response.status_code == 403
    # In the console, bob sees his own (empty) book only.
    client.force_login(owners["bob@book.test"])
    assert "Secret friend" not in console_names(client)


def test_import_export_and_hostile_cards(radicale, owners, client):  # noqa: F811
    from modoboa.contacts.models import Contact

    client.force_login(owners["ann@book.test"])
    good = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:imp-1\r\nFN:<script>alert(1)</script>\r\n"
        "N:X;Y;;;\r\nEMAIL:xss@example.org\r\nEND:VCARD\r\n"
    )
    broken = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Broken\r\nEMAIL;TYPE=WORK\r\nEND:VCARD\r\n"
    nameless = "BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:nothing else\r\nEND:VCARD\r\n"
    huge = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Huge\r\nNOTE:%s\r\nEND:VCARD\r\n" % ("x" * 300000)

    def upload(text):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return client.post(
            "/contacts/import/",
            {"file": SimpleUploadedFile("c.vcf", text.encode(), "text/vcard")},
            follow=True,
        ).content.decode()

    page = upload(good + broken + nameless + huge)
    assert "Nothing was imported" in page
    assert "Card 2" in page and "Card 3" in page and "Card 4" in page
    assert "Card 1:" not in page
    assert not Contact.objects.exists()
    phone = Phone(radicale, "ann@book.test")
    assert ".vcf" not in phone.cards().text  # nothing reached the server

    page = upload(good + good.replace("imp-1", "imp-2").replace("xss@", "other@"))
    assert "2 contacts imported" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert phone.cards().text.count(".vcf") == 2

    export = client.get("/contacts/export/")
    assert export["Content-Type"].startswith("text/vcard")
    cards = list(vobject.readComponents(export.content.decode()))
    assert sorted(c.email.value for c in cards) == ["other@example.org", "xss@example.org"]


def test_radicale_down_is_a_clear_message_and_nothing_is_saved(owners, client):
    from modoboa.contacts.models import Contact
    from modoboa.parameters import tools as param_tools

    param_tools.set_global_parameter(
        "server_location", "http://127.0.0.1:%d/" % free_port(), app="modoboa_radicale"
    )
    client.force_login(owners["ann@book.test"])
    page = client.get("/contacts/").content.decode()
    assert "does not answer" in page and "may be out of date" in page
    response = client.post(
        "/contacts/new/",
        {
            "display_name": "Lost",
            "emails-TOTAL_FORMS": "0",
            "emails-INITIAL_FORMS": "0",
            "phones-TOTAL_FORMS": "0",
            "phones-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 400
    assert "does not answer" in response.content.decode()
    assert not Contact.objects.exists()


def test_the_api_writes_through_to_the_server(radicale, owners):  # noqa: F811
    from modoboa.lib.api.testing import api_client

    ann = api_client(owners["ann@book.test"])
    category = ann.post("/api/v1/contact-categories/", {"name": "Team"}, format="json").body
    response = ann.post(
        "/api/v1/contacts/",
        {
            "first_name": "Léa",
            "last_name": "Roux",
            "emails": [{"address": "lea@roux.example", "type": "work"}],
            "phone_numbers": [{"number": "+33 7 00", "type": "cellular"}],
            "categories": [category["pk"]],
        },
        format="json",
    )
    assert response.status_code == 201, response.body
    pk, uid = response.body["pk"], response.body["uid"]
    phone = Phone(radicale, "ann@book.test")
    card = vobject.readOne(phone.get(phone.book + uid + ".vcf").text)
    assert card.fn.value == "Léa Roux" and card.categories.value == ["Team"]

    response = ann.patch("/api/v1/contacts/%d/" % pk, {"company": "Roux SA"}, format="json")
    assert response.status_code == 200 and response.body["company"] == "Roux SA"
    assert response.body["emails"] == [{"address": "lea@roux.example", "type": "work"}]
    card = vobject.readOne(phone.get(phone.book + uid + ".vcf").text)
    assert card.org.value == ["Roux SA"]

    # Renaming a category rewrites the cards that carry it.
    assert (
        ann.put(
            "/api/v1/contact-categories/%d/" % category["pk"], {"name": "Crew"}, format="json"
        ).status_code
        == 200
    )
    card = vobject.readOne(phone.get(phone.book + uid + ".vcf").text)
    assert card.categories.value == ["Crew"]

    # Bob reaches neither the contact nor the card.
    bob = api_client(owners["bob@book.test"])
    assert bob.get("/api/v1/contacts/%d/" % pk).status_code == 404
    assert bob.delete("/api/v1/contacts/%d/" % pk).status_code == 404

    assert ann.delete("/api/v1/contacts/%d/" % pk).status_code == 204
    assert phone.get(phone.book + uid + ".vcf").status_code == 404
    assert ann.get("/api/v1/contacts/").body["count"] == 0


def test_the_cron_job_brings_a_phones_cards_to_the_completion(radicale, owners):  # noqa: F811
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from modoboa.contacts import services
    from modoboa.parameters import tools as param_tools

    ann = owners["ann@book.test"]
    services.create_contact(ann, {"display_name": "Known", "emails": [("k@x.example", "home")]})
    phone = Phone(radicale, "ann@book.test")
    response, _href = phone.put("Nina Phone", "nina@phone.example")
    assert response.status_code == 201
    assert services.search_addresses(ann, "nina", 5) == []
    call_command("sync_contacts", verbosity=0)
    assert services.search_addresses(ann, "nina", 5) == [("Nina Phone", "nina@phone.example")]
    param_tools.set_global_parameter(
        "server_location", "http://127.0.0.1:%d/" % free_port(), app="modoboa_radicale"
    )
    with pytest.raises(CommandError, match="1 address books"):
        call_command("sync_contacts", verbosity=0)
    assert services.search_addresses(ann, "nina", 5) == [("Nina Phone", "nina@phone.example")]


def test_a_card_too_large_from_a_phone_is_left_out_with_a_message(radicale, owners, client):  # noqa: F811
    from modoboa.contacts.models import Contact

    phone = Phone(radicale, "ann@book.test")
    client.force_login(owners["ann@book.test"])
    console_names(client)  # the book exists
    response, _href = phone.put("Small Card", "small@example.org")
    assert response.status_code == 201
    huge = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:huge\r\nFN:Huge Card\r\nNOTE:%s\r\nEND:VCARD\r\n" % (
        "x" * 300000
    )
    response = phone.session.put(
        phone.book + "huge.vcf", huge, headers={"Content-Type": "text/vcard"}, timeout=10
    )
    assert response.status_code == 201
    page = client.get("/contacts/").content.decode()
    assert "1 cards of the server could not be read" in page
    table = page.split('id="contacts"', 1)[1]
    assert "Small Card" in table and "Huge Card" not in table
    assert list(Contact.objects.values_list("display_name", flat=True)) == ["Small Card"]
