"""Settings of the quarantine, added to an instance's settings."""


def apply(settings):
    """Add the defaults the quarantine needs to the ``settings`` dict."""
    # The character set of Amavis' database (system check modoboa-amavis.W001).
    settings.setdefault("AMAVIS_DEFAULT_DATABASE_ENCODING", "UTF-8")
    routers = list(settings.get("DATABASE_ROUTERS", []))
    router = "modoboa.amavis.dbrouter.AmavisRouter"
    if "amavis" in settings.get("DATABASES", {}) and router not in routers:
        settings["DATABASE_ROUTERS"] = routers + [router]
    # Amavis has no SQLite driver: quarantine tables on SQLite are only
    # ever written by Modoboa (a demonstration instance), so Modoboa makes
    # them, or the quarantine pages and amnotify would fail on missing
    # tables.
    databases = settings.get("DATABASES", {})
    amavis = databases.get("amavis", databases.get("default", {}))
    if amavis.get("ENGINE", "").endswith("sqlite3"):
        settings.setdefault("AMAVIS_MANAGE_SCHEMA", True)
