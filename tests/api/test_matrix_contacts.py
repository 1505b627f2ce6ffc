"""Permission matrix of the address book API (contacts and categories).

An address book is its mailbox owner's alone: no role, administrators
included, reaches another account's contacts or categories, and accounts
without a mailbox (the super administrator and the reseller here) have
none. Without the server, so a contact write that passes every check and
reaches Radicale answers 503 and writes nothing (the book's row made for
it included); category writes that rewrite no card need no server and
are checked for their effect. tests/integration/test_contacts.py runs the
contact writes against the real server.
"""

import pytest

from modoboa.contacts.models import AddressBook, Category, Contact, EmailAddress
from modoboa.parameters import tools as param_tools

from .extension_matrix import Case, build_people, expect, extension_routes, statuses

#: People with a mailbox, and so an address book of their own.
WITH_BOOK = ("domain_admin", "other_domain_admin", "owner", "other_user")


def _contact(user):
    return Contact.objects.get(addressbook__user=user, display_name="Friend")


def _category(user):
    return Category.objects.get(user=user, name__in=("Family", "Relatives"))


def _add_book(user):
    """A cached contact "Friend" (as a sync stores it) and an empty
    category "Family" of ``user``.
    """
    book = AddressBook.objects.create(
        user=user, name="Contacts", path="%s/contacts" % user.mailbox.full_address
    )
    contact = Contact.objects.create(
        addressbook=book, display_name="Friend", uid="friend", href="friend.vcf", etag='"1"'
    )
    EmailAddress.objects.create(contact=contact, address="friend@example.org", type="work")
    Category.objects.create(user=user, name="Family")


def _owner_contact_url(people):
    return "/api/v1/contacts/%d/" % _contact(people.owner).pk


def _owner_category_url(people):
    return "/api/v1/contact-categories/%d/" % _category(people.owner).pk


def _listed(getter):
    def found(people, response):
        body = response.body
        rows = body["results"] if isinstance(body, dict) else body
        return getter(people.owner).pk in [row["pk"] for row in rows]

    return found


def _renamed(people, person, response):
    assert response.body["name"] == "Relatives"
    assert Category.objects.get(pk=_category(people.owner).pk).name == "Relatives"


def _created_for_caller(people, person, response):
    category = Category.objects.get(pk=response.body["pk"])
    assert category.user_id == people.user(person).pk and category.name == "Work"


def _fresh_category(people, person):
    # Deleting consumes it: one of the owner's for each request.
    return Category.objects.create(user=people.owner, name="Temp %s" % person)


def _deleted(people, person, response):
    assert not Category.objects.filter(name="Temp %s" % person).exists()


CASES = {
    ("contacts-list", "GET"): Case(
        lambda client, people: client.get("/api/v1/contacts/"),
        expect(403, 403, "200-", "200-", "200+", "200-"),
        found=_listed(_contact),
    ),
    # A new contact filed under the owner's category: only the owner has it.
    ("contacts-list", "POST"): Case(
        lambda client, people: client.post(
            "/api/v1/contacts/",
            {
                "display_name": "New",
                "emails": [{"address": "new@example.org"}],
                "categories": [_category(people.owner).pk],
            },
        ),
        expect(403, 403, 400, 400, 503, 400),
    ),
    ("contacts-detail", "GET"): Case(
        lambda client, people: client.get(_owner_contact_url(people)),
        expect(403, 403, 404, 404, 200, 404),
        lambda people, person, response: response.body["display_name"] == "Friend",
    ),
    ("contacts-detail", "PUT"): Case(
        lambda client, people: client.put(
            _owner_contact_url(people), {"display_name": "Changed", "note": "x"}
        ),
        expect(403, 403, 404, 404, 503, 404),
    ),
    ("contacts-detail", "PATCH"): Case(
        lambda client, people: client.patch(_owner_contact_url(people), {"note": "x"}),
        expect(403, 403, 404, 404, 503, 404),
    ),
    ("contacts-detail", "DELETE"): Case(
        lambda client, people: client.delete(_owner_contact_url(people)),
        expect(403, 403, 404, 404, 503, 404),
    ),
    ("contact-categories-list", "GET"): Case(
        lambda client, people: client.get("/api/v1/contact-categories/"),
        expect(403, 403, "200-", "200-", "200+", "200-"),
        found=_listed(_category),
    ),
    ("contact-categories-list", "POST"): Case(
        lambda client, people: client.post("/api/v1/contact-categories/", {"name": "Work"}),
        expect(403, 403, 201, 201, 201, 201),
        _created_for_caller,
    ),
    ("contact-categories-detail", "GET"): Case(
        lambda client, people: client.get(_owner_category_url(people)),
        expect(403, 403, 404, 404, 200, 404),
        lambda people, person, response: response.body["name"] == "Family",
    ),
    ("contact-categories-detail", "PUT"): Case(
        lambda client, people: client.put(_owner_category_url(people), {"name": "Relatives"}),
        expect(403, 403, 404, 404, 200, 404),
        _renamed,
    ),
    ("contact-categories-detail", "PATCH"): Case(
        lambda client, people: client.patch(_owner_category_url(people), {"name": "Relatives"}),
        expect(403, 403, 404, 404, 200, 404),
        _renamed,
    ),
    ("contact-categories-detail", "DELETE"): Case(
        lambda client, people: client.delete(
            "/api/v1/contact-categories/%d/" % client.prepared.pk
        ),
        expect(403, 403, 404, 404, 204, 404),
        _deleted,
        prepare=_fresh_category,
    ),
}


@pytest.fixture
def people(superadmin):
    # Nothing listens there: a write that reaches the server gets 503.
    param_tools.set_global_parameter(
        "server_location", "http://127.0.0.1:9/", app="modoboa_radicale"
    )
    people = build_people(superadmin)
    for person in WITH_BOOK:
        _add_book(people.user(person))
    return people


def test_matrix_covers_every_route():
    assert set(CASES) == extension_routes("modoboa.contacts")


@pytest.mark.parametrize("route", list(CASES), ids="-".join)
def test_permission_matrix(route, people, api, unchanged):
    case = CASES[route]
    assert statuses(case, people, api, unchanged) == case.expected


@pytest.mark.parametrize("person", WITH_BOOK)
def test_each_account_reaches_its_own_book_only(person, people, api, unchanged):
    """On its own objects every account with a mailbox is the owner; on the
    objects of the other tenant's domain administrator (or, for it, of the
    owner), the same refusals as in the matrix.
    """
    user = people.user(person)
    foreign = people.user("other_domain_admin" if person != "other_domain_admin" else "owner")
    client = api(user)
    client.default_format = "json"
    own = _contact(user)
    own_category = _category(user)
    listed = client.get("/api/v1/contacts/").body["results"]
    assert [row["pk"] for row in listed] == [own.pk]
    assert client.get("/api/v1/contacts/%d/" % own.pk).body["emails"] == [
        {"address": "friend@example.org", "type": "work"}
    ]
    listed = client.get("/api/v1/contact-categories/").body
    assert [row["pk"] for row in listed] == [own_category.pk]
    response = client.get("/api/v1/contacts/", {"category": own_category.pk})
    assert response.status_code == 200 and response.body["results"] == []
    with unchanged():
        # Writes of its own contact pass every check and reach the server.
        assert client.patch("/api/v1/contacts/%d/" % own.pk, {"note": "x"}).status_code == 503
        assert client.delete("/api/v1/contacts/%d/" % own.pk).status_code == 503
        theirs = _contact(foreign)
        their_category = _category(foreign)
        for method in ("get", "put", "patch", "delete"):
            response = getattr(client, method)("/api/v1/contacts/%d/" % theirs.pk, {})
            assert response.status_code == 404, method
            response = getattr(client, method)(
                "/api/v1/contact-categories/%d/" % their_category.pk, {"name": "Mine"}
            )
            assert response.status_code == 404, method
        # Another account's category may neither filter the list nor be put
        # on a contact.
        response = client.get("/api/v1/contacts/", {"category": their_category.pk})
        assert response.status_code == 404
        response = client.patch(
            "/api/v1/contacts/%d/" % own.pk, {"categories": [their_category.pk]}
        )
        assert response.status_code == 400 and "categories" in response.body
        response = client.post(
            "/api/v1/contacts/", {"display_name": "New", "categories": [their_category.pk]}
        )
        assert response.status_code == 400 and "categories" in response.body
    renamed = client.put("/api/v1/contact-categories/%d/" % own_category.pk, {"name": "Relatives"})
    assert renamed.status_code == 200
    assert Category.objects.get(pk=own_category.pk).name == "Relatives"
    assert Category.objects.get(pk=their_category.pk).name == "Family"


@pytest.mark.parametrize("person", ["superadmin", "reseller"])
def test_accounts_without_a_mailbox_have_no_book(person, people, api, unchanged):
    client = api(people.user(person))
    client.default_format = "json"
    with unchanged():
        for path in ("/api/v1/contacts/", "/api/v1/contact-categories/"):
            response = client.post(path, {"name": "Work", "display_name": "New"})
            assert response.status_code == 403
            assert "mailbox" in response.body["detail"]
