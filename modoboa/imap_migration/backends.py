"""1.10's flow: a user of the old platform logs in with the old address
and password. When the address belongs to a domain an email provider
serves and no local account has it yet, the old server checks the
credentials; the account (with that password), its mailbox in the mapped
local domain and a migration job are created.

Listed after Django's ``ModelBackend`` (the extension's settings add it),
so local accounts never reach it; it never vouches for an address that
already has a local account.
"""

import logging

from django.contrib.auth.backends import BaseBackend
from django.utils.translation import gettext as _

from modoboa.core.auth import LoginRefused
from modoboa.core.models import User
from modoboa.core.throttling import for_log
from modoboa.lib.authbackends import note_backend_error
from modoboa.lib.exceptions import ModoboaException

from . import imap, services
from .models import Migration

auth_logger = logging.getLogger("modoboa.auth")


class IMAPBackend(BaseBackend):
    """Accounts created at their first login against the old server."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not isinstance(username, str) or not isinstance(password, str) or not password:
            return None
        username = username.strip().lower()
        if "@" not in username or len(password) > services.MAX_PASSWORD_LENGTH:
            return None
        provider_domain = services.provider_domain_for(username)
        if provider_domain is None:
            return None
        if User.objects.filter(username=username).exists():
            return None  # a local account: ModelBackend's
        migration = Migration.objects.select_related("mailbox__user").filter(username=username)
        migration = migration.first()
        if migration is not None:
            # A migrated user who still types the old address: the local
            # account's own password decides.
            account = migration.mailbox.user
            if account.is_active and account.check_password(password):
                return account
            return None
        local = services._local_address(username, provider_domain, "")
        if User.objects.filter(username=local).exists():
            return None
        try:
            imap.check_old_credentials(provider_domain.provider, username, password)
        except imap.LoginRefused:
            return None
        except imap.Unreachable as exc:
            auth_logger.error("IMAP migration: %s", exc.message)
            note_backend_error(request, exc.message)
            return None
        try:
            account = services.create_login_migration(username, password, provider_domain)
        except ModoboaException as exc:
            auth_logger.warning(
                "IMAP migration: account '%s' could not be created: %s",
                for_log(username),
                exc.message,
            )
            raise LoginRefused(
                _("Your account could not be created: %s") % exc.message, status=403
            ) from None
        auth_logger.info("IMAP migration: account %s created from %s", local, for_log(username))
        return account

    def get_user(self, user_id):
        return User.objects.filter(pk=user_id, is_active=True).first()
