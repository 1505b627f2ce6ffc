"""Large CSV imports run as background jobs (issue 14): the console and
the API queue them, ``modo run_import_jobs`` runs them, both show their
progress and then their result line by line.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.test import APIClient

from modoboa.admin.models import Alias, ImportJob
from modoboa.admin.services import import_jobs
from modoboa.core.models import User

pytestmark = pytest.mark.django_db

LARGE = (
    b"account; a1@test.com; {PLAIN}Toto1234!; A; One; true; SimpleUsers; a1@test.com; 5\n"
    b"account; a2@test.com; {PLAIN}Toto1234!; A; Two; true; SimpleUsers; a2@test.com; 5\n"
    b"alias; team@test.com; true; a1@test.com; a2@test.com\n"
    b"alias; x@unknown.org; true; a1@test.com\n"
)


@pytest.fixture(autouse=True)
def small_limit(settings, tmp_path):
    settings.MODOBOA_IMPORT_SYNC_LINES = 3
    settings.MODOBOA_IMPORT_JOBS_DIR = str(tmp_path)


def _post(client, content, name="ids.csv", **extra):
    upload = SimpleUploadedFile(name, content)
    data = {"sourcefile": upload, "sepchar": ";", "continue_if_exists": "on", **extra}
    return client.post("/admin/identities/import/", data)


def test_a_large_file_becomes_a_job_whose_page_shows_progress_then_result(
    client, superadmin, domain
):
    client.force_login(superadmin)
    response = _post(client, LARGE)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == "/admin/imports/%d/" % job.pk
    assert not User.objects.filter(username="a1@test.com").exists()
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="pending"' in page and 'http-equiv="refresh"' in page
    assert "0 of 4 lines processed." in page

    call_command("modo", "run_import_jobs")

    page = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in page and 'http-equiv="refresh"' not in page
    assert "4 of 4 lines processed." in page
    assert "3 objects imported successfully, 0 skipped, 1 failed." in page
    assert "unknown.org" in page
    assert User.objects.filter(username="a1@test.com").exists()
    assert Alias.objects.get(address="team@test.com").recipients == [
        "a1@test.com",
        "a2@test.com",
    ]
    job.refresh_from_db()
    assert (job.status, job.created, job.failed, job.content) == ("done", 3, 1, "")
    assert [(e["line"], e["field"]) for e in job.errors] == [(4, "address")]


def test_a_small_file_is_imported_in_the_request(client, superadmin, domain):
    client.force_login(superadmin)
    response = _post(client, LARGE.split(b"\n", 1)[0] + b"\n")
    assert response.status_code == 200
    assert 'id="import-result"' in response.content.decode()
    assert not ImportJob.objects.exists()
    assert User.objects.filter(username="a1@test.com").exists()


def test_a_malformed_large_file_is_refused_before_any_job(client, superadmin, domain):
    client.force_login(superadmin)
    response = _post(client, LARGE + b"account; only; three\n")
    assert response.status_code == 400
    assert "line 5" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_job_is_seen_by_its_author_and_superadministrators_only(
    client, superadmin, domain_admin, reseller
):
    job = import_jobs.submit(
        acting_user=domain_admin,
        kind="identities",
        text=LARGE.decode(),
        filename="ids.csv",
        options={"sepchar": ";"},
    )
    for user, code in ((domain_admin, 200), (superadmin, 200), (reseller, 404)):
        client.force_login(user)
        assert client.get("/admin/imports/%d/" % job.pk).status_code == code, user
        api = APIClient()
        api.force_authenticate(user)
        assert api.get("/api/v1/imports/%d/" % job.pk).status_code == code, user


def test_the_job_runs_with_its_authors_rights(domain_admin, other_domain):
    job = import_jobs.submit(
        acting_user=domain_admin,
        kind="identities",
        text="alias; x@test2.com; true; admin@test.com\n" * 4,
        filename="ids.csv",
        options={"sepchar": ";", "continue_if_exists": True},
    )
    assert import_jobs.run_pending() == 1
    job.refresh_from_db()
    assert job.failed == 4 and not Alias.objects.filter(address="x@test2.com").exists()
    assert "test2.com" in job.errors[0]["message"]
    assert import_jobs.run_pending() == 0


def test_a_disabled_author_gets_a_failed_job(superadmin, domain_admin):
    job = import_jobs.submit(
        acting_user=domain_admin,
        kind="identities",
        text=LARGE.decode(),
        filename="ids.csv",
        options={"sepchar": ";"},
    )
    User.objects.filter(pk=domain_admin.pk).update(is_active=False)
    import_jobs.run_pending()
    job.refresh_from_db()
    assert job.status == "failed" and "disabled" in job.message
    assert not User.objects.filter(username="a1@test.com").exists()


def test_the_progress_of_a_running_job_comes_from_the_worker(superadmin, domain):
    job = import_jobs.submit(
        acting_user=superadmin,
        kind="identities",
        text=LARGE.decode(),
        filename="ids.csv",
        options={"sepchar": ";"},
    )
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    import_jobs._write_progress(job.pk, 2, 4)
    api = APIClient()
    api.force_authenticate(superadmin)
    data = api.get("/api/v1/imports/%d/" % job.pk).json()
    assert (data["status"], data["done"], data["total"]) == ("running", 2, 4)


def test_the_worker_reports_progress_while_it_imports(superadmin, domain, monkeypatch):
    seen = []
    monkeypatch.setattr(import_jobs, "PROGRESS_INTERVAL", 0)
    real = import_jobs._write_progress

    def spy(job_id, done, total):
        real(job_id, done, total)
        seen.append(import_jobs.progress(ImportJob.objects.get(pk=job_id)))

    monkeypatch.setattr(import_jobs, "_write_progress", spy)
    import_jobs.submit(
        acting_user=superadmin,
        kind="identities",
        text=LARGE.decode(),
        filename="ids.csv",
        options={"sepchar": ";", "continue_if_exists": True},
    )
    import_jobs.run_pending()
    assert seen[-1] == (4, 4) and len(seen) >= 2
    assert all(total == 4 for _done, total in seen)


def test_the_api_imports_small_files_at_once_and_queues_large_ones(superadmin, domain):
    api = APIClient()
    api.force_authenticate(superadmin)
    small = api.post(
        "/api/v1/imports/",
        {"sourcefile": SimpleUploadedFile("s.csv", LARGE.split(b"\n", 1)[0] + b"\n")},
        format="multipart",
    )
    assert small.status_code == 201, small.content
    assert (small.json()["status"], small.json()["created"]) == ("done", 1)
    large = api.post(
        "/api/v1/imports/",
        {
            "sourcefile": SimpleUploadedFile("l.csv", LARGE.replace(b"a1@", b"b1@")),
            "continue_if_exists": "true",
        },
        format="multipart",
    )
    assert large.status_code == 202, large.content
    url = "/api/v1/imports/%d/" % large.json()["id"]
    assert api.get(url).json()["status"] == "pending"
    call_command("modo", "run_import_jobs")
    data = api.get(url).json()
    assert data["status"] == "done" and data["done"] == 4
    assert [(e["line"], e["field"]) for e in data["errors"]] == [(4, "address")]
    assert [job["id"] for job in api.get("/api/v1/imports/").json()][:1] == [large.json()["id"]]


def test_the_api_refuses_an_import_without_the_permission(simple_user):
    api = APIClient()
    api.force_authenticate(simple_user)
    response = api.post(
        "/api/v1/imports/",
        {"sourcefile": SimpleUploadedFile("s.csv", LARGE)},
        format="multipart",
    )
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_a_job_left_running_by_a_killed_worker_runs_again(superadmin, domain):
    job = import_jobs.submit(
        acting_user=superadmin,
        kind="identities",
        text=LARGE.decode(),
        filename="ids.csv",
        options={"sepchar": ";", "continue_if_exists": True},
    )
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    call_command("modo", "run_import_jobs")
    job.refresh_from_db()
    assert (job.status, job.created) == ("done", 3)


def test_progress_files_live_in_the_instance_by_default(settings, tmp_path):
    from modoboa.admin.services import import_jobs

    settings.MODOBOA_IMPORT_JOBS_DIR = None
    settings.BASE_DIR = str(tmp_path)
    path = import_jobs._progress_path(7)
    assert path == str(tmp_path / "import-jobs" / "modoboa-import-job-7.json")
    import_jobs._write_progress(7, 3, 10)
    assert (tmp_path / "import-jobs").is_dir()


def test_an_unwritable_progress_directory_neither_breaks_the_page_nor_the_job(settings, tmp_path):
    from modoboa.admin.models import ImportJob
    from modoboa.admin.services import import_jobs

    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.MODOBOA_IMPORT_JOBS_DIR = str(blocker / "jobs")
    job = ImportJob(pk=5, status=ImportJob.RUNNING, done=2, total=9)
    # The page falls back to the job's own counts.
    assert import_jobs.progress(job) == (2, 9)
    with pytest.raises(OSError):
        import_jobs._write_progress(5, 3, 9)
