"""Time the webmail on a folder of N messages, on the test suite's Dovecot.

    PYTHONPATH=. MODOBOA_TEST_DB=sqlite python bench/webmail.py --messages 2000

It starts the throwaway Dovecot of the test suite (``tests/fixtures``; root
needed, as for the integration tests), appends N messages to a user's
INBOX over IMAP, then times, through the webmail's own code (master login
included, one connection each, as a page does): the first page of the
list, the last page, a subject search and opening one message; it prints
the time and the peak of Python memory of each (tracemalloc), to compare
sizes (the memory should stay flat in the folder's size).
"""

import argparse
import os
import sys
import time
import tracemalloc

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pytest_plugins = [
    "tests.fixtures.mailserver",
    "tests.fixtures.dovecot",
    "tests.fixtures.webmail",
]


def measure(label, function):
    tracemalloc.start()
    started = time.perf_counter()
    result = function()
    elapsed = (time.perf_counter() - started) * 1000
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print("%-28s %8.1f ms  peak %7.1f KB" % (label, elapsed, peak / 1024))
    return result


def fill(mailbox, count):
    from tests.fixtures.webmail import make_message

    client = mailbox.client()
    try:
        batch = []
        for number in range(count):
            batch.append(
                make_message(
                    "Bench message %06d" % number,
                    sender="Sender %d <s%d@outside.test>" % (number % 97, number % 97),
                    body="Line of the body number %d.\n" % number * 20,
                )
            )
            if len(batch) == 200:
                client.multiappend("INBOX", batch)
                batch = []
        if batch:
            client.multiappend("INBOX", batch)
    finally:
        client.logout()


@pytest.mark.django_db(transaction=True)
def test_bench(webmail_user, mailbox):
    from modoboa.webmail import imap, reading
    from modoboa.webmail import messages as message_ops
    from modoboa.webmail.sanitize import clean_html

    count = int(os.environ.get("MODOBOA_BENCH_MESSAGES", "2000"))
    started = time.perf_counter()
    fill(mailbox, count - 1)
    print("\nfilled INBOX with %d messages in %.1f s" % (count, time.perf_counter() - started))

    def page(number=1, search=None):
        with imap.open_mailbox(webmail_user) as client:
            return message_ops.list_messages(
                client, "INBOX", search=search, page=number, per_page=40
            )

    def login_only():
        with imap.open_mailbox(webmail_user) as client:
            return client.noop()

    measure("master login + logout", login_only)
    first = measure("first page (40, by date)", page)
    assert first.total == count
    measure("last page", lambda: page(first.pages))
    found = measure(
        "search subject", lambda: page(search=message_ops.Search("message 001234", ("subject",)))
    )
    assert found.total <= 1
    uid = first.items[0].uid

    def open_message():
        with imap.open_mailbox(webmail_user) as client:
            raw, flags = reading.fetch_raw(client, "INBOX", uid, mark_seen=True)
        parsed = reading.read(raw, uid, flags)
        return clean_html(parsed.html or "<p>x</p>")

    measure("open a message", open_message)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    options = parser.parse_args()
    os.environ["MODOBOA_BENCH_MESSAGES"] = str(options.messages)
    os.chdir(ROOT)
    sys.exit(pytest.main([__file__, "-q", "-s", "-p", "no:cacheprovider", "--rootdir", ROOT]))


if __name__ == "__main__":
    main()
