"""CSV import and export pages (with the real CSV engine)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from modoboa.admin.models import Domain


@pytest.mark.django_db
def test_domain_import_reports_created_objects(client, superadmin):
    client.force_login(superadmin)
    upload = SimpleUploadedFile(
        "domains.csv",
        b"domain; imported.org; 100; 10; true\ndomainalias; alias.org; imported.org; true\n",
    )
    response = client.post("/admin/domains/import/", {"sourcefile": upload, "sepchar": ";"})
    assert response.status_code == 200, response.content.decode()[-2000:]
    assert 'id="import-result"' in response.content.decode()
    assert Domain.objects.filter(name="imported.org").exists()


@pytest.mark.django_db
def test_identity_import_reports_errors_per_line(client, superadmin, domain):
    client.force_login(superadmin)
    upload = SimpleUploadedFile(
        "ids.csv",
        b"account; bob@test.com; Toto1234!; Bob; B; true; SimpleUsers; bob@test.com; 5\n"
        b"alias; team@unknown.org; true; bob@test.com\n",
    )
    response = client.post(
        "/admin/identities/import/",
        {"sourcefile": upload, "sepchar": ";", "crypt_password": "on"},
    )
    content = response.content.decode()
    assert response.status_code == 400
    assert 'id="import-result"' in content and "unknown.org" in content


@pytest.mark.django_db
def test_domain_export_is_limited_to_reachable_domains(client, reseller, make_domain, domain):
    make_domain("mine.org", acting_user=reseller, quota=10, default_mailbox_quota=1)
    client.force_login(reseller)
    client.get("/admin/domains/")
    response = client.post("/admin/domains/export/", {"filename": "x.csv", "sepchar": ";"})
    assert response.status_code == 200
    assert 'filename="x.csv"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    assert "mine.org" in body and "test.com" not in body


@pytest.mark.django_db
def test_identity_export_follows_the_last_list_filters(
    client, superadmin, simple_user, make_account
):
    make_account("other@test.com")
    client.force_login(superadmin)
    client.get("/admin/identities/?searchquery=other")
    response = client.post("/admin/identities/export/", {"filename": "ids", "sepchar": ";"})
    body = b"".join(response.streaming_content).decode()
    assert "other@test.com" in body and "user@test.com" not in body
    assert 'filename="ids.csv"' in response["Content-Disposition"]
