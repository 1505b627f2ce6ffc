"""Queueing of file-system work on mail homes (done by
``handle_mailbox_operations``).
"""

from modoboa.parameters import tools as param_tools

from ..lib import mail_home
from ..models import MailboxOperation


def handle_mailboxes():
    return param_tools.get_global_parameter("handle_mailboxes", app="admin")


def queue_rename(mailbox, old_home):
    """Queue the move of ``old_home`` to ``mailbox``'s new home."""
    if not handle_mailboxes() or not old_home:
        return None
    return MailboxOperation.objects.create(mailbox=mailbox, type="rename", argument=old_home)


def queue_delete(mailbox, home=None):
    """Queue the removal of ``mailbox``'s home."""
    if not handle_mailboxes():
        return None
    home = home or mail_home(mailbox)
    if not home:
        return None
    return MailboxOperation.objects.create(mailbox=None, type="delete", argument=home)


def current_home(mailbox):
    """The home of ``mailbox`` before a change (None when not handled)."""
    if not handle_mailboxes():
        return None
    return mail_home(mailbox)
