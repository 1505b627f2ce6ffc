"""Time the webmail's pages on a folder of N messages, on the test suite's
Dovecot.

    PYTHONPATH=. MODOBOA_TEST_DB=sqlite python bench/webmail.py --messages 2000

It starts the throwaway Dovecot of the test suite (``tests/fixtures``; root
needed, as for the integration tests) and fills a user's INBOX with N
messages written straight into the Maildir (as a delivery agent would, far
faster than appending them over IMAP); Dovecot indexes them once, at the
first SELECT, and builds its sort index at the first SORT (both timed
apart). Then it times the pages as a browser gets them, through Django's
test client (session, master login to IMAP, folder tree with counters,
quota, template): the first page of INBOX (with the folder counters asked
from the server, then kept as the pages keep them), the last page, a
subject search, opening a message and the periodic refresh of the
counters; each is the median of a few runs after one warm-up, with the CPU
time of Python and of Dovecot (its imap processes included). Before, each
IMAP command of a page is timed alone on one connection.
A second pass prints Python's peak memory of each (tracemalloc, which slows
the code down: not timed), to compare sizes: it should stay flat in the
folder's size.

With ``--attachment MB`` it times instead opening a message with an
attachment of that size (20 by default in the issue; run it small here),
its HTML frame and downloading the attachment, with the bytes the IMAP
connection read and the commands it sent:

    PYTHONPATH=. MODOBOA_TEST_DB=sqlite python bench/webmail.py --attachment 2
"""

import argparse
import email.utils
import os
import re
import resource
import shutil
import statistics
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
RUNS = 5


def _cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


DOVECOT = []
COMMANDS = [0]


def _count_commands():
    """Count the IMAP commands sent (each one a round trip): imapclient
    takes a new tag from imaplib for every command.
    """
    import imaplib

    new_tag = imaplib.IMAP4._new_tag

    def counting(self):
        COMMANDS[0] += 1
        return new_tag(self)

    imaplib.IMAP4._new_tag = counting


def measure(label, function, runs=RUNS):
    """Median wall-clock and CPU time (of Python, of Dovecot) of ``runs``
    calls after a warm-up.
    """
    commands = COMMANDS[0]
    function()
    commands = COMMANDS[0] - commands
    walls, cpus, servers = [], [], []
    for _run in range(runs):
        cpu = _cpu()
        server = dovecot_cpu(DOVECOT[0]) if DOVECOT else 0
        started = time.perf_counter()
        function()
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((_cpu() - cpu) * 1000)
        if DOVECOT:
            servers.append((dovecot_cpu(DOVECOT[0]) - server) * 1000)
    print(
        "%-34s %7.1f ms wall (min %6.1f)  CPU: Python %5.1f ms, Dovecot %5.1f ms"
        "  %d IMAP commands"
        % (
            label,
            statistics.median(walls),
            min(walls),
            statistics.median(cpus),
            statistics.median(servers or [0]),
            commands,
        )
    )


def peak_memory(label, function):
    tracemalloc.start()
    function()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print("%-30s peak %7.1f KB of Python memory" % (label, peak / 1024))


def fill(maildir, count):
    """Write ``count`` messages into ``maildir/cur`` (owner of the Maildir),
    dated one minute apart, one in ten unseen. One message is built with
    the ``email`` package; the others repeat it with their own number,
    sender, date and Message-ID (building each would take most of the
    time at 100,000).
    """
    from tests.fixtures.webmail import make_message

    stat = os.stat(maildir)
    start = int(time.time()) - count * 60
    template = make_message(
        "Bench message NUMBER",
        sender="Sender SENDER <sSENDER@outside.test>",
        body="Line of the body number NUMBER.\n" * 20,
        date="DATE",
        headers={"X-Bench": "1"},
    ).replace(b"\n", b"\r\n")
    template = re.sub(
        rb"Message-ID: <[^>]*>", b"Message-ID: <NUMBER.bench@outside.test>", template
    )
    for number in range(count):
        stamp = start + number * 60
        raw = (
            template.replace(b"NUMBER", b"%06d" % number)
            .replace(b"SENDER", b"%d" % (number % 97))
            .replace(b"DATE", email.utils.formatdate(stamp, localtime=True).encode())
        )
        flags = "" if number % 10 == 0 else "S"
        name = "%d.M%dP%d.bench,S=%d:2,%s" % (stamp, number, os.getpid(), len(raw), flags)
        path = os.path.join(maildir, "cur", name)
        with open(path, "wb") as handle:
            handle.write(raw)
        os.chown(path, stat.st_uid, stat.st_gid)


def dovecot_cpu(dovecot):
    """CPU seconds of the Dovecot instance: its master, the processes it
    runs and the ones it has reaped (the imap process of each login).
    """
    master = int((dovecot.base / "run" / "master.pid").read_text().split()[0])
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            fields = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields[1] is the parent (ppid); [11], [12]: utime, stime;
        # [13], [14]: children's utime, stime.
        if int(pid) == master:
            total += sum(int(value) for value in fields[11:15]) / tick
        elif int(fields[1]) == master:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def profile_commands(mailbox, count):
    """Each IMAP command of a page, on one connection (the user's login)."""
    from modoboa.webmail import messages as message_ops

    imap = mailbox.client()
    try:
        steps = [
            ("LIST", lambda: imap.list_folders()),
            (
                "STATUS INBOX (MESSAGES UNSEEN)",
                lambda: imap.folder_status("INBOX", [b"MESSAGES", b"UNSEEN"]),
            ),
            ("GETQUOTAROOT INBOX", lambda: imap.get_quota_root("INBOX")),
            ("SELECT INBOX", lambda: imap.select_folder("INBOX", readonly=True)),
            (
                "ESORT REVERSE DATE, page 1",
                lambda: message_ops._esort_page(imap, "-date", None, 40, 1),
            ),
            (
                "FETCH 40 summaries",
                lambda: imap.fetch(
                    list(range(count - 39, count + 1)),
                    ["ENVELOPE", "FLAGS", "RFC822.SIZE", "INTERNALDATE"],
                ),
            ),
            (
                "ESORT search subject",
                lambda: message_ops._esort_page(
                    imap, "-date", message_ops.Search("message 001234", ("subject",)), 40, 1
                ),
            ),
            ("FETCH one BODY[]", lambda: imap.fetch([count], ["BODY.PEEK[]"])),
        ]
        for label, step in steps:
            measure("  " + label, step)
    finally:
        imap.logout()


def once(label, function):
    started = time.perf_counter()
    result = function()
    print("%-30s %8.1f ms (once)" % (label, (time.perf_counter() - started) * 1000))
    return result


@pytest.mark.django_db(transaction=True)
def test_bench(webmail_user, mailbox, client):
    from django.urls import reverse

    from modoboa.webmail import folders as folder_ops

    count = int(os.environ.get("MODOBOA_BENCH_MESSAGES", "2000"))
    maildir = mailbox.dovecot.home(webmail_user.email) / "Maildir"
    keep = os.environ.get("MODOBOA_BENCH_KEEP")
    kept = os.path.join(keep, "Maildir-%d" % count) if keep else None
    if kept and os.path.isdir(kept):
        # A Maildir filled by an earlier run, with Dovecot's index and sort
        # data: the user's Maildir points to it (the test removes the link).
        shutil.rmtree(maildir)
        os.symlink(kept, maildir)
        print("\nreusing the %d messages of %s" % (count, kept))
    else:
        started = time.perf_counter()
        fill(str(maildir), count - 1)
        print("\nwrote %d messages in %.1f s" % (count - 1, time.perf_counter() - started))
        if kept:
            os.makedirs(keep, exist_ok=True)
            shutil.move(str(maildir), kept)
            os.symlink(kept, maildir)

    def select():
        imap = mailbox.client()
        try:
            return imap.select_folder("INBOX", readonly=True)[b"EXISTS"]
        finally:
            imap.logout()

    assert once("first SELECT (indexing)", select) == count

    def sort():
        imap = mailbox.client()
        try:
            imap.select_folder("INBOX", readonly=True)
            return imap.sort(["REVERSE", "DATE"], ["ALL"])
        finally:
            imap.logout()

    once("first SORT (sort index)", sort)
    DOVECOT.append(mailbox.dovecot)
    print("IMAP commands, one connection:")
    profile_commands(mailbox, count)

    client.force_login(webmail_user)
    _count_commands()
    index = reverse("webmail:index")

    def get(url, **params):
        def call():
            response = client.get(url, params)
            assert response.status_code == 200, response.content[:500]
            return response

        return call

    first = get(index)()
    page = first.context["page"]
    assert page.total == count, page.total
    last_page = page.pages
    uid = page.items[0].uid
    search = get(index, q="message 001234", **{"in": "subject"})
    assert search().context["page"].total == (1 if count > 1234 else 0)
    # The form's default: the sender or the subject.
    default_search = get(index, q="message 001234")
    assert default_search().context["page"].total == (1 if count > 1234 else 0)
    body_search = get(index, q="number 001234", **{"in": "body"})
    assert body_search().context["page"].total == (1 if count > 1234 else 0)

    def uncached(function):
        def call():
            folder_ops.forget_sidebar(webmail_user)
            return function()

        return call

    def sorted_again(function):
        def call():
            # As after new mail: the kept connection sorts the folder again.
            from modoboa.webmail import imap as imap_ops

            for kept, _used in list(imap_ops._kept.values()):
                kept.modoboa_sorted = None
            return function()

        return call

    operations = [
        ("first page, counters asked", uncached(get(index))),
        ("first page, sorted again", sorted_again(get(index))),
        ("first page (by date)", get(index)),
        ("last page", get(index, page=last_page)),
        ("subject search", search),
        ("from or subject search", default_search),
        ("body search", body_search),
        ("open a message", get(reverse("webmail:message", args=[uid]))),
        ("folders.json (refresh)", get(reverse("webmail:folders_json"))),
    ]
    print("load average before: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
    for label, function in operations:
        measure(label, function)
    print("load average after: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
    for label, function in operations:
        peak_memory(label, function)
    if os.environ.get("MODOBOA_BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(get(index))
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("process peak RSS: %.1f MB" % (rss / 1024))


class _Wire:
    """Bytes read from and commands sent to the IMAP server (imaplib's
    methods under imapclient).
    """

    received = 0
    fetches = []

    @classmethod
    def install(cls):
        import imaplib

        send, read, readline = imaplib.IMAP4.send, imaplib.IMAP4.read, imaplib.IMAP4.readline

        def counting_send(connection, data):
            if b" FETCH " in data:
                cls.fetches.append(data.split(b" FETCH ", 1)[1].strip()[:80].decode())
            return send(connection, data)

        def counting_read(connection, size):
            data = read(connection, size)
            cls.received += len(data)
            return data

        def counting_readline(connection):
            line = readline(connection)
            cls.received += len(line)
            return line

        imaplib.IMAP4.send = counting_send
        imaplib.IMAP4.read = counting_read
        imaplib.IMAP4.readline = counting_readline


@pytest.mark.django_db(transaction=True)
def test_attachment(webmail_user, mailbox, client):
    """Open a message with a large attachment, show its HTML, download it."""
    import email.message

    from django.urls import reverse

    megabytes = float(os.environ.get("MODOBOA_BENCH_ATTACHMENT", "20"))
    data = os.urandom(int(megabytes * 1024 * 1024))
    message = email.message.EmailMessage()
    message["From"] = "Bob <bob@outside.test>"
    message["To"] = webmail_user.email
    message["Subject"] = "Large attachment"
    message.set_content("The file is attached.\n" * 20)
    message.add_alternative("<p>The <b>file</b> is attached.</p>" * 20, subtype="html")
    message.add_attachment(data, maintype="application", subtype="zip", filename="large.zip")
    raw = message.as_bytes()
    mailbox.deliver(raw)
    uid = max(mailbox.flags())
    print("\nmessage of %.1f MB (attachment %.1f MB)" % (len(raw) / 1024**2, megabytes))
    DOVECOT.append(mailbox.dovecot)
    client.force_login(webmail_user)
    _count_commands()
    _Wire.install()
    query = "?folder=INBOX"

    def get(url, check=None):
        def call():
            response = client.get(url)
            assert response.status_code == 200, response.content[:300]
            if check:
                check(response)
            return response

        return call

    def same_bytes(response):
        # Sent range by range (a StreamingHttpResponse) or whole.
        if response.streaming:
            # Piece by piece, as a browser takes them (joined, the bytes
            # would be what the peak measures).
            view, offset = memoryview(data), 0
            for piece in response.streaming_content:
                assert view[offset : offset + len(piece)] == piece
                offset += len(piece)
            assert offset == len(data)
        else:
            assert response.content == data

    operations = [
        ("open the message", get(reverse("webmail:message", args=[uid]) + query)),
        ("its HTML frame", get(reverse("webmail:message_body", args=[uid]) + query)),
        (
            "download the attachment",
            get(reverse("webmail:message_part", args=[uid, "2"]) + query, same_bytes),
        ),
    ]
    print("load average before: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
    for label, function in operations:
        measure(label, function, runs=3)
    print("load average after: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
    for label, function in operations:
        _Wire.received = 0
        _Wire.fetches = []
        function()
        print("%-30s IMAP read %9d bytes; FETCH %s" % (label, _Wire.received, _Wire.fetches))
    for label, function in operations:
        peak_memory(label, function)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("process peak RSS: %.1f MB" % (rss / 1024))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument(
        "--profile", action="store_true", help="print where Python spends a first page"
    )
    parser.add_argument(
        "--attachment",
        metavar="MB",
        type=float,
        help="time opening a message with an attachment of MB megabytes instead",
    )
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="keep the filled Maildir (and Dovecot's index) in DIR for the next runs",
    )
    options = parser.parse_args()
    if options.keep:
        os.environ["MODOBOA_BENCH_KEEP"] = os.path.abspath(options.keep)
    os.environ["MODOBOA_BENCH_MESSAGES"] = str(options.messages)
    if options.profile:
        os.environ["MODOBOA_BENCH_PROFILE"] = "1"
    os.chdir(ROOT)
    selected = "test_bench"
    if options.attachment:
        os.environ["MODOBOA_BENCH_ATTACHMENT"] = str(options.attachment)
        selected = "test_attachment"
    sys.exit(
        pytest.main(
            [__file__ + "::" + selected, "-q", "-s", "-p", "no:cacheprovider", "--rootdir", ROOT]
        )
    )


if __name__ == "__main__":
    main()
