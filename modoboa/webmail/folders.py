"""The user's folders: tree with counters, quota, create, rename, delete,
empty, compress. Every function takes an open client (imap.open_mailbox).
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from imapclient import exceptions as imap_exceptions

from . import imap

MAX_NAME_LENGTH = 200

#: Seconds the pages reuse a mailbox's folder tree, counters and quota
#: (see sidebar), unless MODOBOA_WEBMAIL_KEEP_COUNTERS_SECONDS says.
SIDEBAR_TTL = 60


def _sidebar_ttl():
    return int(getattr(settings, "MODOBOA_WEBMAIL_KEEP_COUNTERS_SECONDS", SIDEBAR_TTL))


class FolderError(imap.WebmailError):
    """A folder operation the user asked is refused (bad name, protected
    folder...).
    """


@dataclass
class Folder:
    name: str
    label: str
    depth: int
    delimiter: str
    selectable: bool
    special: str = ""
    total: int = 0
    unseen: int = 0

    @property
    def indent(self):
        return min(self.depth, 5)

    def as_dict(self):
        return {
            "name": self.name,
            "label": self.label,
            "depth": self.depth,
            "special": self.special,
            "selectable": self.selectable,
            "total": self.total,
            "unseen": self.unseen,
        }


def _sort_key(name, specials):
    order = {"sent": 1, "drafts": 2, "junk": 3, "trash": 4}
    if name.upper() == "INBOX":
        return (0, "")
    for kind, special in specials.items():
        if special == name:
            return (order[kind], "")
    return (10, name.lower())


def folder_tree(client, user, counters=True, listed=None, specials=None):
    """The folders, parents before children, INBOX and the special folders
    first; with the message and unseen counts when ``counters``.
    """
    if listed is None:
        listed = imap.list_folders(client)
    if specials is None:
        specials = imap.special_folders(client, user, listed)
    result = []
    for flags, delimiter, name in listed:
        lowered = {flag.lower() if isinstance(flag, bytes) else flag for flag in flags}
        selectable = b"\\noselect" not in lowered and b"\\nonexistent" not in lowered
        parts = name.split(delimiter) if delimiter else [name]
        special = next((kind for kind, value in specials.items() if value == name), "")
        if name.upper() == "INBOX":
            special = "inbox"
        result.append(
            Folder(
                name=name,
                label=parts[-1],
                depth=len(parts) - 1,
                delimiter=delimiter or "",
                selectable=selectable,
                special=special,
            )
        )

    def path_key(folder):
        parts = folder.name.split(folder.delimiter) if folder.delimiter else [folder.name]
        keys = []
        for index in range(len(parts)):
            prefix = (folder.delimiter or "").join(parts[: index + 1])
            keys.append(_sort_key(prefix, specials))
        return keys

    result.sort(key=path_key)
    if counters:
        for folder in result:
            if not folder.selectable:
                continue
            try:
                status = client.folder_status(folder.name, [b"MESSAGES", b"UNSEEN"])
            except imap_exceptions.IMAPClientAbortError:
                raise
            except imap_exceptions.IMAPClientError:
                continue
            folder.total = int(status.get(b"MESSAGES", 0))
            folder.unseen = int(status.get(b"UNSEEN", 0))
    return result


@dataclass
class Sidebar:
    """What every page of the webmail shows around its content."""

    folders: list
    quota: dict | None
    specials: dict


def _sidebar_key(user):
    # The address too: a number freed by a deleted account may come back.
    address = hashlib.sha256(str(user.email).encode()).hexdigest()[:16]
    return "modoboa.webmail.sidebar.%s.%s" % (user.pk, address)


def sidebar(client, user, fresh=False):
    """The folder tree with its counters, the quota and the special
    folders of ``user``'s mailbox.

    A page asks the server (a LIST, a STATUS per folder, GETQUOTAROOT) at
    most once in SIDEBAR_TTL seconds: the result is kept in Django's cache,
    and forgotten (forget_sidebar) whenever the webmail changes the
    mailbox; mail arriving meanwhile shows at the next periodic refresh
    (``fresh``: ask the server, and keep the answer).
    """
    key = _sidebar_key(user)
    ttl = _sidebar_ttl()
    if not fresh and ttl > 0:
        kept = cache.get(key)
        if kept is not None:
            return kept
    listed = imap.list_folders(client)
    specials = imap.special_folders(client, user, listed)
    result = Sidebar(
        folders=folder_tree(client, user, listed=listed, specials=specials),
        quota=quota(client),
        specials=specials,
    )
    if ttl > 0:
        cache.set(key, result, ttl)
    return result


def forget_sidebar(user):
    """Forget ``user``'s kept sidebar (its mailbox changed)."""
    cache.delete(_sidebar_key(user))


def quota(client):
    """``{"usage": KB, "limit": KB, "percent": int}`` of the mailbox's
    storage, or None when the server sets no limit.
    """
    if not client.has_capability("QUOTA"):
        return None
    try:
        _roots, quotas = client.get_quota_root("INBOX")
    except imap_exceptions.IMAPClientAbortError:
        raise
    except imap_exceptions.IMAPClientError:
        return None
    for item in quotas:
        resource = item.resource
        if isinstance(resource, bytes):
            resource = resource.decode("ascii", "replace")
        if resource.upper() == "STORAGE" and item.limit:
            percent = min(100, int(item.usage * 100 / item.limit))
            return {
                "usage": item.usage,
                "limit": item.limit,
                "usage_bytes": item.usage * 1024,
                "limit_bytes": item.limit * 1024,
                "percent": percent,
            }
    return None


def delimiter_of(client):
    for _flags, delimiter, _name in imap.list_folders(client):
        if delimiter:
            return delimiter
    return "."


def check_name(name, delimiter):
    """A folder's own name (not its path): clean or FolderError."""
    name = (name or "").strip()
    if not name:
        raise FolderError(_("Enter a folder name."))
    if len(name) > MAX_NAME_LENGTH:
        raise FolderError(_("A folder name has at most %d characters.") % MAX_NAME_LENGTH)
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        raise FolderError(_("A folder name cannot hold control characters."))
    if delimiter and delimiter in name:
        raise FolderError(
            _("A folder name cannot hold the character %s (it separates sub-folders).") % delimiter
        )
    if name.upper() == "INBOX" or name in ("*", "%"):
        raise FolderError(_("%s is a reserved name.") % name)
    return name


def _existing(client, name):
    if not name or not client.folder_exists(name):
        raise imap.FolderNotFound(_("The folder %s does not exist.") % name)
    return name


def _protected(client, user, name):
    if name.upper() == "INBOX":
        return True
    return name in imap.special_folders(client, user).values()


def create_folder(client, name, parent=""):
    """Create ``parent/name`` (``parent`` empty: at the top); return its
    full name.
    """
    delimiter = delimiter_of(client)
    name = check_name(name, delimiter)
    full = name
    if parent:
        _existing(client, parent)
        full = parent + delimiter + name
    if client.folder_exists(full):
        raise FolderError(_("The folder %s already exists.") % full)
    client.create_folder(full)
    try:
        client.subscribe_folder(full)
    except imap_exceptions.IMAPClientAbortError:
        raise
    except imap_exceptions.IMAPClientError:
        pass
    return full


def rename_folder(client, user, old, new_name):
    """Give the folder ``old`` the name ``new_name`` (under the same
    parent); return the new full name.
    """
    imap.forget_selection(client)
    _existing(client, old)
    if _protected(client, user, old):
        raise FolderError(_("The folder %s cannot be renamed.") % old)
    delimiter = delimiter_of(client)
    new_name = check_name(new_name, delimiter)
    parent = old.rsplit(delimiter, 1)[0] if delimiter in old else ""
    full = parent + delimiter + new_name if parent else new_name
    if full == old:
        return full
    if client.folder_exists(full):
        raise FolderError(_("The folder %s already exists.") % full)
    client.rename_folder(old, full)
    return full


def delete_folder(client, user, name):
    imap.forget_selection(client)
    _existing(client, name)
    if _protected(client, user, name):
        raise FolderError(_("The folder %s cannot be deleted.") % name)
    delimiter = delimiter_of(client)
    children = [
        child
        for _flags, _sep, child in imap.list_folders(client)
        if child.startswith(name + delimiter)
    ]
    for child in sorted(children, key=len, reverse=True):
        client.delete_folder(child)
    client.delete_folder(name)


def empty_folder(client, user, name):
    """Delete every message of the Trash or Junk folder; return how many."""
    specials = imap.special_folders(client, user)
    if name not in (specials["trash"], specials["junk"]):
        raise FolderError(_("Only the Trash and Junk folders can be emptied."))
    _existing(client, name)
    imap.select(client, name)
    uids = client.search(["ALL"])
    if uids:
        client.add_flags(uids, [b"\\Deleted"], silent=True)
        client.expunge()
    client.close_folder()
    imap.forget_selection(client)
    return len(uids)


def compress_folder(client, name):
    """Expunge the messages marked deleted in ``name``."""
    _existing(client, name)
    imap.select(client, name)
    client.expunge()
    client.close_folder()
    imap.forget_selection(client)
