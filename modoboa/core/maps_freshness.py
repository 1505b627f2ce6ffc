"""Whether the Postfix map files on disk are what this version writes.

The dashboard shows it to the super administrators: the maps are SQL
queries, so a map file goes stale only when Modoboa changes (an upgrade
changing a query, an extension enabled later adding a map), not when the
data changes. The check reads the directory ``MODOBOA_POSTFIX_MAPS_DIR``
(where ``generate_postfix_maps`` wrote the files on this host) and reports,
worst first:

``missing``
    a registered map has no file (or the directory does not exist);
``outdated``
    a file's query differs from the one this version would write;
``modified``
    a file was changed by hand, or not written by the command (the command
    leaves it alone unless ``--force-overwrite``);
``unreadable``
    a file cannot be read by the panel's system user, so it cannot tell;
``ok``
    every file is there with the current query.
"""

import datetime
import os
import shlex
from dataclasses import dataclass, field

from modoboa.core import postfix_maps

SEVERITY = ("missing", "outdated", "modified", "unreadable")
#: Where the documentation has the files written (docs/postfix.rst).
DEFAULT_DIR = "/etc/postfix"


def configured_dir():
    """``MODOBOA_POSTFIX_MAPS_DIR``, ``DEFAULT_DIR`` when a settings file
    does not name it (instances deployed before it existed); None disables
    the check.
    """
    from django.conf import settings

    return getattr(settings, "MODOBOA_POSTFIX_MAPS_DIR", DEFAULT_DIR)


@dataclass
class Freshness:
    """The state of the map files in ``destdir``."""

    destdir: str
    state: str = "ok"
    files: list = field(default_factory=list)  # the files the state is about
    generated_at: datetime.datetime = None  # the checksum file's last change
    problems: dict = field(default_factory=dict)  # state -> [filename]

    @property
    def command(self):
        """The command that makes the maps fresh again (None when fresh)."""
        if self.state == "ok":
            return None
        parts = ["python", "manage.py", "generate_postfix_maps", "--destdir", self.destdir]
        if self.state == "modified":
            parts.append("--force-overwrite")
        return shlex.join(parts)


def _query_of(text):
    """The ``query`` value of a map file, as Postfix reads it."""
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() == "query" and not line.lstrip().startswith("#"):
            return " ".join(value.split())
    return None


def check(destdir, dbsettings):
    """Return the :class:`Freshness` of the map files in ``destdir`` for
    the database ``dbsettings`` (a Django DATABASES entry).
    """
    destdir = os.path.abspath(destdir)
    result = Freshness(destdir=destdir)
    map_classes = postfix_maps.collect_maps()
    problems = {state: [] for state in SEVERITY}
    checksum_path = os.path.join(destdir, postfix_maps.CHECKSUM_FILENAME)
    try:
        result.generated_at = datetime.datetime.fromtimestamp(
            os.stat(checksum_path).st_mtime, tz=datetime.UTC
        )
    except OSError:
        pass
    try:
        records = postfix_maps.read_checksums(destdir)
    except postfix_maps.PostfixMapError:
        records = None  # unreadable: each file's own check decides
    default_engine = postfix_maps.detect_engine(dbsettings.get("ENGINE"))
    for map_class in map_classes:
        filename = map_class.filename
        path = os.path.join(destdir, filename)
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (FileNotFoundError, NotADirectoryError):
            problems["missing"].append(filename)
            continue
        except (OSError, UnicodeDecodeError):
            problems["unreadable"].append(filename)
            continue
        record = records.get(filename) if records is not None else None
        if records is not None and (record is None or record[1] != postfix_maps.md5(text)):
            problems["modified"].append(filename)
            continue
        engine = record[0] if record and record[0] in postfix_maps.ENGINES else default_engine
        if _query_of(text) != map_class.query(engine):
            problems["outdated"].append(filename)
    result.problems = {state: files for state, files in problems.items() if files}
    for state in SEVERITY:
        if problems[state]:
            result.state = state
            result.files = problems[state]
            break
    return result
