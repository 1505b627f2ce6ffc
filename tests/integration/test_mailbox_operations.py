"""``handle_mailbox_operations`` renames, then deletes, a maildir the real
Dovecot (SQL userdb of the run's engine) created by delivering mail.
"""

import os

import pytest
from django.core.management import call_command

from modoboa.admin import services
from modoboa.admin.models import MailboxOperation
from modoboa.parameters import tools as param_tools

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "Toto1234!"
MESSAGE = b"From: someone@outside.test\r\nSubject: kept\r\n\r\nKeep me.\r\n"


@pytest.fixture
def handled(dovecot, mailboxes_owner, settings, tmp_path):
    settings.DOVECOT_CONFIG = str(dovecot.config)
    param_tools.set_global_parameter("handle_mailboxes", True, app="admin")
    param_tools.set_global_parameter(
        "mailboxes_storage_dir", str(dovecot.mailboxes_root), app="admin"
    )
    param_tools.set_global_parameter("mailboxes_owner", mailboxes_owner[0], app="admin")
    return str(tmp_path / "handle.pid")


def test_a_maildir_dovecot_made_is_renamed_then_deleted(
    dovecot, postfix_maps, handled, make_domain, make_account, superadmin, mailboxes_owner
):
    make_domain("ops.test")
    make_domain("moved.test")
    account = make_account("alice@ops.test")
    dovecot.lmtp(["alice@ops.test"], MESSAGE)
    old_home = dovecot.home("alice@ops.test")
    assert (old_home / "Maildir").is_dir()
    assert os.stat(old_home).st_uid == mailboxes_owner[1]

    services.rename_mailbox(account.mailbox, "bob@moved.test", acting_user=superadmin)
    operation = MailboxOperation.objects.get()
    assert (operation.type, operation.argument) == ("rename", str(old_home))
    # Until the move is done, Postfix answers "try later" for the address.
    assert postfix_maps.query("sql-maintain.cf", "bob@moved.test").startswith("450 ")

    call_command("handle_mailbox_operations", "--pidfile", handled)
    new_home = dovecot.home("bob@moved.test")
    assert not old_home.exists()
    assert os.stat(new_home.parent).st_uid == mailboxes_owner[1]
    assert MailboxOperation.objects.count() == 0
    assert postfix_maps.query("sql-maintain.cf", "bob@moved.test") is None
    # Dovecot finds the mail at the new address.
    assert dovecot.imap_login("bob@moved.test", PASSWORD) == 1
    assert b"Keep me." in dovecot.messages("bob@moved.test")[0]

    services.delete_account(account, acting_user=superadmin)
    assert MailboxOperation.objects.get().argument == str(new_home)
    call_command("handle_mailbox_operations", "--pidfile", handled)
    assert not new_home.exists()
    assert MailboxOperation.objects.count() == 0
    assert dovecot.mailboxes_root.is_dir()


def test_a_mail_home_outside_the_storage_directory_is_left_alone(
    dovecot, handled, make_domain, make_account, superadmin, tmp_path
):
    make_domain("ops.test")
    make_account("alice@ops.test")
    dovecot.lmtp(["alice@ops.test"], MESSAGE)
    elsewhere = dovecot.mailboxes_root.parent / "elsewhere"
    param_tools.set_global_parameter("mailboxes_storage_dir", str(elsewhere), app="admin")
    elsewhere.mkdir()
    try:
        MailboxOperation.objects.create(
            mailbox=None, type="delete", argument=str(dovecot.home("alice@ops.test"))
        )
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="retried"):
            call_command("handle_mailbox_operations", "--pidfile", handled)
        assert (dovecot.home("alice@ops.test") / "Maildir").is_dir()
        assert MailboxOperation.objects.count() == 1
    finally:
        elsewhere.rmdir()
