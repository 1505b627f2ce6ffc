"""The database stops and starts again under a served instance (gunicorn,
two workers) and under its cron jobs.

Each test starts its own PostgreSQL or MariaDB server (never the test
run's), deploys an instance on it, and stops the server while clients
keep sending requests: they get a 503 (a page, or JSON for the API), never
a 500; cron jobs exit non-zero with one clear line and change nothing; when
the server is back, the same gunicorn answers again without a restart.
"""

import os
import threading
import time

import pytest
import requests

from . import dbservers
from .instance import Instance, api_session

pytestmark = pytest.mark.integration

SERVERS = {"postgresql": dbservers.PostgreSQL, "mysql": dbservers.MariaDB}


@pytest.fixture
def served(request, tmp_path):
    vendor = request.param
    engine = "postgres" if vendor == "postgresql" else "mysql"
    if not dbservers.available(engine):
        if os.environ.get("MODOBOA_REQUIRE_DAEMONS") == "1":
            pytest.fail("no %s server binaries (or not root)" % engine)
        pytest.skip("no %s server binaries (or not root)" % engine)
    server = SERVERS[vendor]().start()
    instance = None
    try:
        instance = Instance(tmp_path, server.url).deploy()
        instance.serve(workers=2)
        yield server, instance
    finally:
        if instance is not None:
            instance.stop()
        server.stop()


def both_engines(test):
    """Run ``test`` in the pass of each server engine, on its own server."""
    return pytest.mark.parametrize(
        "served",
        [
            pytest.param("postgresql", marks=pytest.mark.engines("postgresql")),
            pytest.param("mysql", marks=pytest.mark.engines("mysql")),
        ],
        indirect=True,
    )(test)


@both_engines
def test_requests_get_503_while_the_database_is_down_and_work_again_after(served):
    server, instance = served
    session = api_session(instance.token())
    assert session.get(instance.url + "/api/v1/domains/", timeout=30).status_code == 200
    statuses = []
    running = threading.Event()
    running.set()

    def client():
        # Keeps asking while the server stops and starts.
        while running.is_set():
            try:
                response = session.get(instance.url + "/api/v1/accounts/", timeout=30)
                statuses.append(response.status_code)
            except requests.RequestException as exc:
                statuses.append(type(exc).__name__)
            time.sleep(0.05)

    worker = threading.Thread(target=client)
    worker.start()
    try:
        time.sleep(0.5)
        server.pause()

        api = session.get(instance.url + "/api/v1/domains/", timeout=30)
        assert api.status_code == 503
        assert api.headers["Content-Type"] == "application/json"
        assert api.json() == {
            "detail": "The database is not available at the moment. Try again in a minute."
        }
        assert api.headers["Retry-After"] == "30"

        # A console page (the session is read from the database).
        page = requests.get(
            instance.url + "/dashboard/",
            cookies={"sessionid": "a" * 32},
            headers={"Accept": "text/html"},
            timeout=30,
        )
        assert page.status_code == 503
        assert "Service unavailable" in page.text
        assert "The database is not available at the moment" in page.text
        assert "Traceback" not in page.text
        assert page.headers["X-Frame-Options"] == "DENY"

        server.resume()
        # The same gunicorn workers, without a restart.
        again = session.get(instance.url + "/api/v1/domains/", timeout=30)
        assert again.status_code == 200, again.text
        created = session.post(
            instance.url + "/api/v1/domains/", json={"name": "after.example"}, timeout=30
        )
        assert created.status_code == 201, created.text
        time.sleep(0.5)
    finally:
        running.clear()
        worker.join()
    # Whatever moment a request met the outage: a 503 or a normal answer,
    # never a 500 nor a dropped connection.
    assert set(statuses) <= {200, 503}, statuses
    assert statuses[-1] == 200


@both_engines
def test_cron_jobs_exit_non_zero_with_one_clear_line_when_the_database_is_down(served):
    server, instance = served
    server.pause()
    try:
        for job in (
            ["clean_inactive_accounts", "--silent"],
            ["modo", "repair"],
            ["modo", "check_mx"],
            ["communicate_with_public_api"],
            ["cleanlogs"],
        ):
            result = instance.manage(*job, check=False, timeout=120)
            assert result.returncode != 0, job
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1, (job, result.stderr)
            assert lines[0].startswith("CommandError: Cannot reach the database modoboa: ")
            assert lines[0].endswith("Nothing done."), lines[0]
    finally:
        server.resume()
    result = instance.manage("modo", "repair")
    assert "No problem found" in result.stdout
