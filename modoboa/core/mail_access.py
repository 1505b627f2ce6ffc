"""How the panel acts for a mailbox owner on the mail services.

Filters (ManageSieve), away messages, the webmail and IMAP migration log in
to Dovecot *as the user* without knowing the user's password: Dovecot has a
master user (a ``passdb`` with ``master = yes``) whose secret only the panel
knows. The panel logs in as ``<address><separator><master>`` with that
secret; Dovecot checks the secret, then opens the session of ``<address>``
(which must exist and be active in the ordinary passdb).

Nothing clear is stored in the database or the session: the secret is read
from the file named by ``MODOBOA_MAIL_MASTER_SECRET_FILE`` (readable by the
panel only), Dovecot holds its hash. The master login is accepted from
loopback only and for the protocols the panel uses (see
``modoboa/admin/contrib/dovecot/modoboa-master.conf`` and
``docs/mail_access.rst``).

Settings (with their defaults):

- ``MODOBOA_MAIL_MASTER_SECRET_FILE = None``: path of the secret file;
  unset, the panel cannot act for users (features say so);
- ``MODOBOA_MAIL_MASTER_USER = "modoboa"``: the master's name;
- ``MODOBOA_MAIL_MASTER_SEPARATOR = "*"``: Dovecot's
  ``auth_master_user_separator``.
"""

import os
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from .password_hashers import make_password

DEFAULT_MASTER_USER = "modoboa"
DEFAULT_SEPARATOR = "*"
LOOPBACK_NETS = "127.0.0.1/32,::1/128"


class MailAccessError(Exception):
    """The panel cannot act for this user on the mail services."""


class MailAccessNotConfigured(MailAccessError):
    """No master secret file is configured."""


class MasterSecretUnreadable(MailAccessError):
    """The configured secret file cannot be read or is empty."""


class NoMailbox(MailAccessError):
    """The account has no mailbox to act on."""


@dataclass(frozen=True)
class MailCredentials:
    """What to send to IMAP or ManageSieve to act for ``address``."""

    address: str
    login: str
    secret: str = field(repr=False)


def _master_user():
    name = getattr(settings, "MODOBOA_MAIL_MASTER_USER", None) or DEFAULT_MASTER_USER
    return name


def _separator():
    return getattr(settings, "MODOBOA_MAIL_MASTER_SEPARATOR", None) or DEFAULT_SEPARATOR


def read_master_secret():
    """Return the master secret, read from its file at each call (a rotated
    secret is used at once).
    """
    path = getattr(settings, "MODOBOA_MAIL_MASTER_SECRET_FILE", None)
    if not path:
        raise MailAccessNotConfigured(
            _(
                "The panel cannot act on the mail server for users: "
                "MODOBOA_MAIL_MASTER_SECRET_FILE is not set."
            )
        )
    try:
        with open(path, encoding="utf-8") as source:
            secret = source.readline().strip()
    except OSError as exc:
        raise MasterSecretUnreadable(
            _("The mail master secret file %(path)s cannot be read: %(error)s")
            % {"path": path, "error": exc.strerror or exc}
        ) from exc
    if not secret:
        raise MasterSecretUnreadable(
            _("The mail master secret file %(path)s is empty.") % {"path": path}
        )
    return secret


def _address_of(target):
    """``target`` is an address, a mailbox or an account."""
    if isinstance(target, str):
        address = target
    elif hasattr(target, "full_address"):
        address = target.full_address
    else:
        mailbox = getattr(target, "mailbox_or_none", None)
        if mailbox is None:
            raise NoMailbox(_("This account has no mailbox."))
        address = mailbox.full_address
    address = address.strip()
    separator = _separator()
    if (
        not address
        or "@" not in address
        or separator in address
        or any(char.isspace() or ord(char) < 32 for char in address)
    ):
        raise NoMailbox(_("%(address)s is not a mailbox address.") % {"address": address})
    return address


def credentials_for(target):
    """Return the credentials that open the mailbox ``target`` (an address,
    a Mailbox or a User with a mailbox) on Dovecot's IMAP and ManageSieve.
    """
    address = _address_of(target)
    return MailCredentials(
        address=address,
        login="%s%s%s" % (address, _separator(), _master_user()),
        secret=read_master_secret(),
    )


def generate_secret():
    """A new random master secret (URL-safe, 43 characters)."""
    return secrets.token_urlsafe(32)


def passwd_file_line(secret, user=None, allow_nets=LOOPBACK_NETS):
    """The line of Dovecot's master passwd-file for ``secret``: the name,
    its SHA512-CRYPT hash and the networks it may log in from.
    """
    user = user or _master_user()
    # The secret is random and long: the default 5000 rounds are enough, and
    # every panel login pays for them.
    hashed = make_password(secret, "sha512crypt", rounds=5000)
    return "%s:%s::::::allow_nets=%s\n" % (user, hashed, allow_nets)


def write_secret_file(path, secret):
    """Write ``secret`` to ``path``, readable by its owner only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as target:
        target.write(secret + "\n")
    os.chmod(path, 0o600)
