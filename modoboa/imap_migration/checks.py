"""System checks of the IMAP migration."""

from django.core import checks

from modoboa.lib import encryption


@checks.register(checks.Tags.security)
def check_encryption_key(app_configs, **kwargs):
    """The old passwords of pending jobs are encrypted under this key."""
    reason = encryption.check_key()
    if reason:
        return [checks.Error(reason, id="imap_migration.E001")]
    return []
