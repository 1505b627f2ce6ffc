"""The webmail's API against the real Dovecot: folders and messages of the
caller's own mailbox only; bad input is a 400 naming the field, accounts
without a mailbox get 403, the server down 503.
"""

import pytest
from rest_framework.test import APIClient

from modoboa.parameters import tools as param_tools
from tests.fixtures.mailserver import free_port
from tests.fixtures.webmail import APP, make_message

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def api(webmail_user):
    client = APIClient()
    client.force_authenticate(webmail_user)
    return client


def test_folders_list_create_rename_delete(api, mailbox):
    response = api.get("/api/v1/webmail/folders/")
    assert response.status_code == 200
    inbox = response.json()[0]
    assert inbox["name"] == "INBOX" and inbox["special"] == "inbox" and inbox["unseen"] == 1
    response = api.post("/api/v1/webmail/folders/", {"name": "Čeština"}, format="json")
    assert response.status_code == 201 and response.json() == {"name": "Čeština"}
    response = api.post(
        "/api/v1/webmail/folders/", {"name": "Sub", "parent": "Čeština"}, format="json"
    )
    assert response.json() == {"name": "Čeština.Sub"}
    response = api.post("/api/v1/webmail/folders/", {"name": "a.b"}, format="json")
    assert response.status_code == 400 and "name" in response.json()
    response = api.post(
        "/api/v1/webmail/folders/", {"name": "x", "parent": "Nowhere"}, format="json"
    )
    assert response.status_code == 404
    response = api.post(
        "/api/v1/webmail/folders/rename/",
        {"folder": "Čeština", "new_name": "Renamed"},
        format="json",
    )
    assert response.json() == {"name": "Renamed"}
    assert {"Renamed", "Renamed.Sub"} <= set(mailbox.folders())
    response = api.post("/api/v1/webmail/folders/delete/", {"folder": "INBOX"}, format="json")
    assert response.status_code == 400
    response = api.post("/api/v1/webmail/folders/delete/", {"folder": "Renamed"}, format="json")
    assert response.status_code == 204
    assert "Renamed" not in mailbox.folders()
    quota = api.get("/api/v1/webmail/quota/").json()
    assert quota["limit"] == 50 * 1024


def test_messages_list_read_flag_move_delete(api, mailbox):
    mailbox.deliver(
        make_message(
            "Invoice",
            html='<p onmouseover="x()">Pay</p><img src="http://t.example/p.gif">',
            attachments=[("../bill.pdf", "application/pdf", b"%PDF")],
        )
    )
    mailbox.create("Archive")
    page = api.get("/api/v1/webmail/messages/", {"page_size": 1, "sort": "subject"}).json()
    assert page["count"] == 2 and page["pages"] == 2
    (item,) = page["results"]
    assert item["subject"] == "Invoice" and item["sender"][0]["address"] == "bob@outside.test"
    assert not item["seen"]
    found = api.get("/api/v1/webmail/messages/", {"q": "Invoice", "in": "subject"}).json()
    assert [entry["subject"] for entry in found["results"]] == ["Invoice"]
    message = api.get("/api/v1/webmail/messages/%d/" % item["uid"]).json()
    assert "onmouseover" not in message["html"] and "t.example" not in message["html"]
    assert message["blocked_images"] == 1
    assert message["attachments"][0]["filename"] == "bill.pdf"
    assert b"\\Seen" in mailbox.flags()[item["uid"]]
    response = api.post(
        "/api/v1/webmail/messages/flag/",
        {"folder": "INBOX", "uids": [item["uid"]], "flag": "flagged"},
        format="json",
    )
    assert response.json() == {"count": 1}
    assert b"\\Flagged" in mailbox.flags()[item["uid"]]
    response = api.post(
        "/api/v1/webmail/messages/move/",
        {"folder": "INBOX", "uids": [item["uid"]], "target": "Archive"},
        format="json",
    )
    assert mailbox.subjects("Archive") == ["Invoice"]
    (archived,) = mailbox.flags("Archive")
    response = api.post(
        "/api/v1/webmail/messages/junk/",
        {"folder": "Archive", "uids": [archived]},
        format="json",
    )
    assert mailbox.subjects("Junk") == ["Invoice"]
    (junk,) = mailbox.flags("Junk")
    api.post("/api/v1/webmail/messages/delete/", {"folder": "Junk", "uids": [junk]}, format="json")
    assert mailbox.subjects("Trash") == ["Invoice"]
    for data, field in (
        ({"folder": "INBOX", "uids": []}, "uids"),
        ({"folder": "INBOX", "uids": ["x"]}, "uids"),
        ({"folder": "INBOX", "uids": [1], "flag": "deleted"}, "flag"),
    ):
        response = api.post("/api/v1/webmail/messages/flag/", data, format="json")
        assert response.status_code == 400 and field in response.json()
    for params, field in (({"sort": "bogus"}, "sort"), ({"since": "yesterday"}, "since")):
        response = api.get("/api/v1/webmail/messages/", params)
        assert response.status_code == 400 and field in response.json()
    assert api.get("/api/v1/webmail/messages/", {"folder": "Nowhere"}).status_code == 404
    assert api.get("/api/v1/webmail/messages/999/").status_code == 404


def test_accounts_without_mailbox_and_anonymous_callers_are_refused(superadmin):
    client = APIClient()
    assert client.get("/api/v1/webmail/folders/").status_code == 401
    client.force_authenticate(superadmin)
    assert client.get("/api/v1/webmail/folders/").status_code == 403
    assert client.get("/api/v1/webmail/messages/1/").status_code == 403


def test_the_server_down_is_503(api):
    param_tools.set_global_parameter("imap_port", free_port(), app=APP)
    response = api.get("/api/v1/webmail/messages/")
    assert response.status_code == 503
    assert "does not answer" in response.json()["detail"]
