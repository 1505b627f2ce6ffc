"""What the credentials documents do when accounts change."""

import logging

from django.db import transaction

from modoboa.lib.exceptions import ModoboaException
from modoboa.lib.middleware import get_current_request

from . import services

logger = logging.getLogger("modoboa.admin")


def _changed_by_someone_else(account):
    request = get_current_request()
    user = getattr(request, "user", None)
    # No request: an import or a command run by an administrator.
    return user is None or not user.is_authenticated or user.pk != account.pk


def password_updated(sender, account, password, created, **kwargs):
    """A new account, or a password set by an administrator: a new document
    once the change is committed (never for a rolled-back one).
    """
    params = services._params()
    if created:
        wanted = params["generate_at_creation"]
    else:
        wanted = params["generate_on_password_change"] and _changed_by_someone_else(account)
    if not wanted:
        return

    def generate():
        # Checked now: the role of a new account is set after its password.
        if account.is_superuser:
            return
        try:
            services.generate_document(account, password)
        except ModoboaException as exc:
            # The account exists all the same: say why it has no document.
            logger.error("%s: %s", account.username, exc)

    transaction.on_commit(generate)


def account_deleted(sender, user, **kwargs):
    """The document goes with the account (once the deletion is committed)."""
    path = services.document_path(user)
    transaction.on_commit(lambda: services.remove_document_file(path))


def account_widget(sender, user, account, **kwargs):
    """The download box on the account's page, for those who may take it."""
    if account.is_superuser or not services.can_download(user, account):
        return []
    return [
        {
            "template": "pdfcredentials/_account_widget.html",
            "context": {"account": account, "available": services.has_document(account)},
        }
    ]
