"""The record of the scheduled jobs' last runs, and the dashboard widget
that tells the operator when cron stopped or a job keeps failing."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from modoboa.core import jobs
from modoboa.core.models import JobRun
from modoboa.lib.cronlock import job_lock

pytestmark = pytest.mark.django_db


def job_item(page, name):
    match = re.search(r'<li class="list-group-item" data-job="%s">(.*?)</li>' % name, page, re.S)
    assert match, "job %s not on the dashboard" % name
    return match.group(1)


def dashboard(client, user):
    client.force_login(user)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_cron_command_records_its_success(client, superadmin):
    before = timezone.now()
    call_command("cleanlogs", stdout=io.StringIO())
    run = JobRun.objects.get(name="cleanlogs")
    assert run.status == JobRun.SUCCEEDED
    assert run.started_at >= before and run.finished_at >= run.started_at
    assert run.last_success_at == run.finished_at
    item = job_item(dashboard(client, superadmin), "cleanlogs")
    assert 'data-status="succeeded"' in item and "data-late" not in item


def test_a_failing_job_records_the_first_line_of_its_error(client, superadmin):
    call_command("cleanlogs", stdout=io.StringIO())
    with pytest.raises(RuntimeError), job_lock("cleanlogs"):
        raise RuntimeError("<script>window.pwned=1</script> disk full\nsecond line")
    run = JobRun.objects.get(name="cleanlogs")
    assert run.status == JobRun.FAILED
    assert run.message == "<script>window.pwned=1</script> disk full"
    # The last success is kept, to tell since when it fails.
    assert run.last_success_at is not None and run.last_success_at < run.started_at
    item = job_item(dashboard(client, superadmin), "cleanlogs")
    assert 'data-status="failed"' in item
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt; disk full" in item
    assert "<script>" not in item
    assert "second line" not in item


def test_a_job_that_never_ran_or_stopped_running_is_flagged(client, superadmin):
    JobRun.objects.create(
        name="cleanlogs",
        started_at=timezone.now() - timedelta(days=3),
        finished_at=timezone.now() - timedelta(days=3),
        status=JobRun.SUCCEEDED,
    )
    page = dashboard(client, superadmin)
    assert 'data-late="1"' in job_item(page, "cleanlogs")
    assert 'data-status="never"' in job_item(page, "check_mx")
    rows = {row["name"]: row for row in jobs.overview()}
    assert rows["cleanlogs"]["late"] and rows["check_mx"]["late"]
    assert rows["cleanlogs"]["every"] == timedelta(days=1)


def test_an_unscheduled_job_is_listed_once_it_ran(superadmin):
    with job_lock("some_extension_job"):
        assert JobRun.objects.get(name="some_extension_job").status == JobRun.RUNNING
    row = {row["name"]: row for row in jobs.overview()}["some_extension_job"]
    assert row["run"].status == JobRun.SUCCEEDED and row["every"] is None
    assert not row["late"]


def test_a_copy_refused_by_the_lock_leaves_the_running_record_alone(superadmin):
    with job_lock("clean_inactive_accounts"):
        call_command(
            "clean_inactive_accounts", "--silent", stdout=io.StringIO(), stderr=io.StringIO()
        )
        assert JobRun.objects.get(name="clean_inactive_accounts").status == JobRun.RUNNING


def test_jobs_without_a_lock_record_their_runs(superadmin):
    call_command("modo", "manage_dkim_keys", stdout=io.StringIO())
    call_command("handle_mailbox_operations", stdout=io.StringIO())
    statuses = dict(JobRun.objects.values_list("name", "status"))
    assert statuses["manage_dkim_keys"] == JobRun.SUCCEEDED
    assert statuses["handle_mailbox_operations"] == JobRun.SUCCEEDED


def test_only_superadmins_see_the_jobs(client, domain_admin):
    call_command("cleanlogs", stdout=io.StringIO())
    assert 'id="dashboard-jobs"' not in dashboard(client, domain_admin)


def test_the_widget_costs_one_query_whatever_the_number_of_jobs(client, superadmin):
    client.force_login(superadmin)

    def count():
        with CaptureQueriesContext(connection) as queries:
            client.get("/dashboard/")
        return len(queries)

    now = timezone.now()
    JobRun.objects.create(name="a", started_at=now, status=JobRun.SUCCEEDED)
    few = count()
    JobRun.objects.bulk_create(
        JobRun(name="job%d" % n, started_at=now, status=JobRun.SUCCEEDED) for n in range(30)
    )
    assert count() == few


def test_a_refused_record_never_makes_the_job_fail(superadmin, monkeypatch, caplog):
    from django.db import DatabaseError

    def refuse(*args, **kwargs):
        raise DatabaseError("attempt to write a readonly database")

    monkeypatch.setattr(JobRun.objects, "update_or_create", refuse)
    out = io.StringIO()
    call_command("cleanlogs", "--verbose", stdout=out)
    assert "log line(s) deleted" in out.getvalue()
    assert "Cannot record the run of cleanlogs: attempt to write a readonly database" in (
        caplog.text
    )
