"""Settings of the IMAP migration, added to an instance's settings."""

BACKEND = "modoboa.imap_migration.backends.IMAPBackend"


def apply(settings):
    """Let first logins of old-server users in (1.10's flow): the backend
    goes last, after the local accounts' backends.
    """
    backends = list(settings.get("AUTHENTICATION_BACKENDS", ()))
    if BACKEND not in backends:
        settings["AUTHENTICATION_BACKENDS"] = (*backends, BACKEND)
