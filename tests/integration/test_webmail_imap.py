"""The webmail's connection to the real Dovecot: the master login opens the
user's own mailbox, Unicode folder names, special folders, clear errors.
"""

import pytest
from django.urls import reverse

from modoboa.parameters import tools as param_tools
from modoboa.webmail import imap
from tests.fixtures.mailserver import free_port
from tests.fixtures.webmail import APP

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_open_mailbox_logs_in_as_the_user_without_its_password(webmail_user, mailbox):
    with imap.open_mailbox(webmail_user) as client:
        info = imap.select(client, "INBOX", readonly=True)
        assert info[b"EXISTS"] == 1
        client.create_folder("Факту́ры & Co")
    assert "Факту́ры & Co" in mailbox.folders()
    with imap.open_mailbox(webmail_user) as client:
        names = [name for _flags, _sep, name in imap.list_folders(client)]
    assert "Факту́ры & Co" in names


def test_special_folders_follow_the_preferences_and_are_created_on_demand(webmail_user, mailbox):
    mailbox.create("Corbeille")
    webmail_user.parameters.set_value("trash_folder", "Corbeille", app=APP)
    with imap.open_mailbox(webmail_user) as client:
        found = imap.special_folders(client, webmail_user)
        assert found["trash"] == "Corbeille"
        assert found["sent"] == "Sent"
        assert imap.special_folder(client, webmail_user, "junk", create=True) == "Junk"
    assert "Junk" in mailbox.folders()


def test_a_missing_folder_is_a_clear_error(webmail_user):
    with imap.open_mailbox(webmail_user) as client, pytest.raises(imap.FolderNotFound):
        imap.select(client, "Nowhere")


def test_server_down_and_refused_login_are_clear_errors(
    webmail_user, webmail_env, settings, tmp_path
):
    param_tools.set_global_parameter("imap_port", free_port(), app=APP)
    with pytest.raises(imap.ImapUnavailable, match="does not answer"):
        with imap.open_mailbox(webmail_user):
            pass
    param_tools.set_global_parameter("imap_port", webmail_env.imap_port, app=APP)
    wrong = tmp_path / "secret"
    wrong.write_text("not-the-secret\n")
    settings.MODOBOA_MAIL_MASTER_SECRET_FILE = str(wrong)
    with pytest.raises(imap.ImapLoginRefused, match="refused"):
        with imap.open_mailbox(webmail_user):
            pass


def test_the_pages_say_when_the_server_is_down(client, webmail_user):
    param_tools.set_global_parameter("imap_port", free_port(), app=APP)
    client.force_login(webmail_user)
    response = client.get(reverse("webmail:index"))
    assert response.status_code == 503
    assert "does not answer" in response.content.decode()


def test_an_account_without_mailbox_gets_a_clear_page(client, superadmin):
    client.force_login(superadmin)
    response = client.get(reverse("webmail:index"))
    assert response.status_code == 403
    assert "having a mailbox" in response.content.decode()


def test_a_connection_is_kept_for_the_next_page_and_replaced_when_broken(
    webmail_user, mailbox, settings
):
    with imap.open_mailbox(webmail_user) as first:
        imap.select(first, "INBOX", readonly=True)
    with imap.open_mailbox(webmail_user) as second:
        assert second is first
        # The server (or the network) drops it while it is kept.
        second.shutdown()
    with imap.open_mailbox(webmail_user) as third:
        assert third is not first
        assert imap.select(third, "INBOX", readonly=True)[b"EXISTS"] == 1
    # A block that failed does not leave its connection behind.
    with pytest.raises(imap.FolderNotFound):
        with imap.open_mailbox(webmail_user) as fourth:
            assert fourth is third
            imap.select(fourth, "Nowhere")
    with imap.open_mailbox(webmail_user) as fifth:
        assert fifth is not third
    settings.MODOBOA_WEBMAIL_KEEP_IMAP_SECONDS = 0
    with imap.open_mailbox(webmail_user) as sixth:
        assert sixth is not fifth
    with imap.open_mailbox(webmail_user) as seventh:
        assert seventh is not sixth


def test_a_kept_connection_keeps_its_folder_selected_and_up_to_date(webmail_user, mailbox):
    from modoboa.webmail import messages
    from tests.fixtures.webmail import make_message

    with imap.open_mailbox(webmail_user) as client:
        assert imap.select(client, "INBOX", readonly=True)[b"EXISTS"] == 1
    mailbox.deliver(make_message("Meanwhile"))
    with imap.open_mailbox(webmail_user) as client:
        # Selected already: nothing sent, and the server told what arrived.
        assert imap.select(client, "INBOX", readonly=True) is None
        # The list selects in read-write mode (the folder selected again),
        # so that opening, flagging or moving one of its messages next
        # selects nothing.
        assert messages.list_messages(client, "INBOX").total == 2
        assert client.modoboa_selected == ("INBOX", False)
        assert imap.select(client, "INBOX") is None
        assert imap.select(client, "INBOX", readonly=True) is None
        client.create_folder("Other")
        assert imap.select(client, "Other", readonly=True)[b"EXISTS"] == 0


def test_a_kept_connection_sorts_its_folder_again_only_when_it_changed(
    webmail_user, mailbox, monkeypatch
):
    from modoboa.webmail import messages
    from tests.fixtures.webmail import make_message

    sorts = []
    esort = messages._esort
    monkeypatch.setattr(messages, "_esort", lambda *args: sorts.append(args[1]) or esort(*args))
    for number in (1, 2):
        mailbox.deliver(
            make_message("Old %d" % number, date="Mon, 0%d Feb 2026 10:00:00 +0000" % number)
        )

    def subjects(client, sort="-date", **options):
        page = messages.list_messages(client, "INBOX", sort=sort, per_page=2, **options)
        return page.total, [item.subject for item in page.items]

    with imap.open_mailbox(webmail_user) as client:
        assert subjects(client) == (3, ["Welcome", "Old 2"])
        assert subjects(client, page=2) == (3, ["Old 1"])
        assert subjects(client, sort="date") == (3, ["Old 1", "Old 2"])
        # Sorted once: the folder did not change.
        assert sorts == ["-date"]
        search = messages.Search("Old", ("subject",))
        assert subjects(client, search=search) == (2, ["Old 2", "Old 1"])
        assert sorts == ["-date", "-date"]
    # A new message (its Date older than the others), then a removal.
    mailbox.deliver(make_message("Late", date="Sat, 31 Jan 2026 10:00:00 +0000"))
    with imap.open_mailbox(webmail_user) as client:
        assert subjects(client, page=2) == (4, ["Old 1", "Late"])
        assert len(sorts) == 3
        uid = messages.list_messages(client, "INBOX").items[0].uid
        messages.delete(client, webmail_user, "INBOX", [uid])
        assert subjects(client) == (3, ["Old 2", "Old 1"])
        assert len(sorts) == 4
        assert subjects(client) == (3, ["Old 2", "Old 1"])
        assert len(sorts) == 4
