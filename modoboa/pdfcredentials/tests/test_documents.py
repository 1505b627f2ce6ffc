"""Credentials documents: made at creation, encrypted at rest, handed to the
administrators who reach the account only, with a set-password link that
works once. ``pdftotext`` (poppler-utils) reads the documents as a user
would."""

import os
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from modoboa.admin import services as admin_services
from modoboa.core import constants
from modoboa.lib import encryption
from modoboa.parameters import tools as param_tools
from modoboa.pdfcredentials import services

APP = "modoboa_pdfcredentials"
PASSWORD = "Toto1234!"  # conftest's


def pdf_text(data):
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is missing (apt-get install poppler-utils)")
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return result.stdout.decode()


@pytest.fixture
def storage(tmp_path):
    directory = tmp_path / "pdf"
    param_tools.set_global_parameter("storage_dir", str(directory), app=APP)
    param_tools.set_global_parameter("webpanel_url", "https://mail.test.com", app=APP)
    return directory


@pytest.fixture
def create(make_account, django_capture_on_commit_callbacks):
    """Create an account and run what waits for the commit."""

    def _create(username="jane@test.com", **kwargs):
        kwargs.setdefault("first_name", "Jane")
        kwargs.setdefault("mailbox", {"address": username})
        with django_capture_on_commit_callbacks(execute=True):
            return make_account(username, **kwargs)

    return _create


def decrypt_file(account):
    with open(services.document_path(account), "rb") as handle:
        return encryption.decrypt(handle.read(), services.PURPOSE)


@pytest.mark.django_db
def test_a_new_account_gets_an_encrypted_document_with_a_link_not_its_password(
    storage, domain, create
):
    account = create()
    path = services.document_path(account)
    assert os.stat(path).st_mode & 0o777 == 0o600
    raw = open(path, "rb").read()
    assert not raw.startswith(b"%PDF") and PASSWORD.encode() not in raw
    text = pdf_text(decrypt_file(account))
    assert "Hello Jane," in text
    assert "https://mail.test.com" in text
    assert "jane@test.com" in text
    assert PASSWORD not in text
    assert re.search(r"https://mail\.test\.com/reset/\S+/\S+/", text)


@pytest.mark.django_db
def test_the_password_is_printed_only_when_the_parameter_says_so(storage, domain, create):
    param_tools.set_global_parameter("include_password", True, app=APP)
    param_tools.set_global_parameter("include_connection_settings", True, app=APP)
    param_tools.set_global_parameter("imap_server_address", "imap.test.com", app=APP)
    param_tools.set_global_parameter("custom_message", "Call 555 <b>now</b>", app=APP)
    text = pdf_text(decrypt_file(create()))
    assert PASSWORD in text
    assert "/reset/" not in text
    assert re.search(r"IMAP\s+imap\.test\.com\s+143\s+starttls", text)
    # Markup in a parameter is printed, never interpreted.
    assert "Call 555 <b>now</b>" in text


@pytest.mark.django_db
def test_hostile_names_are_printed_as_they_are(storage, domain, create):
    text = pdf_text(decrypt_file(create(first_name='<font size="40">X</font>', last_name="&")))
    assert '<font size="40">X</font> &' in text


@pytest.mark.django_db
def test_no_document_for_super_administrators_or_when_turned_off(
    storage, domain, create, superadmin
):
    admin = create("root", role=constants.SUPERADMINS, mailbox=None)
    assert not services.has_document(admin)
    param_tools.set_global_parameter("generate_at_creation", False, app=APP)
    assert not services.has_document(create())


@pytest.mark.django_db
def test_the_set_password_link_works_once(storage, domain, create, client):
    account = create()
    text = pdf_text(decrypt_file(account))
    path = re.search(r"https://mail\.test\.com(/reset/\S+/\S+/)", text).group(1)
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "Brand-N3w-pass", "new_password2": "Brand-N3w-pass"}
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.check_password("Brand-N3w-pass")
    response = client.get(path, follow=True)
    assert "new_password1" not in response.content.decode()


@pytest.mark.django_db
def test_only_administrators_reaching_the_account_download_it_once(
    storage, domain, create, client, superadmin, make_domain, make_account
):
    account = create()
    make_domain("other.com")
    stranger = make_account(
        "boss@other.com",
        role=constants.DOMAINADMINS,
        domains=["other.com"],
        mailbox={"address": "boss@other.com"},
    )
    client.force_login(stranger)
    assert client.post("/pdfcredentials/%d/" % account.pk).status_code == 403
    client.force_login(account)
    assert client.post("/pdfcredentials/%d/" % account.pk).status_code == 403
    assert client.get("/admin/accounts/%d/" % account.pk).status_code in (403, 404)
    assert services.has_document(account)
    client.force_login(superadmin)
    page = client.get("/admin/accounts/%d/" % account.pk).content.decode()
    assert 'id="pdfcredentials-download"' in page
    assert client.get("/pdfcredentials/%d/" % account.pk).status_code == 405
    response = client.post("/pdfcredentials/%d/" % account.pk)
    assert response["Content-Type"] == "application/pdf"
    assert "jane@test.com" in pdf_text(response.content)
    # Deleted after the first download (the default).
    assert not services.has_document(account)
    response = client.post("/pdfcredentials/%d/" % account.pk, follow=True)
    assert "No credentials document for this account." in response.content.decode()
    page = client.get("/admin/accounts/%d/" % account.pk).content.decode()
    assert 'id="pdfcredentials-none"' in page


@pytest.mark.django_db
def test_api_hands_the_document_with_the_same_rules(storage, domain, create, api, superadmin):
    param_tools.set_global_parameter("delete_first_dl", False, app=APP)
    account = create()
    response = api(account).post("/api/v1/credentials/%d/" % account.pk)
    assert response.status_code == 403
    response = api(superadmin).post("/api/v1/credentials/%d/" % account.pk)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert services.has_document(account)
    assert api(superadmin).post("/api/v1/credentials/999999/").status_code == 404


@pytest.mark.django_db
def test_the_document_goes_with_the_account(
    storage, domain, create, superadmin, django_capture_on_commit_callbacks
):
    account = create()
    path = services.document_path(account)
    assert os.path.exists(path)
    with django_capture_on_commit_callbacks(execute=True):
        admin_services.delete_account(account, acting_user=superadmin)
    assert not os.path.exists(path)


@pytest.mark.django_db
def test_password_changes_by_administrators_only_when_asked(
    storage, domain, create, superadmin, django_capture_on_commit_callbacks
):
    from modoboa.core import services as core_services
    from modoboa.lib.middleware import set_current_request

    param_tools.set_global_parameter("generate_at_creation", False, app=APP)
    account = create()
    with django_capture_on_commit_callbacks(execute=True):
        core_services.set_password(account, "An-0ther-pass")
        account.save()
    assert not services.has_document(account)
    param_tools.set_global_parameter("generate_on_password_change", True, app=APP)

    class Request:
        user = account

    set_current_request(Request())
    try:
        with django_capture_on_commit_callbacks(execute=True):
            core_services.set_password(account, "Its-0wn-pass")
            account.save()
        assert not services.has_document(account)
        Request.user = superadmin
        with django_capture_on_commit_callbacks(execute=True):
            core_services.set_password(account, "Admin-S3t-pass")
            account.save()
        assert services.has_document(account)
    finally:
        set_current_request(None)


@pytest.mark.django_db
def test_an_unwritable_directory_leaves_the_account_and_says_why(tmp_path, domain, create, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    param_tools.set_global_parameter("storage_dir", str(blocker / "pdf"), app=APP)
    account = create()
    assert account.pk
    assert "Cannot write the credentials document" in caplog.text


@pytest.mark.django_db
def test_the_system_check_requires_the_encryption_key(settings):
    settings.MODOBOA_ENCRYPTION_KEY = None
    with pytest.raises(SystemCheckError, match="pdfcredentials.E001"):
        call_command("check")
