"""Queueing of file-system work on mail homes (done by
``handle_mailbox_operations``).

When ``handle_mailboxes`` is on, the home of a mailbox is asked from
Dovecot before it changes; if Dovecot cannot tell, the change is refused
(as upstream did) rather than leaving a mail home behind.
"""

from django.utils.translation import gettext as _

from modoboa.lib.exceptions import InternalError
from modoboa.parameters import tools as param_tools

from ..lib import mail_home
from ..models import MailboxOperation


def handle_mailboxes():
    return param_tools.get_global_parameter("handle_mailboxes", app="admin")


def _home(mailbox):
    home = mail_home(mailbox)
    if not home:
        raise InternalError(
            _("Failed to retrieve the location of mailbox %s from Dovecot") % mailbox.full_address
        )
    return home


def queue_rename(mailbox, old_home):
    """Queue the move of ``old_home`` to ``mailbox``'s new home."""
    if not handle_mailboxes() or not old_home:
        return None
    return MailboxOperation.objects.create(mailbox=mailbox, type="rename", argument=old_home)


def queue_delete(mailbox, home=None):
    """Queue the removal of ``mailbox``'s home."""
    if not handle_mailboxes():
        return None
    home = home or _home(mailbox)
    return MailboxOperation.objects.create(mailbox=None, type="delete", argument=home)


def current_home(mailbox):
    """The home of ``mailbox`` before a change (None when not handled)."""
    if not handle_mailboxes():
        return None
    return _home(mailbox)
