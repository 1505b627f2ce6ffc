"""Settings of the quarantine, added to an instance's settings."""


def apply(settings):
    """Add the defaults the quarantine needs to the ``settings`` dict."""
    # The character set of Amavis' database (system check modoboa-amavis.W001).
    settings.setdefault("AMAVIS_DEFAULT_DATABASE_ENCODING", "UTF-8")
    routers = list(settings.get("DATABASE_ROUTERS", []))
    router = "modoboa.amavis.dbrouter.AmavisRouter"
    if "amavis" in settings.get("DATABASES", {}) and router not in routers:
        settings["DATABASE_ROUTERS"] = routers + [router]
