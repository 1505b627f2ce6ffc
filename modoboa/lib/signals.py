"""Upstream-compatible access to the current request."""

from .middleware import get_current_request, set_current_request


def get_request():
    """Return the request being served, or None (upstream name)."""
    return get_current_request()


__all__ = ["get_request", "set_current_request"]
