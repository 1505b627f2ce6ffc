"""Carry out the queued renames and removals of mail homes
(``manage.py handle_mailbox_operations``).

- Nothing happens unless ``handle_mailboxes`` is on.
- One run at a time: an exclusive lock on the pid file.
- Every path must lie inside ``mailboxes_storage_dir`` once its parent
  directories are resolved, and is never a symbolic link itself; the root
  itself is never touched.
- The file-system work is done as the mailboxes owner: directly when the
  command runs as that account, in a child process that drops root's
  privileges otherwise, so the directories it creates belong to it.
- A failed operation stays queued (retried by the next run) and is logged
  at CRITICAL in the admin log; a done one is logged and removed.

No shell and no external command is involved, except ``doveadm user`` to
learn the new home of a renamed mailbox.
"""

import errno
import fcntl
import logging
import os
import pwd
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field

from modoboa.parameters import tools as param_tools

from .lib import mail_home
from .models import MailboxOperation

logger = logging.getLogger("modoboa.admin")

DEFAULT_PIDFILE = "/tmp/handle_mailbox_operations.pid"  # noqa: S108 - upstream's path, opened safely


class OperationsError(Exception):
    """A configuration problem: no operation was attempted."""


class Busy(OperationsError):
    """Another run holds the lock."""


class OperationFailed(Exception):
    """One operation could not be carried out (it stays queued)."""


@dataclass
class Outcome:
    done: list = field(default_factory=list)  # descriptions
    failed: list = field(default_factory=list)  # (description, reason)
    dropped: list = field(default_factory=list)  # descriptions


def storage_root():
    """The real path of ``mailboxes_storage_dir``, checked."""
    value = param_tools.get_global_parameter("mailboxes_storage_dir", app="admin")
    if not value:
        raise OperationsError(
            "The mailboxes storage directory is not configured "
            "(Administration > Mailboxes storage directory)"
        )
    if not os.path.isabs(value):
        raise OperationsError("The mailboxes storage directory %s is not absolute" % value)
    root = os.path.realpath(value)
    if root == os.sep:
        raise OperationsError("The mailboxes storage directory cannot be /")
    if not os.path.isdir(root):
        raise OperationsError("The mailboxes storage directory %s does not exist" % value)
    return root


def mailboxes_owner():
    name = param_tools.get_global_parameter("mailboxes_owner", app="admin")
    try:
        return pwd.getpwnam(name)
    except KeyError:
        raise OperationsError("The mailboxes owner %r does not exist" % name) from None


def inside(path, root):
    """Return ``path`` with its parent directories resolved, if it lies
    strictly inside ``root`` and is not a symbolic link; else raise.
    """
    if not isinstance(path, str) or not path or "\x00" in path:
        raise OperationFailed("invalid path %r" % (path,))
    if not os.path.isabs(path):
        raise OperationFailed("%s is not an absolute path" % path)
    normalized = os.path.normpath(path)
    parent, name = os.path.split(normalized)
    if not name or name in (".", ".."):
        raise OperationFailed("invalid path %s" % path)
    resolved = os.path.join(os.path.realpath(parent), name)
    if not resolved.startswith(root + os.sep):
        raise OperationFailed("%s is outside the mailboxes storage directory %s" % (path, root))
    if os.path.islink(resolved):
        raise OperationFailed("%s is a symbolic link" % path)
    return resolved


# The file-system work, run as the mailboxes owner. Only what is imported
# already is used: a child process may no longer read the Python library.


def _move(source, destination):
    if not os.path.lexists(source):
        return "nothing to move: %s does not exist" % source
    if os.path.lexists(destination):
        if os.path.isdir(destination) and not os.path.islink(destination):
            try:
                os.rmdir(destination)  # an empty home Dovecot made meanwhile
            except OSError:
                raise OperationFailed("%s already exists and is not empty" % destination) from None
        else:
            raise OperationFailed("%s already exists" % destination)
    os.makedirs(os.path.dirname(destination), mode=0o700, exist_ok=True)
    try:
        os.rename(source, destination)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        shutil.move(source, destination)
    return "%s moved to %s" % (source, destination)


def _remove(path):
    if not os.path.lexists(path):
        return "nothing to remove: %s does not exist" % path
    if os.path.isdir(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)
    return "%s removed" % path


def as_owner(owner, function, *args):
    """Call ``function(*args)`` as ``owner``; return its result text or
    raise OperationFailed with the reason.
    """
    if os.geteuid() == owner.pw_uid:
        try:
            return function(*args)
        except OSError as exc:
            raise OperationFailed(_describe(exc)) from None
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child, measured through the parent
        status, text = 0, ""
        try:
            os.close(read_end)
            os.setgroups([owner.pw_gid])
            os.setgid(owner.pw_gid)
            os.setuid(owner.pw_uid)
            text = function(*args)
        except OperationFailed as exc:
            status, text = 1, str(exc)
        except OSError as exc:
            status, text = 1, _describe(exc)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            status, text = 1, "%s: %s" % (type(exc).__name__, exc)
        try:
            os.write(write_end, text.encode("utf-8", "replace")[:4000])
        finally:
            os._exit(status)
    os.close(write_end)
    chunks = []
    while True:
        chunk = os.read(read_end, 4096)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_end)
    _pid, status = os.waitpid(pid, 0)
    text = b"".join(chunks).decode("utf-8", "replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise OperationFailed(text or "the worker process failed")
    return text


def _describe(exc):
    if exc.filename:
        return "%s: %s" % (exc.strerror, exc.filename)
    return exc.strerror or str(exc)


@contextmanager
def single_instance(pidfile):
    """Hold an exclusive lock on ``pidfile`` (holding our pid) or raise Busy."""
    try:
        fd = os.open(pidfile, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise OperationsError(
            "Cannot open the pid file %s: %s" % (pidfile, exc.strerror)
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise Busy("Another handle_mailbox_operations run is in progress") from None
            raise
        os.ftruncate(fd, 0)
        os.write(fd, b"%d\n" % os.getpid())
        yield
    finally:
        os.close(fd)


def handle_operations(pidfile=DEFAULT_PIDFILE, progress=None):
    """Carry out every queued operation; return an :class:`Outcome`, or
    None when ``handle_mailboxes`` is off.
    """
    progress = progress or (lambda message: None)
    if not param_tools.get_global_parameter("handle_mailboxes", app="admin"):
        return None
    root = storage_root()
    owner = mailboxes_owner()
    if os.geteuid() not in (0, owner.pw_uid):
        raise OperationsError(
            "Run this command as root or as the mailboxes owner (%s)" % owner.pw_name
        )
    outcome = Outcome()
    with single_instance(pidfile):
        for operation in MailboxOperation.objects.select_related("mailbox__domain").order_by("pk"):
            description = "%s of %s" % (operation.type, operation.argument)
            try:
                if operation.type == "rename":
                    result = _rename(operation, root, owner)
                elif operation.type == "delete":
                    result = as_owner(owner, _remove, inside(operation.argument, root))
                else:
                    raise OperationFailed("unknown operation type %r" % operation.type)
            except OperationFailed as exc:
                logger.critical("Mailbox operation failed (%s): %s", description, exc)
                outcome.failed.append((description, str(exc)))
                progress("%s: failed: %s" % (description, exc))
                continue
            if result is None:
                outcome.dropped.append(description)
            else:
                logger.info("Mailbox operation succeeded: %s", result)
                outcome.done.append(result)
                progress(result)
            operation.delete()
    return outcome


def _rename(operation, root, owner):
    source = inside(operation.argument, root)
    mailbox = operation.mailbox
    if mailbox is None:
        # The mailbox was deleted before its home could be moved: whether
        # the directory had to be kept is unknown, so it stays.
        logger.warning(
            "Mailbox operation dropped (rename of %s): the mailbox no longer exists; "
            "the directory was left in place",
            operation.argument,
        )
        return None
    destination = mail_home(mailbox)
    if not destination:
        raise OperationFailed("Dovecot does not know the home of %s" % mailbox.full_address)
    destination = inside(destination, root)
    if destination == source:
        return "nothing to move: %s is already the home of %s" % (source, mailbox.full_address)
    return as_owner(owner, _move, source, destination)
