"""DKIM keys of the hosted domains, made by ``modo manage_dkim_keys``.

For each domain with DKIM enabled and no key yet, an RSA key of the domain's
length (else the ``dkim_default_key_length`` parameter) is made with the
``cryptography`` library. The private key (PEM) goes into
``dkim_keys_storage_dir``, readable by its owner only, as
``<domain>.pem``; the public key (base64 DER, the ``p=`` of the DNS record)
and the key's path go into the domain row. OpenDKIM reads both through the
``dkim`` view.

Safe to run every minute, and twice at once: a lock in the storage directory
lets one run work at a time, and a domain row is only filled while it still
has no key. A key file is written under a temporary name and renamed into
place, so OpenDKIM never reads half a key.
"""

import base64
import errno
import fcntl
import logging
import os
from contextlib import contextmanager

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from modoboa.lib import safe_files, validators
from modoboa.parameters import tools as param_tools

from . import signals
from .models import Domain

logger = logging.getLogger("modoboa.admin")

KEY_LENGTHS = (1024, 2048, 4096)
LOCK_FILENAME = ".manage_dkim_keys.lock"


class DKIMError(Exception):
    """A problem the postmaster must fix before keys can be made."""


class Busy(DKIMError):
    """Another run holds the lock."""


def storage_directory():
    """Return the real path of the configured storage directory, checked."""
    return check_storage_directory(
        param_tools.get_global_parameter("dkim_keys_storage_dir", app="admin")
    )


def check_storage_directory(value):
    """Return the real path of ``value`` if keys can be written there."""
    if not value:
        raise DKIMError("The DKIM keys storage directory is not configured")
    if not os.path.isabs(value):
        raise DKIMError("The DKIM keys storage directory %s is not an absolute path" % value)
    if not os.path.isdir(value):
        raise DKIMError("The DKIM keys storage directory %s does not exist" % value)
    if not os.access(value, os.W_OK | os.X_OK):
        raise DKIMError("The DKIM keys storage directory %s is not writable" % value)
    return os.path.realpath(value)


def key_path(storage, domain_name):
    """The path of ``domain_name``'s private key, inside ``storage``.

    The name is a validated domain name, so it holds no "/" and no "..";
    the resolved path is checked anyway.
    """
    try:
        validators.validate_domain_name(domain_name)
    except ValidationError:
        raise DKIMError("%r is not a valid domain name" % domain_name) from None
    if domain_name != domain_name.lower():
        raise DKIMError("%r is not a lower-case domain name" % domain_name)
    path = os.path.normpath(os.path.join(storage, "%s.pem" % domain_name))
    if os.path.dirname(path) != storage:
        raise DKIMError("The key of %s would be outside %s" % (domain_name, storage))
    # An existing symbolic link at that place is replaced, never followed.
    return path


def key_length(domain):
    length = domain.dkim_key_length or param_tools.get_global_parameter(
        "dkim_default_key_length", app="admin"
    )
    try:
        length = int(length)
    except (TypeError, ValueError):
        length = None
    if length not in KEY_LENGTHS:
        raise DKIMError("Invalid DKIM key length for %s: %r" % (domain.name, length))
    return length


def make_key(length):
    """Return ``(private key PEM, public key as base64 DER)``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=length)
    private_pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.TraditionalOpenSSL,
        encryption_algorithm=serialization.NoEncryption(),
    )
    public_der = key.public_key().public_bytes(
        encoding=serialization.Encoding.DER,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    )
    return private_pem, base64.b64encode(public_der).decode()


def write_temporary(directory, name, data):
    """Write ``data`` into a new file of ``directory`` readable by its owner
    only; return its path.
    """
    old_umask = os.umask(0o077)
    try:
        for attempt in range(100):
            path = os.path.join(directory, ".%s.%d.%d.tmp" % (name, os.getpid(), attempt))
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            except FileExistsError:
                continue
            break
        else:
            raise DKIMError("Cannot create a temporary file in %s" % directory)
    finally:
        os.umask(old_umask)
    return safe_files.fill_new_file(fd, path, data, prepare=lambda fd: os.fchmod(fd, 0o600))


@contextmanager
def run_lock(storage):
    """Hold the lock of the storage directory, or raise Busy."""
    path = os.path.join(storage, LOCK_FILENAME)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise DKIMError("Cannot open the lock file %s: %s" % (path, exc.strerror)) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise Busy("Another manage_dkim_keys run is in progress") from None
            raise
        yield
    finally:
        os.close(fd)


def pending_domains():
    """Domains with DKIM enabled and no key yet."""
    return Domain.objects.filter(enable_dkim=True, dkim_private_key_path="").order_by("name")


def _lock_row(pk):
    """Lock and return the domain row if it still waits for a key."""
    rows = Domain.objects.filter(pk=pk, enable_dkim=True, dkim_private_key_path="")
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    elif connection.features.has_select_for_update:
        rows = rows.select_for_update()
    return rows.first()


def generate_missing_keys(progress=None):
    """Make the keys of every domain waiting for one.

    Return ``(domains done, errors)``; errors are ``(domain name,
    message)`` of domains skipped. Raise DKIMError (nothing written) when
    the storage directory is unusable, Busy when another run works.
    """
    progress = progress or (lambda message: None)
    pending = list(pending_domains().values_list("pk", "name"))
    if not pending:
        return [], []
    storage = storage_directory()
    done = []
    errors = []
    with run_lock(storage):
        total = len(pending)
        for index, (pk, name) in enumerate(pending, start=1):
            try:
                domain = _make_domain_key(storage, pk, name, index, total, progress)
            except DKIMError as exc:
                errors.append((name, str(exc)))
                continue
            if domain is not None:
                done.append(domain)
    if done:
        signals.new_dkim_keys.send(sender=Domain, domains=done)
    return done, errors


def _make_domain_key(storage, pk, name, index, total, progress):
    path = key_path(storage, name)
    domain = Domain.objects.filter(pk=pk).first()
    if domain is None:
        return None
    length = key_length(domain)
    progress("Generating a %d-bit key for %s (%d/%d)" % (length, name, index, total))
    private_pem, public_key = make_key(length)
    try:
        temporary = write_temporary(storage, os.path.basename(path), private_pem)
    except OSError as exc:
        raise DKIMError("Cannot write the key of %s: %s" % (name, exc.strerror)) from None
    try:
        with transaction.atomic():
            row = _lock_row(pk)
            if row is None or row.name != name:
                # Done by someone else meanwhile, or changed: nothing to do.
                safe_files.remove_quietly(temporary)
                return None
            os.replace(temporary, path)
            Domain.objects.filter(pk=pk).update(
                dkim_private_key_path=path, dkim_public_key=public_key
            )
            row.dkim_private_key_path = path
            row.dkim_public_key = public_key
    except BaseException:
        safe_files.remove_quietly(temporary)
        raise
    logger.info("DKIM key (%d bits) generated for domain %s", length, name)
    return row
