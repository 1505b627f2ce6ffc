"""Concurrent writes on a deployed SQLite instance served by gunicorn with
four workers: every request succeeds (none answers "database is locked"),
and Dovecot's password lookups, run meanwhile with no busy timeout as
Postfix's SQLite client runs its own, never meet a lock.
"""

import os
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from .instance import Instance, account_payload, api_session

pytestmark = [pytest.mark.integration, pytest.mark.engines("sqlite")]

CLIENTS = 20


def password_query():
    """Dovecot's password_query for SQLite, as the instance ships it."""
    import modoboa.admin

    path = os.path.join(
        os.path.dirname(modoboa.admin.__file__),
        "contrib",
        "dovecot",
        "dovecot-sql-sqlite.conf.ext",
    )
    with open(path, encoding="utf-8") as fp:
        for line in fp:
            if line.startswith("password_query = "):
                return line.split("=", 1)[1].strip()
    raise AssertionError("no password_query in %s" % path)


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    root = tmp_path_factory.mktemp("sqlite-concurrency")
    served = Instance(root, "sqlite:///%s/db.sqlite" % root).deploy()
    served.serve(workers=4)
    try:
        yield served
    finally:
        served.stop()


def test_deployed_settings_queue_writers_instead_of_failing(instance):
    with open(instance.settings_path(), encoding="utf-8") as fp:
        text = fp.read()
    assert "'transaction_mode': 'IMMEDIATE'" in text
    assert "'timeout': 20" in text
    assert "PRAGMA synchronous=NORMAL" in text
    with sqlite3.connect("%s/db.sqlite" % instance.root) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_twenty_concurrent_account_creations_all_succeed(instance):
    session = api_session(instance.token())
    response = session.post(instance.url + "/api/v1/domains/", json={"name": "busy.example"})
    assert response.status_code == 201, response.text
    database = "%s/db.sqlite" % instance.root
    barrier = threading.Barrier(CLIENTS)
    writing = threading.Event()
    errors = []
    done = []
    query = password_query()

    def lookups():
        # Postfix's SQLite client sets no busy timeout: a lookup that met a
        # lock would fail at once.
        connection = sqlite3.connect(database, timeout=0)
        try:
            while writing.is_set():
                try:
                    connection.execute(query.replace("%Lu", "user0@busy.example")).fetchall()
                    done.append("lookup")
                except sqlite3.OperationalError as exc:
                    errors.append(str(exc))
                time.sleep(0.01)
        finally:
            connection.close()

    def create(index):
        client = api_session(session.headers["Authorization"].split()[1])
        barrier.wait(timeout=60)
        return client.post(
            instance.url + "/api/v1/accounts/",
            json=account_payload("user%d@busy.example" % index),
            timeout=60,
        )

    writing.set()
    watcher = threading.Thread(target=lookups)
    watcher.start()
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            responses = list(pool.map(create, range(CLIENTS)))
    finally:
        writing.clear()
        watcher.join()

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * CLIENTS, [r.text[:200] for r in responses if r.status_code != 201]
    listed = session.get(instance.url + "/api/v1/accounts/").json()
    created = {a["username"] for a in listed} - {"admin"}
    assert created == {"user%d@busy.example" % i for i in range(CLIENTS)}
    assert errors == []
    assert done, "no lookup ran"
