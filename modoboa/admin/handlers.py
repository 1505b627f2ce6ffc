"""Receivers of core signals that concern mailboxes."""

from modoboa.lib import cryptutils
from modoboa.lib.middleware import get_current_request


def keep_password_for_mailbox_access(sender, username, password, **kwargs):
    """At login, keep the password (encrypted) in the session of a mailbox
    owner, for extensions that open the mailbox on the user's behalf.
    """
    request = get_current_request()
    if request is None or not password:
        return
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.mailbox_or_none is None:
        return
    cryptutils.store_password(request, password)
