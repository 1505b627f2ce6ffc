"""A bounded load run on loopback: the panel busy while mail flows.

gunicorn (four workers) serves the test database while concurrent clients
open console pages, read and write through the API (creations, quota
changes, deletions), Postfix looks addresses up with ``postmap -q``, and
Dovecot authenticates users and delivers mail over LMTP (each delivery
updating ``admin_quota`` through the quota dict), all at once. Then it
checks that nothing was lost: every 2xx write is in the database, every
delivery is counted in the quota, no pool is exceeded, and no request,
lookup or delivery failed.

CI runs it small and short; ``bench/load.py`` runs it bigger and longer
(``MODOBOA_LOAD_MAILBOXES``, ``MODOBOA_LOAD_SECONDS``) and writes the figures
to ``MODOBOA_LOAD_RESULTS``.
"""

import contextlib
import itertools
import json
import os
import random
import sys
import threading
import time
from collections import defaultdict

import pytest
import requests
from django.db import connection
from django.db.models import Sum
from rest_framework.authtoken.models import Token

from modoboa.admin import services
from modoboa.admin.models import Mailbox, Quota
from modoboa.core import constants
from modoboa.core.models import User
from tests.fixtures.mailserver import manage_py_environment

from .instance import PASSWORD, account_payload, serve_test_database
from .nginx import nginx_tls_proxy

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

MAILBOXES = int(os.environ.get("MODOBOA_LOAD_MAILBOXES", "30"))
SECONDS = float(os.environ.get("MODOBOA_LOAD_SECONDS", "6"))
RESULTS = os.environ.get("MODOBOA_LOAD_RESULTS")
# Behind Debian's nginx over TLS (bench/load.py --nginx), as deployed.
NGINX = os.environ.get("MODOBOA_LOAD_NGINX") == "1"
# Above this many mailboxes, they are bulk-inserted (bench/datagen.py).
BULK_FROM = 2000
BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "bench")
POOL_QUOTA = 200  # MB shared by the mailboxes of pool.example
CLIENTS = {"console": 2, "api_read": 2, "api_write": 2, "postmap": 1, "auth": 1, "lmtp": 2}


def message(index):
    return (
        "From: sender@outside.test\r\nTo: someone\r\nSubject: load %d\r\n\r\n%s\r\n"
        % (index, "x" * (200 + index % 300))
    ).encode()


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.errors = defaultdict(list)

    def measure(self, kind, action):
        started = time.perf_counter()
        try:
            problem = action()
        except Exception as exc:  # noqa: BLE001 - every failure is counted
            problem = "%s: %s" % (type(exc).__name__, exc)
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies[kind].append(elapsed)
            if problem:
                self.errors[kind].append(str(problem)[:300])

    def summary(self, duration):
        kinds = {}
        for kind, values in sorted(self.latencies.items()):
            ordered = sorted(values)

            def pct(fraction, ordered=ordered):
                return round(
                    ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000, 1
                )

            kinds[kind] = {
                "count": len(ordered),
                "per_second": round(len(ordered) / duration, 1),
                "p50_ms": pct(0.50),
                "p95_ms": pct(0.95),
                "p99_ms": pct(0.99),
                "errors": len(self.errors.get(kind, [])),
            }
        return kinds


def status_problem(response, *expected):
    if response.status_code not in expected:
        return "HTTP %d: %s" % (response.status_code, response.text[:200])
    return None


@contextlib.contextmanager
def served(tmp_path):
    """Yield the URL clients use and what verifies its certificate."""
    with serve_test_database(tmp_path / "gunicorn.log", manage_py_environment()) as url:
        if not NGINX:
            yield url, True
            return
        with nginx_tls_proxy(url, tmp_path / "nginx", workers=2) as (tls_url, cafile):
            yield tls_url, cafile


def console_session(url, verify):
    session = requests.Session()
    # Loopback only, checked against our certificate (REQUESTS_CA_BUNDLE
    # and proxies of the environment would override it).
    session.trust_env = False
    session.verify = verify
    session.get(url + "/accounts/login/", timeout=60)
    response = session.post(
        url + "/accounts/login/",
        data={
            "username": "admin",
            "password": "password",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": url + "/accounts/login/"},
        timeout=60,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]
    return session


def existing_mailboxes():
    """Make the mailboxes of the run; return ``(addresses the mail clients
    use, their password, how they were made)``.

    Up to ``BULK_FROM`` mailboxes, through the service layer in
    ``load.example``; above, through the bulk inserts of
    ``bench/datagen.py`` (10 mailboxes a domain, aliases, resellers, domain
    administrators: the data of the benchmarks), and the mail clients use
    500 of them spread over every domain.
    """
    if MAILBOXES <= BULK_FROM:
        addresses = []
        for index in range(MAILBOXES):
            address = "user%d@load.example" % index
            services.create_account(
                acting_user=User.objects.get(username="admin"),
                username=address,
                role=constants.SIMPLEUSERS,
                password=PASSWORD,
                mailbox={"address": address, "quota": 0},
            )
            addresses.append(address)
        return addresses, PASSWORD, "service layer"
    sys.path.insert(0, BENCH)
    try:
        import datagen
    finally:
        sys.path.remove(BENCH)
    started = time.monotonic()
    result = datagen.generate(MAILBOXES, log=lambda _line: None)
    domains = result["shape"]["domains"]
    picks = random.sample(range(domains * datagen.MAILBOXES_PER_DOMAIN), min(500, MAILBOXES))
    addresses = [
        "user%d@%s"
        % (
            pick % datagen.MAILBOXES_PER_DOMAIN,
            datagen.domain_name(pick // datagen.MAILBOXES_PER_DOMAIN),
        )
        for pick in picks
    ]
    return (
        addresses,
        datagen.PASSWORD,
        "bench/datagen.py in %.0f s" % (time.monotonic() - started),
    )


def test_load_run_loses_nothing(tmp_path, superadmin, dovecot, postfix_maps):
    superadmin.set_password("password")
    superadmin.save()
    services.create_domain(
        acting_user=superadmin, name="load.example", quota=0, default_mailbox_quota=0
    )
    pool = services.create_domain(
        acting_user=superadmin, name="pool.example", quota=POOL_QUOTA, default_mailbox_quota=10
    )
    addresses, password, generation = existing_mailboxes()
    pool_ids = [
        services.create_account(
            acting_user=superadmin,
            username="pool%d@pool.example" % index,
            role=constants.SIMPLEUSERS,
            password=PASSWORD,
            mailbox={"address": "pool%d@pool.example" % index, "quota": 10},
        ).pk
        for index in range(10)
    ]
    # What admin_quota counted before the run (generated rows are not 0).
    before = dict(Quota.objects.filter(username__in=addresses).values_list("username", "messages"))
    token = Token.objects.get_or_create(user=superadmin)[0].key
    recorder = Recorder()
    created, deleted, delivered = {}, set(), defaultdict(int)
    state = threading.Lock()
    counter = itertools.count()

    with served(tmp_path) as (url, verify):
        # Logged in before the clock starts; every client makes at least
        # one request, however slow the machine.
        consoles = [console_session(url, verify) for _ in range(CLIENTS["console"])]
        deadline = time.monotonic() + SECONDS

        def rounds():
            yield
            while time.monotonic() < deadline:
                yield

        def api():
            session = requests.Session()
            session.trust_env = False
            session.verify = verify
            session.headers["Authorization"] = "Token %s" % token
            return session

        def console():
            session = consoles.pop()
            pages = ["/dashboard/", "/admin/domains/", "/admin/identities/"]
            for _round in rounds():
                page = random.choice(pages)  # noqa: S311 - not security
                recorder.measure(
                    "console",
                    lambda page=page: status_problem(session.get(url + page, timeout=60), 200),
                )

        def api_read():
            session = api()
            for _round in rounds():
                page = random.randint(1, max(1, MAILBOXES // 50))  # noqa: S311
                recorder.measure(
                    "api_read",
                    lambda page=page: status_problem(
                        session.get(
                            url + "/api/v1/accounts/?page=%d&page_size=50" % page, timeout=60
                        ),
                        200,
                    ),
                )

        def api_write():
            session = api()
            mine = []
            for _round in rounds():
                username = "w%d@load.example" % next(counter)

                def create(username=username):
                    response = session.post(
                        url + "/api/v1/accounts/", json=account_payload(username, 0), timeout=60
                    )
                    if response.status_code == 201:
                        with state:
                            created[username] = response.json()["pk"]
                        mine.append(username)
                    return status_problem(response, 201)

                recorder.measure("api_create", create)
                target = random.choice(pool_ids)  # noqa: S311
                quota = random.randint(5, 40)  # noqa: S311
                recorder.measure(
                    "api_quota",
                    lambda target=target, quota=quota: status_problem(
                        session.patch(
                            url + "/api/v1/accounts/%d/" % target,
                            json={"mailbox": {"quota": quota}},
                            timeout=60,
                        ),
                        200,
                        400,  # the pool is full: refused, as it should be
                    ),
                )
                if len(mine) >= 2:
                    victim = mine.pop(0)

                    def delete(victim=victim):
                        response = session.delete(
                            url + "/api/v1/accounts/%d/" % created[victim], timeout=60
                        )
                        if response.status_code == 204:
                            with state:
                                deleted.add(victim)
                        return status_problem(response, 204)

                    recorder.measure("api_delete", delete)

        def postmap():
            for _round in rounds():
                address = random.choice(addresses)  # noqa: S311

                def lookup(address=address):
                    answer = postfix_maps.query("sql-aliases.cf", address)
                    return None if answer == address else "postmap answered %r" % answer

                recorder.measure("postmap", lookup)

        def auth():
            for _round in rounds():
                address = random.choice(addresses)  # noqa: S311
                recorder.measure(
                    "dovecot_auth",
                    lambda address=address: (
                        None if dovecot.auth_ok(address, password) else "refused"
                    ),
                )

        def lmtp():
            for _round in rounds():
                address = random.choice(addresses)  # noqa: S311

                def deliver(address=address):
                    refused = dovecot.lmtp([address], message(next(counter)))
                    if refused:
                        return "refused: %r" % refused
                    with state:
                        delivered[address] += 1
                    return None

                recorder.measure("lmtp", deliver)

        targets = {
            "console": console,
            "api_read": api_read,
            "api_write": api_write,
            "postmap": postmap,
            "auth": auth,
            "lmtp": lmtp,
        }
        threads = [
            threading.Thread(target=targets[kind])
            for kind, count in CLIENTS.items()
            for _ in range(count)
        ]
        # The machine is shared: the load average next to the figures, and
        # CPU seconds (this process; its children once reaped: gunicorn, nginx,
        # postmap, doveadm).
        loads = [os.getloadavg()[0]]
        sampling = threading.Event()

        def sample_load():
            while not sampling.wait(5):
                loads.append(os.getloadavg()[0])

        sampler = threading.Thread(target=sample_load, daemon=True)
        cpu_before = os.times()
        started = time.monotonic()
        sampler.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        duration = time.monotonic() - started
        sampling.set()
        sampler.join()
        loads.append(os.getloadavg()[0])
        server_log = (tmp_path / "gunicorn.log").read_text()
    cpu_after = os.times()

    # Nothing lost.
    lost = []
    existing = set(
        User.objects.filter(username__in=list(created)).values_list("username", flat=True)
    )
    for username in created:
        if username in deleted and username in existing:
            lost.append("%s deleted (204) but still there" % username)
        if username not in deleted and username not in existing:
            lost.append("%s created (201) but missing" % username)

    def counted():
        rows = dict(
            Quota.objects.filter(username__in=list(delivered)).values_list("username", "messages")
        )
        return {
            a: (rows.get(a), before.get(a, 0) + n)
            for a, n in delivered.items()
            if rows.get(a) != before.get(a, 0) + n
        }

    wait_until = time.monotonic() + 15
    while counted() and time.monotonic() < wait_until:
        time.sleep(0.5)
    # Every delivery counted, on every engine. On SQLite, Dovecot's own dict
    # process would drop some (its driver waits 1 s at most for the write
    # lock while panel writes hold it): the quota goes through the panel's
    # quota dict server instead (docs/dovecot.rst), which waits.
    quota_misses = [
        "%s: %s messages counted, %s delivered" % (a, q, n) for a, (q, n) in counted().items()
    ]
    lost += quota_misses
    dict_errors = [
        line for line in dovecot.log_text().splitlines() if "dict" in line and "rror" in line
    ]
    pool_total = Mailbox.objects.filter(domain=pool).aggregate(total=Sum("quota"))["total"]
    if pool_total > POOL_QUOTA:
        lost.append("pool.example: %d MB allocated of %d" % (pool_total, POOL_QUOTA))
    assert Mailbox.objects.count() >= MAILBOXES

    summary = {
        "engine": connection.vendor,
        "mailboxes": Mailbox.objects.count(),
        "generation": generation,
        "seconds": round(duration, 1),
        "gunicorn_workers": 4,
        "served": "nginx, TLS" if NGINX else "gunicorn",
        "clients": CLIENTS,
        "errors": sum(len(v) for v in recorder.errors.values()),
        "lost": len(lost),
        "kinds": recorder.summary(duration),
        "deliveries": sum(delivered.values()),
        "created": len(created),
        "deleted": len(deleted),
        "error_samples": {k: v[:5] for k, v in recorder.errors.items()},
        "lost_samples": lost[:10],
        "quota_misses": len(quota_misses),
        "quota_miss_samples": quota_misses[:5],
        "dovecot_dict_errors": len(dict_errors),
        "dovecot_dict_error_samples": dict_errors[:3],
        "load_average_1min": {
            "start": round(loads[0], 2),
            "mean": round(sum(loads) / len(loads), 2),
            "max": round(max(loads), 2),
        },
        "cpu_seconds": {
            "test_process": round(
                cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system, 1
            ),
            "child_processes": round(
                cpu_after.children_user
                + cpu_after.children_system
                - cpu_before.children_user
                - cpu_before.children_system,
                1,
            ),
        },
    }
    if RESULTS:
        with open(RESULTS, "w", encoding="utf-8") as fp:
            json.dump(summary, fp, indent=2)
    assert summary["kinds"].keys() >= {"console", "api_read", "api_create", "postmap", "lmtp"}
    assert dict(recorder.errors) == {}, (summary, server_log[-3000:])
    assert lost == [], summary
