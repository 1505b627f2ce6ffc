"""The rules of the IMAP migration: providers, their domains, migration
jobs. The console, the API, the commands and the authentication backend
call these functions and nothing else writes.

Who may do what: email providers describe servers outside any tenant and
map domains across the platform, so only super administrators manage
them. A migration belongs to its local mailbox: an administrator who
reaches the mailbox's domain (reseller, domain administrator) creates,
watches, restarts and cancels its jobs.
"""

import base64
import csv
import fnmatch
import io

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from modoboa.admin.models import Domain, Mailbox
from modoboa.core import access, audit
from modoboa.core import constants as core_constants
from modoboa.lib import encryption
from modoboa.lib.exceptions import BadRequest, Conflict, NotFound, PermDeniedException

from .models import (
    CANCELLED,
    ENDED,
    PENDING,
    RUNNING,
    SECURITY_CHOICES,
    EmailProvider,
    EmailProviderDomain,
    Migration,
)

APP = "modoboa_imap_migration"
MAX_PASSWORD_LENGTH = 128
MAX_LINES = 5000


# Passwords ------------------------------------------------------------------


def _purpose(username):
    return "imap_migration:%s" % username


def encrypt_password(username, password):
    """The text stored in ``_password`` for ``password``."""
    blob = encryption.encrypt(password.encode("utf-8"), _purpose(username))
    return base64.b64encode(blob).decode("ascii")


def _fernet_of_110(secret_key):
    """The Fernet 1.10 encrypted with: its key is the first 32 characters of
    the instance's SECRET_KEY, in URL-safe base64. None when ``secret_key``
    cannot make one (unset, shorter than 32 bytes).
    """
    from cryptography.fernet import Fernet

    raw = (secret_key or "")[:32].encode("utf-8")
    if len(raw) != 32:
        return None
    return Fernet(base64.urlsafe_b64encode(raw))


def _keys_of_110():
    """The candidate SECRET_KEYs of the 1.10 instance: the documented
    ``MODOBOA_110_SECRET_KEY`` first, then this instance's own (a takeover
    that kept ``settings.py``).
    """
    from django.conf import settings

    keys = []
    for value in (getattr(settings, "MODOBOA_110_SECRET_KEY", ""), settings.SECRET_KEY):
        if isinstance(value, str) and value and value not in keys:
            keys.append(value)
    return keys


# How a Fernet token starts (version byte 0x80 and a timestamp, in base64).
FERNET_PREFIX = "gAAAAA"


def _is_110_token(value):
    return value.startswith(FERNET_PREFIX)


def _password_of_110(migration):
    """Decrypt a password 1.10 stored, and store it again under this
    release's scheme; raise BadRequest naming the migration when no key
    known here opens it.
    """
    from cryptography.fernet import InvalidToken

    token = migration._password.encode("ascii", "replace")
    for key in _keys_of_110():
        fernet = _fernet_of_110(key)
        if fernet is None:
            continue
        try:
            clear = fernet.decrypt(token).decode("utf-8")
        except (InvalidToken, UnicodeDecodeError):
            continue
        migration._password = encrypt_password(migration.username, clear)
        Migration.objects.filter(pk=migration.pk, _password=token.decode("ascii")).update(
            _password=migration._password
        )
        return clear
    raise BadRequest(
        _(
            "The password Modoboa 1.10 stored for the migration of %s cannot be "
            "decrypted with SECRET_KEY or MODOBOA_110_SECRET_KEY: restart the job "
            "with the password."
        )
        % migration.username
    )


def convert_110_passwords():
    """Re-encrypt every password 1.10 stored that a known key opens;
    return ``(converted, [error messages])``.
    """
    converted, errors = 0, []
    for migration in Migration.objects.filter(_password__startswith=FERNET_PREFIX):
        try:
            _password_of_110(migration)
        except BadRequest as exc:
            errors.append(exc.message)
        else:
            converted += 1
    return converted, errors


def old_password(migration):
    """The clear old password of ``migration``; raise BadRequest when none
    is stored or it cannot be decrypted. A password 1.10 stored (Fernet,
    under its SECRET_KEY) is read with the old key and stored again under
    this release's scheme.
    """
    if not migration._password:
        raise BadRequest(_("No old password is stored: restart the job with it."))
    if _is_110_token(migration._password):
        return _password_of_110(migration)
    try:
        blob = base64.b64decode(migration._password, validate=True)
        return encryption.decrypt(blob, _purpose(migration.username)).decode("utf-8")
    except (ValueError, encryption.DecryptionError):
        raise BadRequest(
            _("The stored old password cannot be decrypted: restart the job with it.")
        ) from None


def _clean_password(value, field="password"):
    if not isinstance(value, str) or not value:
        raise BadRequest(_("This field is required."), field=field)
    if len(value) > MAX_PASSWORD_LENGTH:
        raise BadRequest(
            _("Ensure this value has at most %d characters.") % MAX_PASSWORD_LENGTH, field=field
        )
    if any(ord(char) < 32 for char in value):
        raise BadRequest(_("The password contains control characters."), field=field)
    return value


# Permissions ----------------------------------------------------------------


def require_superadmin(user):
    if user is not None and not user.is_superuser:
        raise PermDeniedException(_("Only super administrators manage email providers"))


def _reaches_domain(user, domain):
    if user is None or user.is_superuser:
        return True
    if user.role not in core_constants.ADMIN_ROLES:
        return False
    return Domain.objects.filter(pk=domain.pk, pk__in=access.accessible_domain_ids(user)).exists()


def _reachable_mailboxes(user):
    """The mailboxes ``user`` administers: in its domains *and* of an
    account it reaches (not its reseller's, nor a wider administrator's).
    """
    return access.filter_for_admin(user, Mailbox.objects.all()).values("pk")


def _reaches_mailbox(user, mailbox):
    if user is None or user.is_superuser:
        return True
    if user.role not in core_constants.ADMIN_ROLES:
        return False
    return Mailbox.objects.filter(pk=mailbox.pk, pk__in=_reachable_mailboxes(user)).exists()


def migrations_for(user):
    """The migrations ``user`` reaches (through their mailbox)."""
    queryset = Migration.objects.select_related("provider", "mailbox__domain")
    if user.is_superuser:
        return queryset
    if not user.is_active or user.role not in core_constants.ADMIN_ROLES:
        return queryset.none()
    return queryset.filter(mailbox__in=_reachable_mailboxes(user))


def get_migration(user, pk):
    migration = migrations_for(user).filter(pk=pk).first()
    if migration is None:
        raise NotFound(_("No such migration"))
    return migration


# Providers ------------------------------------------------------------------


def _clean_provider(values, instance=None):
    name = (values.get("name") or "").strip()
    if not name:
        raise BadRequest(_("This field is required."), field="name")
    if len(name) > 50:
        raise BadRequest(_("Ensure this value has at most 50 characters."), field="name")
    others = EmailProvider.objects.filter(name=name)
    if instance is not None:
        others = others.exclude(pk=instance.pk)
    if others.exists():
        raise Conflict(_("A provider named %s already exists") % name, field="name")
    address = (values.get("address") or "").strip().lower()
    if not address or len(address) > 255 or any(c.isspace() or c in "/@" for c in address):
        raise BadRequest(_("Enter a host name or an IP address."), field="address")
    try:
        port = int(values.get("port", 143))
    except (TypeError, ValueError):
        port = 0
    if not 1 <= port <= 65535:
        raise BadRequest(_("Enter a port between 1 and 65535."), field="port")
    security = values.get("security") or "none"
    if security not in dict(SECURITY_CHOICES):
        raise BadRequest(_("Choose none, starttls or tls."), field="security")
    return {
        "name": name,
        "address": address,
        "port": port,
        "security": security,
        "verify_certificate": bool(values.get("verify_certificate", True)),
    }


def parse_domains(text):
    """``[(old domain, local domain or "")]`` from one line per domain."""
    from modoboa.admin.services.common import clean_domain_name

    result = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) > 2:
            raise BadRequest(
                _("Line %d: a domain, optionally followed by a local domain") % number,
                field="domains",
            )
        try:
            names = [clean_domain_name(part, field="domains") for part in parts]
        except BadRequest as exc:
            raise BadRequest(
                _("Line %(n)d: %(e)s") % {"n": number, "e": exc.message}, field="domains"
            ) from None
        result.append((names[0], names[1] if len(names) > 1 else ""))
    return result


def _set_domains(provider, domains):
    """Replace the domains of ``provider`` with ``domains``."""
    seen = set()
    rows = []
    for name, local in domains:
        if name in seen:
            raise BadRequest(_("Domain %s is listed twice") % name, field="domains")
        seen.add(name)
        if len(name) > 253:
            raise BadRequest(_("Domain name too long: %s") % name, field="domains")
        taken = EmailProviderDomain.objects.filter(name=name).exclude(provider=provider)
        if taken.exists():
            raise Conflict(
                _("Domain %s is already served by another provider") % name, field="domains"
            )
        new_domain = None
        if local:
            new_domain = Domain.objects.filter(name=local).first()
            if new_domain is None:
                raise BadRequest(_("Local domain %s does not exist") % local, field="domains")
        rows.append((name, new_domain))
    EmailProviderDomain.objects.filter(provider=provider).exclude(name__in=seen).delete()
    for name, new_domain in rows:
        EmailProviderDomain.objects.update_or_create(
            name=name, defaults={"provider": provider, "new_domain": new_domain}
        )


@transaction.atomic
def create_provider(*, acting_user, domains=(), **values):
    require_superadmin(acting_user)
    provider = EmailProvider(**_clean_provider(values))
    provider.save()
    _set_domains(provider, domains)
    audit.log_created(provider, acting_user)
    return provider


@transaction.atomic
def update_provider(provider, *, acting_user, domains=None, **values):
    require_superadmin(acting_user)
    current = {
        "name": provider.name,
        "address": provider.address,
        "port": provider.port,
        "security": provider.security,
        "verify_certificate": provider.verify_certificate,
    }
    current.update(values)
    for field, value in _clean_provider(current, provider).items():
        setattr(provider, field, value)
    provider.save()
    if domains is not None:
        _set_domains(provider, domains)
    audit.log_modified(provider, acting_user)
    return provider


@transaction.atomic
def delete_provider(provider, *, acting_user):
    require_superadmin(acting_user)
    if provider.migrations.filter(status__in=(PENDING, RUNNING)).exists():
        raise Conflict(_("This provider has migrations in progress: cancel them first"))
    audit.log_deleted(provider, acting_user)
    provider.delete()


def provider_domain_for(address):
    """The EmailProviderDomain serving ``address`` (an old login), or None."""
    _local, _sep, domain = (address or "").strip().lower().rpartition("@")
    if not domain:
        return None
    return (
        EmailProviderDomain.objects.select_related("provider", "new_domain")
        .filter(name=domain)
        .first()
    )


# Folder filters ---------------------------------------------------------------


def clean_patterns(text, field):
    """Folder patterns, one per line (shell-style, never evaluated)."""
    if text is None:
        return ""
    if not isinstance(text, str):
        raise BadRequest(_("Enter one folder name or pattern per line."), field=field)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if len(line) > 255 or any(ord(char) < 32 for char in line):
            raise BadRequest(_("Invalid folder pattern: %s") % line[:40], field=field)
    return "\n".join(lines)


def folder_selected(name, include, exclude):
    """Tell whether the folder ``name`` is copied, given the patterns."""
    includes = [p for p in include.splitlines() if p]
    excludes = [p for p in exclude.splitlines() if p]
    if includes and not any(fnmatch.fnmatchcase(name, p) for p in includes):
        return False
    return not any(fnmatch.fnmatchcase(name, p) for p in excludes)


# Migrations -------------------------------------------------------------------


def parse_accounts(text, field="accounts"):
    """``[(line number, old address, old password, local address)]`` from
    CSV lines ``old address, old password[, local address]``.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadRequest(_("The file is not UTF-8 text."), field=field) from None
    lines = (text or "").splitlines()
    if len(lines) > MAX_LINES:
        raise BadRequest(_("At most %d lines at once.") % MAX_LINES, field=field)
    entries = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        delimiter = ";" if line.count(";") > line.count(",") else ","
        try:
            cells = next(csv.reader(io.StringIO(line), delimiter=delimiter))
        except csv.Error as exc:
            raise BadRequest(
                _("Line %(n)d: %(e)s") % {"n": number, "e": exc}, field=field
            ) from None
        cells = [cell.strip() for cell in cells]
        if len(cells) not in (2, 3) or not cells[0] or not cells[1]:
            raise BadRequest(
                _("Line %d: expected old address, old password[, local address]") % number,
                field=field,
            )
        entries.append((number, cells[0], cells[1], cells[2] if len(cells) == 3 else ""))
    if not entries:
        raise BadRequest(_("Give at least one account."), field=field)
    return entries


def _line_error(number, exc):
    prefix = _("Line %d: ") % number if number else ""
    return type(exc)(prefix + exc.message, field=exc.field)


def _local_address(old_address, provider_domain, local_address):
    local_part = old_address.rpartition("@")[0]
    address = (local_address or "%s@%s" % (local_part, provider_domain.local_domain_name)).lower()
    return address


def _mailbox_for(address):
    local, _sep, domain = address.partition("@")
    return (
        Mailbox.objects.select_related("user", "domain")
        .filter(address=local, domain__name=domain)
        .first()
    )


def _create_local_account(address, password, acting_user):
    """The account and mailbox ``address`` with the old password (1.10
    gave migrated users the password they typed).
    """
    from modoboa.admin.services import create_account

    account = create_account(
        acting_user=acting_user,
        username=address,
        password=password,
        validate_password=False,
        role=core_constants.SIMPLEUSERS,
        mailbox={"address": address},
    )
    if acting_user is None:
        # Created at a login: it belongs to the first super administrator,
        # as accounts made by the other authentication backends.
        from modoboa.core.models import User

        owner = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if owner is not None:
            access.grant_access(account, owner, is_owner=True)
    return account.mailbox


def _add_one(acting_user, number, old_address, password, local_address, include, exclude):
    from modoboa.admin.services.common import clean_email

    try:
        old_address = clean_email(old_address, field="username")
        password = _clean_password(password)
        provider_domain = provider_domain_for(old_address)
        if provider_domain is None:
            raise BadRequest(
                _("No email provider serves the domain of %s") % old_address, field="username"
            )
        address = clean_email(
            _local_address(old_address, provider_domain, local_address), field="local_address"
        )
        mailbox = _mailbox_for(address)
        if mailbox is None:
            domain = Domain.objects.filter(name=address.partition("@")[2]).first()
            if domain is None or not _reaches_domain(acting_user, domain):
                raise BadRequest(
                    _("Local domain %s does not exist or is out of your reach")
                    % address.partition("@")[2],
                    field="local_address",
                )
            mailbox = _create_local_account(address, password, acting_user)
        elif not _reaches_mailbox(acting_user, mailbox):
            raise PermDeniedException(
                _("Mailbox %s is out of your reach") % address, field="local_address"
            )
        existing = Migration.objects.filter(username=old_address).first()
        if existing is not None:
            if existing.status not in ENDED:
                raise Conflict(
                    _("%s already has a job in progress") % old_address, field="username"
                )
            if existing.mailbox_id != mailbox.pk:
                raise Conflict(
                    _("%s was migrated to another mailbox") % old_address, field="username"
                )
            _reset(existing, password, include, exclude)
            existing.provider = provider_domain.provider
            existing.save()
            return existing
        migration = Migration(
            provider=provider_domain.provider,
            mailbox=mailbox,
            username=old_address,
            created_by=acting_user,
            include_folders=include,
            exclude_folders=exclude,
        )
        migration._password = encrypt_password(old_address, password)
        migration.save()
        return migration
    except (BadRequest, Conflict, PermDeniedException) as exc:
        raise _line_error(number, exc) from None


def _reset(migration, password, include=None, exclude=None):
    migration._password = encrypt_password(migration.username, password)
    migration.status = PENDING
    migration.cancel_requested = False
    migration.last_error = ""
    migration.started = migration.finished = migration.heartbeat = None
    migration.folders_total = migration.folders_done = migration.folders_failed = 0
    migration.messages_total = migration.messages_done = migration.messages_copied = 0
    if include is not None:
        migration.include_folders = include
    if exclude is not None:
        migration.exclude_folders = exclude


def _require_admin(acting_user):
    if acting_user is not None and (
        not acting_user.is_active or acting_user.role not in core_constants.ADMIN_ROLES
    ):
        raise PermDeniedException(_("You are not allowed to do this"))


@transaction.atomic
def create_migrations(*, acting_user, entries, include_folders="", exclude_folders=""):
    """Create (or restart) one job per entry of :func:`parse_accounts`.

    All or nothing: the first bad line raises BadRequest naming it and no
    job, account or mailbox is left.
    """
    _require_admin(acting_user)
    include = clean_patterns(include_folders, "include_folders")
    exclude = clean_patterns(exclude_folders, "exclude_folders")
    seen = set()
    created = []
    for number, old_address, password, local_address in entries:
        key = old_address.strip().lower()
        if key in seen:
            raise BadRequest(_("Line %(n)d: %(a)s is listed twice") % {"n": number, "a": key})
        seen.add(key)
        created.append(
            _add_one(acting_user, number, old_address, password, local_address, include, exclude)
        )
    audit.log_message(
        "%d IMAP migration job(s) added by %s", len(created), audit.actor_label(acting_user)
    )
    return created


@transaction.atomic
def restart_migration(migration, *, acting_user, password):
    """Queue an ended job again, with the old password typed again; only
    what is new on the old server is copied.
    """
    _require_admin(acting_user)
    migration = Migration.objects.select_for_update().get(pk=migration.pk)
    if not _reaches_mailbox(acting_user, migration.mailbox):
        raise PermDeniedException(_("Mailbox %s is out of your reach") % migration.mailbox)
    if migration.status not in ENDED:
        raise Conflict(_("This job is not finished"))
    if migration.provider_id is None:
        raise BadRequest(_("This migration has no email provider"))
    _reset(migration, _clean_password(password))
    migration.save()
    audit.log_message(
        "IMAP migration of %s restarted by %s", migration, audit.actor_label(acting_user)
    )
    return migration


@transaction.atomic
def cancel_migration(migration, *, acting_user):
    """Cancel a job: a pending one at once (its password erased), a
    running one at the next batch of messages.
    """
    _require_admin(acting_user)
    migration = Migration.objects.select_for_update().get(pk=migration.pk)
    if not _reaches_mailbox(acting_user, migration.mailbox):
        raise PermDeniedException(_("Mailbox %s is out of your reach") % migration.mailbox)
    if migration.status in ENDED:
        raise Conflict(_("This job is already finished"))
    if migration.status == PENDING:
        migration.status = CANCELLED
        migration.finished = timezone.now()
        migration._password = ""
    migration.cancel_requested = True
    migration.save()
    audit.log_message(
        "IMAP migration of %s cancelled by %s", migration, audit.actor_label(acting_user)
    )
    return migration


@transaction.atomic
def delete_migration(migration, *, acting_user):
    """Forget an ended job (the copied mail stays)."""
    _require_admin(acting_user)
    if not _reaches_mailbox(acting_user, migration.mailbox):
        raise PermDeniedException(_("Mailbox %s is out of your reach") % migration.mailbox)
    if migration.status not in ENDED:
        raise Conflict(_("Cancel the job first"))
    audit.log_message(
        "IMAP migration of %s deleted by %s", migration, audit.actor_label(acting_user)
    )
    migration.delete()


@transaction.atomic
def create_login_migration(old_address, password, provider_domain):
    """1.10's flow: the first login of ``old_address`` was accepted by the
    old server; create the local account (with the typed password), its
    mailbox and a pending job. Return the account.
    """
    address = _local_address(old_address, provider_domain, "")
    if Domain.objects.filter(name=address.partition("@")[2]).first() is None:
        raise BadRequest(
            _("Local domain %s does not exist") % address.partition("@")[2], field="username"
        )
    mailbox = _create_local_account(address, password, None)
    migration = Migration(provider=provider_domain.provider, mailbox=mailbox, username=old_address)
    migration._password = encrypt_password(old_address, password)
    migration.save()
    audit.log_message("IMAP migration of %s recorded at its first login", old_address)
    return mailbox.user
