"""Files written whole or not at all: a new temporary file is filled and
synced before its caller renames it over the target, so readers (Postfix,
OpenDKIM) never see half a file.
"""

import os


def fill_new_file(fd, path, data, prepare=None):
    """Write ``data`` (bytes) into the new file open on ``fd`` at ``path``
    and sync it to disk; return ``path``.

    ``prepare(fd)`` runs first (permissions, ownership). On any error the
    descriptor is closed and the file removed before the error goes on.
    """
    try:
        if prepare is not None:
            prepare(fd)
        with os.fdopen(fd, "wb") as handle:
            fd = None
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        if fd is not None:
            os.close(fd)
        remove_quietly(path)
        raise
    return path


def remove_quietly(path):
    """Remove ``path`` if it is there."""
    try:
        os.unlink(path)
    except OSError:
        pass
