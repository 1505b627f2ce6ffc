"""System checks of the credentials documents."""

import os

from django.core import checks

from modoboa.lib import encryption


@checks.register(checks.Tags.security)
def check_encryption_key(app_configs, **kwargs):
    reason = encryption.check_key()
    if reason:
        return [checks.Error(reason, id="pdfcredentials.E001")]
    return []


# Tagged "database": it reads a parameter, so it runs with the checks that
# may query the database (migrate, check --database default).
@checks.register(checks.Tags.database)
def check_storage_dir(app_configs, databases=None, **kwargs):
    from django.db import DatabaseError

    from . import services

    if not databases:
        return []
    try:
        directory = services._params().get("storage_dir")
    except DatabaseError:
        return []  # Before the first migrate: nothing to check yet.
    if not directory:
        return []
    parent = directory
    while parent and not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if parent and not os.access(parent, os.W_OK):
        return [
            checks.Warning(
                "%s cannot be created or written: no credentials document can be stored"
                % directory,
                hint="Create it, writable only by the user running Modoboa, or change the "
                "'Directory to store PDF files' parameter.",
                id="pdfcredentials.W001",
            )
        ]
    return []
