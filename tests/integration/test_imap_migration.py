"""IMAP migration between two real Dovecots: the old server (a
passwd-file Dovecot with a few thousand messages) and the session's
Dovecot, which the panel writes into through its master user.
"""

import pytest
from django.db import connection
from django.test import Client

from modoboa.admin.models import Mailbox
from modoboa.core import mail_access
from modoboa.imap_migration import runner, services
from modoboa.imap_migration.models import CANCELLED, DONE, FAILED, PENDING, Migration
from modoboa.parameters import tools as param_tools
from tests.fixtures.mailserver import free_port
from tests.fixtures.old_imap import BIG_ADDRESS, BIG_FOLDERS, BIG_PASSWORD, make_message

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

APP = "modoboa_imap_migration"
BIG_TOTAL = sum(BIG_FOLDERS.values())


@pytest.fixture
def env(dovecot, old_imap_server, settings, superadmin, make_domain):
    settings.MODOBOA_MAIL_MASTER_SECRET_FILE = str(dovecot.master_secret_file)
    param_tools.set_global_parameter("new_server_address", "127.0.0.1", app=APP)
    param_tools.set_global_parameter("new_server_port", dovecot.imap_port, app=APP)
    local = make_domain("new.test")
    services.create_provider(
        acting_user=superadmin,
        name="Old",
        address="127.0.0.1",
        port=old_imap_server.port,
        security="none",
        domains=[("old.test", "new.test")],
    )
    old_imap_server.dovecot = dovecot
    old_imap_server.local_domain = local
    return old_imap_server


def snapshot(client, translate=lambda name: name, skip=()):
    """``{folder: sorted [(Message-ID, flags, INTERNALDATE)]}``."""
    result = {}
    for flags, _delimiter, name in client.list_folders():
        if b"\\Noselect" in flags or name in skip:
            continue
        client.select_folder(name, readonly=True)
        messages = []
        uids = client.search("ALL")
        for start in range(0, len(uids), 500):
            fetched = client.fetch(
                uids[start : start + 500],
                ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]", "FLAGS", "INTERNALDATE"],
            )
            for data in fetched.values():
                header = next(v for k, v in data.items() if k.startswith(b"BODY[HEADER"))
                flags = frozenset(f for f in data[b"FLAGS"] if f != b"\\Recent")
                messages.append((header.strip(), flags, data[b"INTERNALDATE"]))
        result[translate(name)] = sorted(messages, key=repr)
    return result


def old_snapshot(env, address, skip=()):
    client = env.client(address)
    try:
        return snapshot(client, skip=skip)
    finally:
        client.logout()


def new_snapshot(env, address):
    from imapclient import IMAPClient

    credentials = mail_access.credentials_for(address)
    client = IMAPClient("127.0.0.1", port=env.dovecot.imap_port, ssl=False, timeout=30)
    client.normalise_times = False
    client.login(credentials.login, credentials.secret)
    try:
        return snapshot(client, translate=lambda name: name.replace(".", "/"))
    finally:
        client.logout()


def stored_passwords():
    with connection.cursor() as cursor:
        cursor.execute("SELECT _password FROM modoboa_imap_migration_migration")
        return [row[0] for row in cursor.fetchall()]


def job(superadmin, *lines):
    return services.create_migrations(
        acting_user=superadmin,
        entries=[(number, *line) for number, line in enumerate(lines, start=1)],
    )


def test_an_admin_job_copies_everything_once_then_only_what_is_new(env, superadmin):
    (migration,) = job(superadmin, (BIG_ADDRESS, BIG_PASSWORD, ""))
    assert Mailbox.objects.filter(address="big", domain__name="new.test").exists()
    assert BIG_PASSWORD not in stored_passwords()[0]

    assert runner.run_pending(1) == {DONE: 1}

    migration.refresh_from_db()
    assert migration.status == DONE, migration.last_error
    assert migration.last_error == ""
    assert migration.messages_copied == BIG_TOTAL
    assert migration.messages_total == BIG_TOTAL
    assert migration.progress == 100
    assert stored_passwords() == [""]
    old = old_snapshot(env, BIG_ADDRESS)
    assert sum(len(messages) for messages in old.values()) == BIG_TOTAL
    assert new_snapshot(env, "big@new.test") == old

    # A second run copies nothing.
    services.restart_migration(migration, acting_user=superadmin, password=BIG_PASSWORD)
    runner.run_pending(1)
    migration.refresh_from_db()
    assert (migration.status, migration.messages_copied) == (DONE, 0)
    assert new_snapshot(env, "big@new.test") == old

    # A message that arrived on the old server since is copied next time.
    client = env.client(BIG_ADDRESS)
    client.append("Archives/2019/Été", make_message("late", 1), flags=[b"\\Flagged"])
    client.logout()
    services.restart_migration(migration, acting_user=superadmin, password=BIG_PASSWORD)
    runner.run_pending(1)
    migration.refresh_from_db()
    assert (migration.status, migration.messages_copied) == (DONE, 1)
    assert new_snapshot(env, "big@new.test") == old_snapshot(env, BIG_ADDRESS)
    assert stored_passwords() == [""]


def test_a_first_login_creates_the_account_and_its_migration(env):
    client = Client()
    response = client.post("/accounts/login/", {"username": BIG_ADDRESS, "password": BIG_PASSWORD})
    assert response.status_code == 302, response.content[:500]
    migration = Migration.objects.get(username=BIG_ADDRESS)
    assert migration.mailbox.full_address == "big@new.test"
    assert migration.status == PENDING
    assert BIG_PASSWORD not in stored_passwords()[0]
    assert services.old_password(migration) == BIG_PASSWORD
    # The new account has the password typed.
    assert env.dovecot.auth_ok("big@new.test", BIG_PASSWORD)

    assert runner.run_pending(1) == {DONE: 1}
    migration.refresh_from_db()
    old = old_snapshot(env, BIG_ADDRESS)
    assert migration.messages_copied == sum(len(messages) for messages in old.values())
    assert new_snapshot(env, "big@new.test") == old
    assert stored_passwords() == [""]

    # Once migrated, the account logs in locally, with its new address or
    # the old one; the old server is not asked any more.
    assert Client().login(username="big@new.test", password=BIG_PASSWORD)
    assert Client().login(username=BIG_ADDRESS, password=BIG_PASSWORD)
    assert not Client().login(username=BIG_ADDRESS, password="wrong")


def test_a_wrong_old_password_is_refused_at_login(env):
    response = Client().post("/accounts/login/", {"username": BIG_ADDRESS, "password": "wrong"})
    assert response.status_code != 302
    assert not Migration.objects.exists()
    assert not Mailbox.objects.filter(address="big").exists()


def test_failures_are_reported_and_the_other_jobs_go_on(env, superadmin, make_domain):
    env.add_user("bob@old.test", "Bob-Old-1")
    env.fill("bob@old.test", {"INBOX": 3})
    env.add_user("carol@old.test", "Carol-Old-1")
    # "v1.2" cannot be a folder name under the new server's "." separator.
    env.fill("carol@old.test", {"INBOX": 2, "Good": 4, "Notes v1.2": 3})
    make_domain("down.test")
    services.create_provider(
        acting_user=superadmin,
        name="Gone",
        address="127.0.0.1",
        port=free_port(),
        domains=[("down.test", "")],
    )
    wrong, down, carol = job(
        superadmin,
        ("bob@old.test", "not-bob's", ""),
        ("dan@down.test", "Whatever-1", ""),
        ("carol@old.test", "Carol-Old-1", ""),
    )

    assert runner.run_pending(2) == {FAILED: 2, DONE: 1}

    for migration in (wrong, down, carol):
        migration.refresh_from_db()
    assert wrong.status == FAILED
    assert "refused the login of bob@old.test" in wrong.last_error
    assert down.status == FAILED
    assert "does not answer" in down.last_error
    assert carol.status == DONE
    assert "Notes v1.2 cannot be created on the new server" in carol.last_error
    assert (carol.folders_done, carol.folders_failed) == (2, 1)
    assert new_snapshot(env, "carol@new.test") == old_snapshot(
        env, "carol@old.test", skip=("Notes v1.2",)
    )
    assert stored_passwords() == ["", "", ""]


def test_a_changed_uidvalidity_copies_again_without_duplicates(env, superadmin):
    env.add_user("dave@old.test", "Dave-Old-1")
    env.fill("dave@old.test", {"INBOX": 5, "Work": 6})
    (migration,) = job(superadmin, ("dave@old.test", "Dave-Old-1", ""))
    runner.run_pending(1)
    migration.refresh_from_db()
    assert migration.messages_copied == 11
    env.doveadm("mailbox", "update", "-u", "dave@old.test", "--uid-validity", "12345", "Work")
    env.fill("dave@old.test", {"Work": 1}, start=100)

    services.restart_migration(migration, acting_user=superadmin, password="Dave-Old-1")
    runner.run_pending(1)

    migration.refresh_from_db()
    assert (migration.status, migration.messages_copied) == (DONE, 1)
    assert migration.folders.get(name="Work").uidvalidity == 12345
    assert new_snapshot(env, "dave@new.test") == old_snapshot(env, "dave@old.test")


def test_include_and_exclude_filters(env, superadmin):
    env.add_user("erin@old.test", "Erin-Old-1")
    env.fill("erin@old.test", {"INBOX": 2, "Keep": 2, "Keep/Sub": 2, "Spam": 3})
    services.create_migrations(
        acting_user=superadmin,
        entries=[(1, "erin@old.test", "Erin-Old-1", "")],
        include_folders="INBOX\nKeep*\nSpam",
        exclude_folders="Spam\nKeep/Sub",
    )
    runner.run_pending(1)
    assert set(new_snapshot(env, "erin@new.test")) == {"INBOX", "Keep"}


def test_cancel_a_pending_job_and_a_running_one(env, superadmin):
    env.add_user("fay@old.test", "Fay-Old-1")
    (pending,) = job(superadmin, ("fay@old.test", "Fay-Old-1", ""))
    services.cancel_migration(pending, acting_user=superadmin)
    pending.refresh_from_db()
    assert pending.status == CANCELLED
    assert stored_passwords() == [""]
    assert runner.run_pending(1) == {}

    (running,) = job(superadmin, (BIG_ADDRESS, BIG_PASSWORD, ""))

    def cancel_after_first_batch(migration):
        services.cancel_migration(migration, acting_user=superadmin)

    assert runner.run_pending(1, on_batch=cancel_after_first_batch) == {CANCELLED: 1}
    running.refresh_from_db()
    assert running.status == CANCELLED
    assert 0 < running.messages_copied < BIG_TOTAL
    assert stored_passwords().count("") == 2


def test_the_command_runs_the_pending_jobs(env, superadmin):
    from io import StringIO

    from django.core.management import call_command

    env.add_user("gus@old.test", "Gus-Old-1")
    env.fill("gus@old.test", {"INBOX": 4})
    job(superadmin, ("gus@old.test", "Gus-Old-1", ""))
    out = StringIO()
    call_command("run_imap_migrations", "--once", stdout=out)
    assert "Jobs run: done: 1" in out.getvalue()
    assert len(new_snapshot(env, "gus@new.test")["INBOX"]) == 4


def test_starttls_with_and_without_certificate_verification(env, superadmin, make_domain):
    make_domain("tls.test")
    make_domain("strict.test")
    # The same server, through STARTTLS: its certificate is self-signed.
    services.create_provider(
        acting_user=superadmin,
        name="Old over STARTTLS",
        address="127.0.0.1",
        port=env.port,
        security="starttls",
        verify_certificate=False,
        domains=[("tls.test", "")],
    )
    services.create_provider(
        acting_user=superadmin,
        name="Old, verified",
        address="127.0.0.1",
        port=env.port,
        security="starttls",
        domains=[("strict.test", "")],
    )
    env.add_user("hal@tls.test", "Hal-Old-1")
    env.fill("hal@tls.test", {"INBOX": 2})
    env.add_user("hal@strict.test", "Hal-Old-1")
    tls, strict = job(
        superadmin, ("hal@tls.test", "Hal-Old-1", ""), ("hal@strict.test", "Hal-Old-1", "")
    )
    runner.run_pending(1)
    tls.refresh_from_db()
    strict.refresh_from_db()
    assert (tls.status, tls.messages_copied) == (DONE, 2), tls.last_error
    assert strict.status == FAILED
    assert "certificate" in strict.last_error.lower()


def refusing(client, marker):
    """``client`` (a real connection to the new server) refusing every
    message that contains ``marker``, as a full mailbox or a server
    policy would.
    """
    from imapclient.exceptions import IMAPClientError

    multiappend, append = client.multiappend, client.append

    def checked_multiappend(folder, messages):
        if any(marker in message["msg"] for message in messages):
            raise IMAPClientError("APPEND failed: refused by policy")
        return multiappend(folder, messages)

    def checked_append(folder, message, *args, **kwargs):
        if marker in message:
            raise IMAPClientError("APPEND failed: refused by policy")
        return append(folder, message, *args, **kwargs)

    client.multiappend, client.append = checked_multiappend, checked_append
    return client


def test_parallel_writers_copy_once_around_a_refused_message(env, superadmin):
    from modoboa.imap_migration import imap
    from modoboa.imap_migration.sync import BATCH_MESSAGES, Copier

    env.add_user("ivy@old.test", "Ivy-Old-1")
    env.fill("ivy@old.test", {"INBOX": 6 * BATCH_MESSAGES})
    (migration,) = job(superadmin, ("ivy@old.test", "Ivy-Old-1", ""))
    marker = b"Body of message 30 in folder INBOX."
    old = imap.open_old(migration.provider, migration.username, "Ivy-Old-1")
    new = refusing(imap.open_new(migration.mailbox), marker)
    writers = []

    def open_writer():
        writers.append(refusing(imap.open_new(migration.mailbox), marker))
        return writers[-1]

    try:
        errors = Copier(migration, old, new, open_writer=open_writer, writers=4).run()
    finally:
        imap.close(old)
        imap.close(new)

    assert len(writers) == 3
    assert len(errors) == 1 and "could not be written" in errors[0]
    state = migration.folders.get(name="INBOX")
    copied_first = len(new_snapshot(env, "ivy@new.test")["INBOX"])
    # The 30 messages before the refused one (UIDs 1 to 30), and the
    # batches the other writers finished meanwhile (at least the three
    # handed out with it): kept as a range above last_uid.
    assert state.copied == copied_first >= 30 + 3 * BATCH_MESSAGES
    assert state.last_uid == 30
    assert state.done_ranges == "%d-%d" % (BATCH_MESSAGES + 1, copied_first - 30 + BATCH_MESSAGES)

    # The job's run (nothing refused any more) copies what is left, once.
    assert runner.run_pending(1) == {DONE: 1}
    migration.refresh_from_db()
    assert migration.last_error == ""
    assert migration.messages_copied == 6 * BATCH_MESSAGES - copied_first
    assert new_snapshot(env, "ivy@new.test") == old_snapshot(env, "ivy@old.test")
    state.refresh_from_db()
    assert state.done_ranges == ""
    assert state.copied == 6 * BATCH_MESSAGES
