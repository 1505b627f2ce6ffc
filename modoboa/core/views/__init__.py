"""Views of the core pages (login, dashboard, settings and user area)."""
