"""The writing side without the mail servers: From choices, who reaches the
pages, the address book completion, the origin in the URL.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from modoboa.admin import services as admin_services
from modoboa.admin.models import Alias
from modoboa.core import constants
from modoboa.core import signals as core_signals
from modoboa.webmail.compose import forms, views
from modoboa.webmail.compose.senders import allowed_senders

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(superadmin, make_domain, make_account):
    make_domain("compose.test")
    account = make_account("user@compose.test")
    make_account("other@compose.test")
    for address in ("team@compose.test", "old@compose.test", "off@compose.test"):
        admin_services.create_alias(
            acting_user=superadmin, address=address, recipients=["user@compose.test"]
        )
    Alias.objects.filter(address="old@compose.test").update(
        expire_at=timezone.now() - datetime.timedelta(days=1)
    )
    Alias.objects.filter(address="off@compose.test").update(enabled=False)
    admin_services.create_alias(
        acting_user=superadmin, address="@compose.test", recipients=["user@compose.test"]
    )
    admin_services.create_alias(
        acting_user=superadmin, address="theirs@compose.test", recipients=["other@compose.test"]
    )
    for address in ("me@outside.test", "@partner.test"):
        admin_services.create_sender_address(
            acting_user=superadmin, address=address, mailbox=account.mailbox
        )
    return account


def test_from_choices_follow_the_sender_login_map(user):
    assert allowed_senders(user) == ["user@compose.test", "me@outside.test", "team@compose.test"]


def test_an_account_without_mailbox_has_no_sender(superadmin):
    assert allowed_senders(superadmin) == []


def test_the_form_refuses_a_sender_outside_the_choices(user):
    form = forms.ComposeForm(
        user, {"sender": "other@compose.test", "to": "a@b.test", "body": "x"}, kept=()
    )
    assert not form.is_valid()
    assert "sender" in form.errors


def test_pages_need_a_login_and_a_mailbox(superadmin):
    response = Client().get("/webmail/compose/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client = Client()
    client.force_login(superadmin)
    response = client.get("/webmail/compose/")
    assert response.status_code == 403
    assert "this one has none" in response.content.decode()
    api = APIClient()
    api.force_authenticate(superadmin)
    assert api.get("/api/v1/webmail/senders/").status_code == 403
    assert APIClient().post("/api/v1/webmail/send/", {}).status_code in (401, 403)


def test_the_origin_in_the_url_is_checked():
    origin = views.parse_origin("reply", "Dossier été", "7")
    assert (origin.action, origin.folder, origin.uid) == ("reply", "Dossier été", 7)
    for action, folder, uid in (
        ("delete", "INBOX", 1),
        ("reply", "", 1),
        ("reply", "IN\r\nBOX", 1),
        ("reply", "INBOX", "x"),
        ("reply", "INBOX", 0),
        ("reply", "INBOX", 2**32),
    ):
        with pytest.raises(ValidationError):
            views.parse_origin(action, folder, uid)


@pytest.fixture
def address_book():
    calls = []

    def answer(sender, user, query, limit, **kwargs):
        calls.append((user.username, query, limit))
        return [
            ("Dupont, Jean", "jean@outside.test"),
            ("Bad\r\nName", "jean2@outside.test"),
            ("Broken", "not an address"),
            ("Twice", "JEAN@outside.test"),
        ]

    def failing(sender, **kwargs):
        raise RuntimeError("address book down")

    core_signals.address_book_search.connect(answer)
    core_signals.address_book_search.connect(failing)
    yield calls
    core_signals.address_book_search.disconnect(answer)
    core_signals.address_book_search.disconnect(failing)


def test_completion_asks_the_address_books_and_cleans_their_answers(user, address_book):
    client = Client()
    client.force_login(user)
    response = client.get("/webmail/compose/recipients/", {"q": "jean"})
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "name": "Dupont, Jean",
                "address": "jean@outside.test",
                "label": '"Dupont, Jean" <jean@outside.test>',
            },
            {
                "name": "Bad  Name",
                "address": "jean2@outside.test",
                "label": "Bad  Name <jean2@outside.test>",
            },
        ]
    }
    assert address_book == [("user@compose.test", "jean", 10)]
    assert client.get("/webmail/compose/recipients/", {"q": ""}).json() == {"results": []}
    api = APIClient()
    api.force_authenticate(user)
    answer = api.get("/api/v1/webmail/recipients/", {"q": "jean"}).json()
    assert [entry["address"] for entry in answer["results"]] == [
        "jean@outside.test",
        "jean2@outside.test",
    ]


def test_completion_without_an_address_book_is_empty(user):
    client = Client()
    client.force_login(user)
    assert client.get("/webmail/compose/recipients/", {"q": "x"}).json() == {"results": []}


def test_a_domain_administrator_sends_only_as_its_own_mailbox(make_account, user):
    admin = make_account(
        "admin@compose.test",
        role=constants.DOMAINADMINS,
        mailbox={"address": "admin@compose.test"},
    )
    assert allowed_senders(admin) == ["admin@compose.test"]


def test_api_bad_bodies_answer_json_400(user, settings):
    api = APIClient()
    api.force_authenticate(user)
    response = api.post("/api/v1/webmail/send/", [1, 2], format="json")
    assert response.status_code == 400 and response.json()["detail"]
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    fields = "&".join("f%d=x" % index for index in range(20))
    response = api.post(
        "/api/v1/webmail/send/", fields, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
