"""Time ``logparser`` on a generated mail log, and the message log search
and a year of graph on a filled ``stats_maillog``.

    PYTHONPATH=. MODOBOA_TEST_DB=sqlite .venv/bin/python bench/stats_logparser.py \
        --lines 1000000 --rows 10000000

The database is the test settings' one (``MODOBOA_TEST_DB`` and its URL
variables pick the engine); it is migrated and emptied of statistics
first. The log mixes what a busy Postfix writes: for each message a
connection, its queue id, the sender, one or two deliveries (local, remote,
a few bounces and deferrals), the removal, plus refusals and lines of other
programs, in RFC 3339 format with a negative UTC offset. The issue's
targets: 1,000,000 lines under 30 s; a search and a year of graph under
300 ms with a fixed number of queries.
"""

import argparse
import datetime
import os
import random
import resource
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modoboa.test_settings")

DOMAINS = 100


def generate_log(path, lines, start):
    """Write about ``lines`` lines to ``path``; return the number written."""
    zone = datetime.timezone(datetime.timedelta(hours=-5))
    rng = random.Random(1)
    written = 0
    moment = start
    serial = 0
    with open(path, "w") as handle:
        while written < lines:
            moment += datetime.timedelta(seconds=rng.random() * 2)
            stamp = moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S.%f-05:00")
            serial += 1
            qid = "%010X" % serial
            domain = "domain%d.test" % rng.randrange(DOMAINS)
            kind = rng.random()
            if kind < 0.1:
                out = [
                    "postfix/smtpd[100]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 550 5.1.1 "
                    "<nobody@%s>: Recipient address rejected: User unknown; "
                    "from=<a@outside.test> to=<nobody@%s> proto=ESMTP helo=<x>" % (domain, domain),
                    "dovecot[200]: imap-login: Login: user=<u@%s>" % domain,
                ]
            else:
                outbound = kind > 0.6
                sender = "user@%s" % domain if outbound else "someone@outside.test"
                rcpt = "far@outside.test" if outbound else "user@%s" % domain
                status = rng.choice(["sent"] * 18 + ["bounced", "deferred"])
                out = [
                    "postfix/smtpd[100]: connect from x[192.0.2.1]",
                    "postfix/smtpd[100]: %s: client=x[192.0.2.1]" % qid,
                    "postfix/cleanup[101]: %s: message-id=<%s@x>" % (qid, qid),
                    "postfix/qmgr[102]: %s: from=<%s>, size=%d, nrcpt=1 (queue active)"
                    % (qid, sender, rng.randrange(500, 50000)),
                    "postfix/%s[103]: %s: to=<%s>, relay=y[192.0.2.2]:25, delay=0.2, "
                    "delays=0/0/0.1/0.1, dsn=2.0.0, status=%s (250 2.0.0 Ok)"
                    % ("smtp" if outbound else "lmtp", qid, rcpt, status),
                    "postfix/qmgr[102]: %s: removed" % qid,
                ]
            for text in out:
                handle.write("%s mx %s\n" % (stamp, text))
            written += len(out)
    return written


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=0, help="message log rows to add")
    options = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from modoboa.admin.models import Domain
    from modoboa.core.management.commands.load_initial_data import load_initial_data
    from modoboa.stats import logparser, services
    from modoboa.stats.models import Counter, LogState, Maillog, QueueEntry

    for model in (Counter, Maillog, LogState, QueueEntry):
        model.objects.all().delete()
    admin = load_initial_data("admin")
    existing = set(Domain.objects.values_list("name", flat=True))
    Domain.objects.bulk_create(
        Domain(name="domain%d.test" % index, quota=0, default_mailbox_quota=0)
        for index in range(DOMAINS)
        if "domain%d.test" % index not in existing
    )
    now = timezone.now()
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "mail.log")
        written = generate_log(path, options.lines, now - datetime.timedelta(days=2))
        began, cpu = time.perf_counter(), time.process_time()
        report = logparser.parse_log(path, now=now)
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    # The machine is shared: the CPU time of this process (the parser, and
    # SQLite's work when the engine is SQLite) says more than the wall clock.
    print(
        "logparser: %d lines in %.2f s (%.0f lines/s), %.2f s of CPU, peak memory %d MiB"
        % (
            written,
            elapsed,
            written / elapsed,
            cpu,
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        )
    )
    print("  " + report.summary())

    if options.rows:
        rng = random.Random(2)
        batch = []
        for index in range(options.rows):
            domain = "domain%d.test" % rng.randrange(DOMAINS)
            batch.append(
                Maillog(
                    queue_id="%010X" % index,
                    date=now - datetime.timedelta(seconds=index),
                    sender="someone@outside.test",
                    rcpt="u%d@%s" % (index % 1000, domain),
                    status="sent",
                    size=1000,
                    from_domain="outside.test",
                    to_domain=domain,
                )
            )
            if len(batch) == 10000:
                Maillog.objects.bulk_create(batch)
                batch = []
        Maillog.objects.bulk_create(batch)
        print("message log: %d rows" % Maillog.objects.count())
    from modoboa.admin import services as admin_services
    from modoboa.core.models import User

    boss = User.objects.filter(username="boss@bench-stats.test").first()
    if boss is None:
        admin_services.create_domain(
            acting_user=admin, name="bench-stats.test", quota=0, default_mailbox_quota=0
        )
        boss = admin_services.create_account(
            acting_user=admin,
            username="boss@bench-stats.test",
            role="DomainAdmins",
            password="Bench-Passw0rd!",
            domains=["bench-stats.test"],
            mailbox={"address": "boss@bench-stats.test"},
        )
        admin_services.create_account(
            acting_user=admin,
            username="user@bench-stats.test",
            role="SimpleUsers",
            password="Bench-Passw0rd!",
        )
    Maillog.objects.create(
        queue_id="RARE",
        date=now - datetime.timedelta(days=1),
        sender="a@outside.test",
        rcpt="user@bench-stats.test",
        status="sent",
        from_domain="outside.test",
        to_domain="bench-stats.test",
    )
    checks = [
        (
            "search by recipient",
            lambda: services.page_of(
                services.search_messages(admin, rcpt="u7@domain7.test"), 1, 50
            ),
        ),
        ("newest page", lambda: services.page_of(services.search_messages(admin), 1, 50)),
        (
            "domain page",
            lambda: services.page_of(services.search_messages(admin, rcpt="domain3.test"), 1, 50),
        ),
        (
            "domain admin page, one row among all",
            lambda: services.page_of(services.search_messages(boss), 1, 50),
        ),
        (
            "simple user's own page",
            lambda: services.page_of(
                services.search_messages(User.objects.get(username="user@bench-stats.test")), 1, 50
            ),
        ),
        ("year of graph", lambda: services.series(admin, "global", "year")),
        ("day of graph", lambda: services.series(admin, "domain5.test", "day")),
    ]
    for label, check in checks:
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            check()
            elapsed = time.perf_counter() - began
        print("%s: %.1f ms, %d queries" % (label, elapsed * 1000, len(queries)))


if __name__ == "__main__":
    main()
